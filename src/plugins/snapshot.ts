import { Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { describeError, MlopsError, toMlopsError } from '../errors';
import { watchKernelAudit } from '../kernel/openedFiles';
import type { ISecretFinding } from '../notebook/secrets';
import { IHashProgress } from '../tracking/capture/data';
import { UlidFactory } from '../util/ids';
import { SnapshotPhase, takeSnapshot } from '../tracking/capture/snapshot';
import { ExperimentStore } from '../tracking/store/store';
import type { IBridgeClient } from '../tokens';
import { measureSince } from '../util/timing';
import {
  secretFindingsOf,
  secretSummary
} from '../widgets/secretFindingsDialog';

/**
 * What a snapshot needs besides the notebook.
 */
export interface ISnapshotContext {
  store: ExperimentStore;
  ids: UlidFactory;
  client: IBridgeClient;
  captureMaxBytes: number;
  settingsPaths?: readonly string[];
  /** Who takes the snapshot (jupyter_server's identity), if known. */
  author?: { username: string; name: string } | null;
  /** Queue it for the MLflow tracking mirror as it is stored (setting `tracking: mlflow`). */
  mirror?: boolean;
  onProgress?: (progress: IHashProgress) => void;
  onPhase?: (phase: SnapshotPhase) => void;
  signal?: AbortSignal;
}

/**
 * Snapshot the notebook in a panel, as it is in the editor (unsaved edits
 * and outputs included).
 */
export async function snapshotNotebook(
  panel: NotebookPanel,
  context: ISnapshotContext
): Promise<ISnapshotOutcome> {
  await panel.context.ready;
  const model = panel.content.model;
  if (!model) {
    throw new MlopsError('E_BAD_REQUEST', 'The notebook is not loaded yet.');
  }
  const spec = model.getMetadata('kernelspec');
  const start = performance.now();
  const notebook = model.toJSON();
  measureSince('snapshot-json', start);
  const saved = await takeSnapshot({
    notebook,
    path: panel.context.path,
    kernel: panel.sessionContext.session?.kernel ?? null,
    kernelSpecName:
      typeof spec === 'object' &&
      spec !== null &&
      'name' in spec &&
      typeof spec.name === 'string'
        ? spec.name
        : null,
    store: context.store,
    ids: context.ids,
    client: context.client,
    captureMaxBytes: context.captureMaxBytes,
    settingsPaths: context.settingsPaths,
    author: context.author,
    mirror: context.mirror,
    onProgress: context.onProgress,
    onPhase: context.onPhase,
    signal: context.signal
  });
  return {
    name: saved.name,
    ref: saved.ref,
    note: saved.note,
    skipped: saved.manifest.skippedParameters?.length ?? 0
  };
}

/**
 * What a snapshot says of itself: its name and ref, why it kept only the
 * static values (or null), and how many parameter lines it did not read.
 */
export interface ISnapshotOutcome {
  name: string;
  ref: string;
  note: string | null;
  skipped?: number;
}

/**
 * Keep the kernel audit hook installed in every notebook's kernel (see
 * `src/kernel/openedFiles.ts`): when its kernel is ready, after each restart,
 * and when the notebook switches kernels, so the files a kernel opens
 * before the first snapshot are seen.
 */
export function watchNotebookKernels(
  tracker: INotebookTracker,
  store: () => string | undefined
): void {
  const watch = (panel: NotebookPanel) => {
    let current: { dispose(): void } | null = null;
    const follow = () => {
      current?.dispose();
      const kernel = panel.sessionContext.session?.kernel ?? null;
      current = kernel
        ? watchKernelAudit(
            kernel,
            () => ({ notebookPath: panel.context.path, store: store() }),
            reason =>
              console.warn(
                'jupyterlab-mlops: the kernel audit hook was not installed',
                reason
              )
          )
        : null;
    };
    panel.sessionContext.kernelChanged.connect(follow);
    panel.disposed.connect(() => {
      current?.dispose();
      panel.sessionContext.kernelChanged.disconnect(follow);
    });
    follow();
  };
  tracker.forEach(watch);
  tracker.widgetAdded.connect((_, panel) => watch(panel));
}

/**
 * How long a progress toast is up before it is updated (see below).
 */
const SETTLE_MS = 1000;

/**
 * Run a snapshot with a progress notification (with Cancel) that turns
 * into its outcome.
 */
export async function snapshotWithNotification(
  run: (
    onProgress: (progress: IHashProgress) => void,
    signal: AbortSignal,
    onPhase: (phase: SnapshotPhase) => void
  ) => Promise<ISnapshotOutcome>,
  trans: TranslationBundle,
  options: {
    /** Show the secrets the scan found (the error's action button). */
    showSecrets?: (findings: readonly ISecretFinding[]) => void;
    /** Actions of the "saved" notification (e.g. compare with previous). */
    savedActions?: (saved: {
      name: string;
      ref: string;
    }) => Notification.IAction[];
  } = {}
): Promise<{ name: string; ref: string } | null> {
  const controller = new AbortController();
  let message = trans.__('Saving snapshot…');
  // Show progress only for slow snapshots (fast ones need none). A toast
  // updated right after it was emitted may never show the update (the
  // toast library drops updates of a toast not yet on screen): the
  // outcome then stayed "Saving snapshot…" on screen although the snapshot
  // was saved. Updates wait until the toast has been up for SETTLE_MS.
  let progress: string | null = null;
  let emittedAt = 0;
  const settled = () => Date.now() - emittedAt >= SETTLE_MS;
  const timer = setTimeout(() => {
    emittedAt = Date.now();
    progress = Notification.emit(message, 'in-progress', {
      autoClose: false,
      actions: [
        {
          label: trans.__('Cancel'),
          callback: () => controller.abort()
        }
      ]
    });
  }, 300);
  // What the snapshot waits for, said while it is slow.
  const phases: Record<SnapshotPhase, string> = {
    'kernel-starting': trans.__(
      'Saving snapshot: waiting for the kernel to start…'
    ),
    kernel: trans.__('Saving snapshot: asking the kernel for live values…'),
    hashing: trans.__('Saving snapshot: hashing data…'),
    git: trans.__('Saving snapshot: reading the project’s git state…'),
    saving: trans.__('Saving snapshot: writing the experiment…')
  };
  const onPhase = (phase: SnapshotPhase) => {
    message = phases[phase];
    if (progress !== null && settled()) {
      Notification.update({ id: progress, message });
    }
  };
  const onProgress = (p: IHashProgress) => {
    const percent =
      p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0;
    message = trans.__('Hashing data: %1% (%2)', percent, p.currentPath || '…');
    if (progress !== null && settled()) {
      Notification.update({ id: progress, message });
    }
  };
  const report = async (
    text: string,
    type: 'success' | 'warning' | 'error',
    autoClose: number | false,
    actions: Notification.IAction[] = []
  ) => {
    clearTimeout(timer);
    if (progress !== null && !settled()) {
      await new Promise(resolve =>
        setTimeout(resolve, SETTLE_MS - (Date.now() - emittedAt))
      );
    }
    if (progress === null) {
      Notification.emit(text, type, { autoClose, actions });
    } else {
      Notification.update({
        id: progress,
        message: text,
        type,
        autoClose,
        actions
      });
    }
  };
  try {
    const saved = await run(onProgress, controller.signal, onPhase);
    const skipped = saved.skipped
      ? ' ' +
        trans._n(
          '%1 line of the parameters cell was not read (see the experiment).',
          '%1 lines of the parameters cells were not read (see the experiment).',
          saved.skipped
        )
      : '';
    await report(
      (saved.note === null
        ? trans.__('Saved experiment %1', saved.name)
        : trans.__(
            'Saved experiment %1 with static values only: the kernel did not answer [%2]',
            saved.name,
            saved.note
          )) + skipped,
      saved.note === null ? 'success' : 'warning',
      // With an action to take, the toast stays a little longer.
      options.savedActions ? 8000 : 4000,
      options.savedActions?.(saved) ?? []
    );
    return saved;
  } catch (reason) {
    // The bridge's code even behind the git fs adapter's errors, with
    // advice for what the user can fix (a full disk, a read-only store).
    const error = toMlopsError(reason);
    console.error('jupyterlab-mlops: snapshot failed', error.toJSON());
    const findings = secretFindingsOf(error);
    const show = options.showSecrets;
    if (findings !== null && show) {
      // The list does not fit a notification: a dialog shows it all.
      await report(
        `${secretSummary(findings, trans)} [${error.code}]`,
        'error',
        false,
        [
          {
            label: trans.__('Show secrets'),
            caption: trans.__('List every finding, with a way to its cell'),
            displayType: 'accent',
            callback: () => show(findings)
          }
        ]
      );
      return null;
    }
    // Notifications cut messages at 140 characters: keep the code visible.
    await report(describeError(error, 110), 'error', false);
    return null;
  }
}
