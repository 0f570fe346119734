import { IBridgeClient } from '../../bridge/tokens';
import { isMlopsError } from '../../errors';
import { liveRequestFor, staticParameters } from '../../notebook/cells';
import { notebookFileInSlices } from '../../notebook/notebookFile';
import { buildSnapshot, checkedCells } from './capture';
import { collectData, hashPaths, IHashProgress } from './data';
import {
  findDataPaths,
  fromNotebookFolder,
  normalizeDataPath,
  tagDataPaths
} from '../../notebook/dataPaths';
import { UlidFactory } from '../../util/ids';
import { measureSince } from '../../util/timing';
import { captureLive, ILiveValues } from '../../kernel/liveValues';
import type { IExecutingKernel } from '../../kernel/protocol';
import { Manifest } from '../store/manifest';
import { ParameterValue } from '../../notebook/parameters';
import { ExperimentStore } from '../store/store';

/**
 * Everything a snapshot needs, without JupyterLab widgets: the lab passes
 * its live notebook model and session; benchmarks and tools pass their own.
 */
export interface ITakeSnapshotOptions {
  /** The notebook as nbformat JSON, as it is in the editor. */
  notebook: unknown;
  /** Its path relative to the Jupyter root. */
  path: string;
  /** The kernel, if one is running, and its last known status. */
  kernel: (IExecutingKernel & { name: string; status: string }) | null;
  kernelSpecName: string | null;
  store: ExperimentStore;
  ids: UlidFactory;
  client: IBridgeClient;
  /**
   * Data files up to this size are kept in the experiment, as the bridge
   * hashed them (at most `HASH_CAPTURE_MAX_BYTES`, the bridge's limit).
   */
  captureMaxBytes: number;
  /** Paths from the `dataPaths` setting, relative to the Jupyter root. */
  settingsPaths?: readonly string[];
  /** Who takes the snapshot (jupyter_server's identity), if known. */
  author?: { username: string; name: string } | null;
  /** Queue it for the MLflow tracking mirror as it is stored (setting `tracking: mlflow`). */
  mirror?: boolean;
  onProgress?: (progress: IHashProgress) => void;
  /** What the snapshot waits for now (shown while it is slow). */
  onPhase?: (phase: SnapshotPhase) => void;
  signal?: AbortSignal;
}

/**
 * The parts of a snapshot that can take a while: the kernel's answer (or
 * its start), the data hashes, the project's git state, the commit.
 */
export type SnapshotPhase =
  'kernel-starting' | 'kernel' | 'hashing' | 'git' | 'saving';

/**
 * Take a snapshot: secret scan first, then live values (a busy or dead
 * kernel leaves the static ones), data hashes, and one commit.
 */
export async function takeSnapshot(options: ITakeSnapshotOptions): Promise<{
  name: string;
  ref: string;
  note: string | null;
  manifest: Manifest;
}> {
  const { notebook, path, kernel, client } = options;
  // User Timing of each step (jupyterlab-mlops:snapshot-*).
  let mark = performance.now();
  // Refuse before anything else runs or is written.
  const cells = checkedCells(notebook);
  mark = measureSince('snapshot-scan', mark);
  // The stored notebook file, built in slices while the kernel answers.
  const file = notebookFileInSlices(notebook, FILE_SLICE_MS);
  // Awaited below; a failure must not count as unhandled meanwhile.
  file.catch(() => undefined);

  // Where each path came from: the code, settings, tags, the kernel.
  const sources = new Map<string, DataSource[]>();
  const add = (path: string, source: DataSource) =>
    sources.set(path, [...new Set([...(sources.get(path) ?? []), source])]);
  const store = client.store ?? '.mlops';
  // The kernel leaves these out itself; its answer is not trusted to.
  const isOwn = (p: string) =>
    p === path || p === store || p.startsWith(`${store}/`);
  const codeSources = cells
    .filter(cell => cell.cellType === 'code')
    .map(cell => cell.source);
  const addCodePaths = (parameters: Record<string, ParameterValue>) =>
    findDataPaths(codeSources, parameters).forEach(relative =>
      add(fromNotebookFolder(path, relative), 'code')
    );
  addCodePaths(staticParameters(cells));
  for (const declared of options.settingsPaths ?? []) {
    const normalized = normalizeDataPath(declared);
    if (normalized !== null) {
      add(normalized, 'settings');
    }
  }
  tagDataPaths(cells).paths.forEach(relative =>
    add(fromNotebookFolder(path, relative), 'tags')
  );

  // Independent work runs at once: the project's git state (a
  // nice-to-have: a failure leaves it out), the hashes of the paths known
  // without the kernel, and the kernel's live values.
  const code = client
    .projectGit(path.split('/').slice(0, -1).join('/'))
    .then(git => (git.commit === null ? null : git))
    .catch(() => null);
  const hashOptions = {
    onProgress: options.onProgress,
    signal: options.signal,
    captureMaxBytes: options.captureMaxBytes
  };
  const known = [...sources.keys()].sort();
  const firstHashes = hashPaths(client, known, hashOptions);
  // Awaited below; a failure must not count as unhandled meanwhile.
  firstHashes.catch(() => undefined);

  let state = Private.kernelState(kernel?.status);
  let live: ILiveValues | undefined;
  let note: string | null =
    kernel && state === 'dead' ? 'E_KERNEL_UNAVAILABLE' : null;
  const phase = (next: SnapshotPhase) => options.onPhase?.(next);
  if (kernel && state !== 'dead') {
    phase(Private.isStarting(kernel.status) ? 'kernel-starting' : 'kernel');
    try {
      live = await captureLive(
        kernel,
        { ...liveRequestFor(notebook), audit: { notebookPath: path, store } },
        // A kernel still starting (a notebook just opened) queues the
        // request until it is connected: give it the time to start.
        Private.isStarting(kernel.status) ? STARTING_KERNEL_MS : undefined
      );
      state = 'live';
    } catch (reason) {
      state = isMlopsError(reason, 'E_KERNEL_TIMEOUT') ? 'busy' : 'dead';
      note = isMlopsError(reason) ? reason.code : 'E_KERNEL_UNAVAILABLE';
    }
  }
  if (live) {
    // Live parameter values can name other files (`read_csv(data_path)`).
    addCodePaths({ ...staticParameters(cells), ...live.parameters });
    live.audit?.paths
      .filter(audited => !isOwn(audited))
      .forEach(audited => add(audited, 'audit'));
  }
  mark = measureSince('snapshot-kernel', mark);
  const first = new Set(known);
  const extra = [...sources.keys()].filter(p => !first.has(p)).sort();
  phase('hashing');
  const results = [
    ...(await firstHashes),
    ...(await hashPaths(client, extra, hashOptions))
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const data = collectData(results, sources);
  const gitState = await Private.phased(code, () => phase('git'));
  mark = measureSince('snapshot-data', mark);
  await file;
  mark = measureSince('snapshot-file', mark);
  const snapshot = buildSnapshot({
    id: options.ids.next(),
    createdAt: new Date(),
    author: options.author,
    path,
    notebook,
    // "No kernel" is null, whichever way it is said ('' from a kernelspec
    // without a name, or from a kernel that has none).
    kernelName: kernel?.name?.trim() || options.kernelSpecName?.trim() || null,
    kernel: state,
    live,
    data: data.entries,
    dataFiles: data.files,
    code: gitState,
    notebookFile: await file
  });
  mark = measureSince('snapshot-build', mark);
  phase('saving');
  const entry = await options.store.save(snapshot, {
    mirror: options.mirror
  });
  measureSince('snapshot-save', mark);
  return {
    name: snapshot.manifest.user.name,
    ref: entry.ref,
    note,
    manifest: snapshot.manifest
  };
}

/**
 * Work between two pauses while the notebook file is built: well under a
 * frame gap the user would notice (100 ms), few enough pauses that a
 * 28 MB notebook is not stretched over seconds.
 */
const FILE_SLICE_MS = 24;

/**
 * How long a snapshot waits for a kernel that is still starting before it
 * keeps the static values.
 */
export const STARTING_KERNEL_MS = 10_000;

/**
 * Where a data path of the manifest came from.
 */
type DataSource = Manifest['data'][number]['sources'][number];

namespace Private {
  /**
   * `promise`, calling `onWait` first when it is not settled yet.
   */
  export async function phased<T>(
    promise: Promise<T>,
    onWait: () => void
  ): Promise<T> {
    let settled = false;
    void promise.then(
      () => (settled = true),
      () => (settled = true)
    );
    // Settled promises run their callbacks before this one's.
    await Promise.resolve();
    if (!settled) {
      onWait();
    }
    return promise;
  }

  /**
   * Whether a kernel status means "not connected yet": the kernel is
   * starting or restarting, or its connection is (`unknown`).
   */
  export function isStarting(status: string): boolean {
    return /^(unknown|starting|restarting|autorestarting)$/.test(status);
  }

  export function kernelState(
    status: string | undefined
  ): Manifest['health']['kernel'] {
    if (status === undefined) {
      return 'none';
    }
    if (status === 'dead') {
      return 'dead';
    }
    return status === 'busy' ? 'busy' : 'live';
  }
}
