import { Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import { isMlopsError, MlopsError } from '../errors';
import { buildSnapshot, liveRequestFor } from '../tracking/capture';
import { UlidFactory } from '../tracking/ids';
import { captureLive, ILiveValues } from '../tracking/kernel';
import { Manifest } from '../tracking/manifest';
import { ExperimentStore } from '../tracking/store';

/**
 * Snapshot the notebook in a panel, as it is in the editor (unsaved edits
 * and outputs included), into the store.
 */
export async function snapshotNotebook(
  panel: NotebookPanel,
  store: ExperimentStore,
  ids: UlidFactory
): Promise<{ name: string; ref: string; note: string | null }> {
  await panel.context.ready;
  const model = panel.content.model;
  if (!model) {
    throw new MlopsError('E_BAD_REQUEST', 'The notebook is not loaded yet.');
  }
  const kernel = panel.sessionContext.session?.kernel ?? null;
  const spec = model.getMetadata('kernelspec');
  const specName =
    typeof spec === 'object' &&
    spec !== null &&
    'name' in spec &&
    typeof spec.name === 'string'
      ? spec.name
      : null;
  const notebook = model.toJSON();
  let state = Private.kernelState(kernel?.status);
  let live: ILiveValues | undefined;
  let note: string | null = null;
  if (kernel && state !== 'dead') {
    try {
      live = await captureLive(kernel, liveRequestFor(notebook));
      state = 'live';
    } catch (reason) {
      // A busy or stuck kernel must not block the snapshot: keep the static
      // values, record the state and say so.
      state = isMlopsError(reason, 'E_KERNEL_TIMEOUT') ? 'busy' : 'dead';
      note = isMlopsError(reason) ? reason.code : 'E_KERNEL_UNAVAILABLE';
    }
  } else {
    note = kernel ? 'E_KERNEL_UNAVAILABLE' : null;
  }
  const snapshot = buildSnapshot({
    id: ids.next(),
    createdAt: new Date(),
    path: panel.context.path,
    notebook,
    kernelName: kernel?.name ?? specName,
    kernel: state,
    live
  });
  const entry = await store.save(snapshot);
  return { name: snapshot.manifest.user.name, ref: entry.ref, note };
}

/**
 * Run a snapshot with a progress notification that turns into its outcome.
 */
export async function snapshotWithNotification(
  run: () => Promise<{ name: string; ref: string; note: string | null }>,
  trans: TranslationBundle
): Promise<{ name: string; ref: string } | null> {
  // Show progress only for slow snapshots: a toast updated right after it
  // was emitted may never show the update, and fast ones need no progress.
  let progress: string | null = null;
  const timer = setTimeout(() => {
    progress = Notification.emit(trans.__('Saving snapshot…'), 'in-progress', {
      autoClose: false
    });
  }, 300);
  const report = (
    message: string,
    type: 'success' | 'warning' | 'error',
    autoClose: number | false
  ) => {
    clearTimeout(timer);
    if (progress === null) {
      Notification.emit(message, type, { autoClose });
    } else {
      Notification.update({ id: progress, message, type, autoClose });
    }
  };
  try {
    const saved = await run();
    report(
      saved.note === null
        ? trans.__('Saved experiment %1', saved.name)
        : trans.__(
            'Saved experiment %1 with static values only: the kernel did not answer [%2]',
            saved.name,
            saved.note
          ),
      saved.note === null ? 'success' : 'warning',
      4000
    );
    return saved;
  } catch (reason) {
    const error = isMlopsError(reason)
      ? reason
      : new MlopsError('E_IO', String(reason));
    console.error('jupyterlab-mlops: snapshot failed', error.toJSON());
    // Notifications cut messages at 140 characters: keep the code visible.
    report(
      `${Private.shorten(error.message, 110)} [${error.code}]`,
      'error',
      false
    );
    return null;
  }
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

  export function shorten(text: string, max: number): string {
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  }
}
