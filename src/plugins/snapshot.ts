import { Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';

import { decodeBase64 } from '../bridge/base64';
import { BridgeClient } from '../bridge/client';
import { isMlopsError, MlopsError } from '../errors';
import { buildSnapshot, liveRequestFor, readCells } from '../tracking/capture';
import { collectData, hashPaths, IHashProgress } from '../tracking/data';
import { findDataPaths, fromNotebookFolder } from '../tracking/dataPaths';
import { UlidFactory } from '../tracking/ids';
import { captureLive, ILiveValues } from '../tracking/kernel';
import { Manifest } from '../tracking/manifest';
import { parseParameters } from '../tracking/parameters';
import { assertNoSecrets, scanNotebook } from '../tracking/secrets';
import { ExperimentStore } from '../tracking/store';

/**
 * What a snapshot needs besides the notebook.
 */
export interface ISnapshotContext {
  store: ExperimentStore;
  ids: UlidFactory;
  client: BridgeClient;
  contents: Contents.IManager;
  captureMaxBytes: number;
  onProgress?: (progress: IHashProgress) => void;
  signal?: AbortSignal;
}

/**
 * Snapshot the notebook in a panel, as it is in the editor (unsaved edits
 * and outputs included): secret scan, live values, data hashes, commit.
 */
export async function snapshotNotebook(
  panel: NotebookPanel,
  context: ISnapshotContext
): Promise<{ name: string; ref: string; note: string | null }> {
  await panel.context.ready;
  const model = panel.content.model;
  if (!model) {
    throw new MlopsError('E_BAD_REQUEST', 'The notebook is not loaded yet.');
  }
  const notebook = model.toJSON();
  const cells = readCells(notebook);
  // Refuse before anything else runs or is written.
  assertNoSecrets(scanNotebook(cells));

  const kernel = panel.sessionContext.session?.kernel ?? null;
  let state = Private.kernelState(kernel?.status);
  let live: ILiveValues | undefined;
  let note: string | null =
    kernel && state === 'dead' ? 'E_KERNEL_UNAVAILABLE' : null;
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
  }

  const path = panel.context.path;
  const parameters = {
    ...Object.assign(
      {},
      ...cells
        .filter(cell =>
          cell.tags.some(t => t === 'parameters' || t === 'pipeline-parameters')
        )
        .map(cell => parseParameters(cell.source).values)
    ),
    ...live?.parameters
  };
  const dataPaths = findDataPaths(
    cells.filter(cell => cell.cellType === 'code').map(cell => cell.source),
    parameters
  ).map(relative => fromNotebookFolder(path, relative));
  const results = await hashPaths(context.client, dataPaths, {
    onProgress: context.onProgress,
    signal: context.signal
  });
  const data = await collectData(
    results,
    new Map(
      dataPaths.map(p => [p, ['code'] as Manifest['data'][number]['sources']])
    ),
    context.captureMaxBytes,
    async file => {
      const got = await context.contents.get(file, {
        content: true,
        format: 'base64',
        type: 'file'
      });
      return typeof got.content === 'string'
        ? decodeBase64(got.content.replace(/\s/g, ''))
        : new Uint8Array();
    }
  );

  const spec = model.getMetadata('kernelspec');
  const specName =
    typeof spec === 'object' &&
    spec !== null &&
    'name' in spec &&
    typeof spec.name === 'string'
      ? spec.name
      : null;
  const snapshot = buildSnapshot({
    id: context.ids.next(),
    createdAt: new Date(),
    path,
    notebook,
    kernelName: kernel?.name ?? specName,
    kernel: state,
    live,
    data: data.entries,
    dataFiles: data.files
  });
  const entry = await context.store.save(snapshot);
  return { name: snapshot.manifest.user.name, ref: entry.ref, note };
}

/**
 * Run a snapshot with a progress notification (with Cancel) that turns
 * into its outcome.
 */
export async function snapshotWithNotification(
  run: (
    onProgress: (progress: IHashProgress) => void,
    signal: AbortSignal
  ) => Promise<{ name: string; ref: string; note: string | null }>,
  trans: TranslationBundle
): Promise<{ name: string; ref: string } | null> {
  const controller = new AbortController();
  let message = trans.__('Saving snapshot…');
  // Show progress only for slow snapshots: a toast updated right after it
  // was emitted may never show the update, and fast ones need no progress.
  let progress: string | null = null;
  const timer = setTimeout(() => {
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
  const onProgress = (p: IHashProgress) => {
    const percent =
      p.bytesTotal > 0 ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0;
    message = trans.__('Hashing data: %1% (%2)', percent, p.currentPath || '…');
    if (progress !== null) {
      Notification.update({ id: progress, message });
    }
  };
  const report = (
    text: string,
    type: 'success' | 'warning' | 'error',
    autoClose: number | false
  ) => {
    clearTimeout(timer);
    if (progress === null) {
      Notification.emit(text, type, { autoClose });
    } else {
      Notification.update({
        id: progress,
        message: text,
        type,
        autoClose,
        actions: []
      });
    }
  };
  try {
    const saved = await run(onProgress, controller.signal);
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
