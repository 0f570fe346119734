import { BridgeClient } from '../bridge/client';
import { isMlopsError } from '../errors';
import {
  buildSnapshot,
  checkedCells,
  liveRequestFor,
  staticParameters
} from './capture';
import { collectData, hashPaths, IHashProgress } from './data';
import {
  findDataPaths,
  fromNotebookFolder,
  normalizeDataPath
} from './dataPaths';
import { UlidFactory } from './ids';
import { captureLive, IExecutingKernel, ILiveValues } from './kernel';
import { Manifest } from './manifest';
import { ExperimentStore } from './store';

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
  client: BridgeClient;
  /** Reads a file relative to the Jupyter root (for small data files). */
  readFile: (path: string) => Promise<Uint8Array>;
  captureMaxBytes: number;
  /** Paths from the `dataPaths` setting, relative to the Jupyter root. */
  settingsPaths?: readonly string[];
  onProgress?: (progress: IHashProgress) => void;
  signal?: AbortSignal;
}

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
  const { notebook, path, kernel } = options;
  // Refuse before anything else runs or is written.
  const cells = checkedCells(notebook);

  // The project's git state is asked for while the kernel answers; it is a
  // nice-to-have, so a failure only leaves it out.
  const folder = path.split('/').slice(0, -1).join('/');
  const code = options.client
    .projectGit(folder)
    .then(git => (git.commit === null ? null : git))
    .catch(() => null);
  let state = Private.kernelState(kernel?.status);
  let live: ILiveValues | undefined;
  let note: string | null =
    kernel && state === 'dead' ? 'E_KERNEL_UNAVAILABLE' : null;
  if (kernel && state !== 'dead') {
    try {
      live = await captureLive(kernel, liveRequestFor(notebook));
      state = 'live';
    } catch (reason) {
      state = isMlopsError(reason, 'E_KERNEL_TIMEOUT') ? 'busy' : 'dead';
      note = isMlopsError(reason) ? reason.code : 'E_KERNEL_UNAVAILABLE';
    }
  }

  const parameters = { ...staticParameters(cells), ...live?.parameters };
  // Where each path came from: the code, the settings, or both.
  const sources = new Map<string, Manifest['data'][number]['sources']>();
  const add = (path: string, source: 'code' | 'settings') =>
    sources.set(path, [...new Set([...(sources.get(path) ?? []), source])]);
  findDataPaths(
    cells.filter(cell => cell.cellType === 'code').map(cell => cell.source),
    parameters
  ).forEach(relative => add(fromNotebookFolder(path, relative), 'code'));
  for (const declared of options.settingsPaths ?? []) {
    const normalized = normalizeDataPath(declared);
    if (normalized !== null) {
      add(normalized, 'settings');
    }
  }
  const dataPaths = [...sources.keys()].sort();
  const results = await hashPaths(options.client, dataPaths, {
    onProgress: options.onProgress,
    signal: options.signal
  });
  const data = await collectData(
    results,
    sources,
    options.captureMaxBytes,
    options.readFile
  );
  const snapshot = buildSnapshot({
    id: options.ids.next(),
    createdAt: new Date(),
    path,
    notebook,
    kernelName: kernel?.name ?? options.kernelSpecName,
    kernel: state,
    live,
    data: data.entries,
    dataFiles: data.files,
    code: await code
  });
  const entry = await options.store.save(snapshot);
  return {
    name: snapshot.manifest.user.name,
    ref: entry.ref,
    note,
    manifest: snapshot.manifest
  };
}

namespace Private {
  export function kernelState(
    status: string | undefined
  ): Manifest['health']['kernel'] {
    if (status === undefined) {
      return 'none';
    }
    if (status === 'dead' || status === 'unknown') {
      return 'dead';
    }
    return status === 'busy' ? 'busy' : 'live';
  }
}
