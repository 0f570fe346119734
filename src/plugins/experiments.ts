import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import {
  ITranslator,
  nullTranslator,
  TranslationBundle
} from '@jupyterlab/translation';

import { TrackingRoutes } from '../bridge/tracking';
import { CommandIDs } from '../commands';
import { toMlopsError } from '../errors';
import { snapshotIcon } from '../icons';
import { PluginSettings, SettingsSchemas } from '../settings';
import { IExperimentList, IExperimentStore, IMlopsBridge } from '../tokens';
import { notebookSlug, UlidFactory } from '../util/ids';
import { isExperimentDrivePath } from '../tracking/store/drive';
import { ActiveNotebook } from '../widgets/activeNotebook';
import { createExperimentsPanel } from '../widgets/ExperimentsPanel';
import { ExperimentsPanelModel } from '../widgets/experimentsPanelModel';
import { showSecretFindings } from '../widgets/secretFindingsDialog';
import { SnapshotStatus } from '../widgets/SnapshotStatus';
import { SnapshotStatusModel } from '../widgets/snapshotStatusModel';
import { addCompareWithCommands } from './compareWith';
import { PALETTE_CATEGORY } from './core';
import { addExperimentTabs, openToSideOnModifierClick } from './experimentTabs';
import { watchMetricChanges } from './metricsHint';
import { followNotebookMoves } from './notebookMoves';
import { addSidePanel } from './sidebar';
import { addSyncCommand } from './storeSync';
import { tabPlacement } from './tabPlacement';
import {
  snapshotNotebook,
  snapshotWithNotification,
  watchNotebookKernels
} from './snapshot';

export { STORE_CHANNEL } from '../tracking/store/storeService';

/**
 * Where the demo notebook lives, relative to the project (and Jupyter) root.
 */
export const DEMO_NOTEBOOK = 'examples/wine_classifier.ipynb';

/**
 * The Experiments panel, the Snapshot command and its toolbar button.
 */
export const experimentsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mlops:experiments',
  description: 'Experiments panel and notebook snapshots.',
  autoStart: true,
  requires: [IMlopsBridge, INotebookTracker, IExperimentStore, IExperimentList],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    IStatusBar,
    ITranslator,
    ILabShell
  ],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMlopsBridge,
    tracker: INotebookTracker,
    stores: IExperimentStore,
    list: IExperimentList,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    registry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    translator: ITranslator | null,
    labShell: ILabShell | null
  ): void => {
    const tr = translator ?? nullTranslator;
    const trans = tr.load('jupyterlab_mlops');
    // Files a kernel opens are data of the next snapshot (audit hook).
    watchNotebookKernels(tracker, () => bridge.client.store);
    const notebook = new ActiveNotebook(tracker);
    const model = new ExperimentsPanelModel({
      list,
      stores,
      notebook,
      settings: new PluginSettings({
        registry,
        plugin: experimentsPlugin.id,
        schema: SettingsSchemas.experiments
      })
    });
    const sync = addSyncCommand(app, { bridge, stores, model, trans });
    const panel = createExperimentsPanel({
      model,
      bridge,
      sync,
      commands: app.commands,
      translator: tr
    });
    openToSideOnModifierClick(app, panel.node);
    addSidePanel(app, {
      panel,
      command: CommandIDs.openExperiments,
      label: trans.__('Open Experiments Panel'),
      rank: 600,
      palette,
      restorer,
      // The filter box, else the table (no experiments: the first button).
      focus: ['input.jp-mlops-Search', '.jp-mlops-ExperimentTable']
    });
    const status = new SnapshotStatusModel({ list, notebook });
    const statusItem = new SnapshotStatus(
      status,
      trans,
      () => void app.commands.execute(CommandIDs.openExperiments)
    );
    // "Metrics changed since last snapshot", asked after executions.
    watchMetricChanges(tracker, status);
    statusBar?.registerStatusItem('jupyterlab-mlops:snapshot-status', {
      item: statusItem,
      align: 'left',
      rank: 4
    });
    // The palette's Compare follows the panel's selection, and only it: a
    // command change re-renders every menu, whose kernel items run
    // commands, and any command run closes an open palette (the model
    // changes with every output a running cell writes).
    let selected = '';
    model.changed.connect(() => {
      const now = [...model.selected].sort().join('\n');
      if (now !== selected) {
        selected = now;
        app.commands.notifyCommandChanged(CommandIDs.compare);
      }
    });
    addExperimentTabs(app, {
      stores,
      palette,
      translator: tr,
      selection: () => [...model.selected],
      directions: () => model.metricDirections,
      placement: tabPlacement(app, labShell),
      tracking: {
        enabled: () => model.tracking === 'mlflow',
        client: () => bridge.client
      }
    });
    addCompareWithCommands(app, {
      stores,
      list,
      currentSlug: () =>
        notebook.path === null ? null : notebookSlug(notebook.path),
      directions: () => model.metricDirections,
      trans,
      palette
    });
    addSnapshotCommand(app, { tracker, bridge, stores, model, status, trans });
    addDemoCommand(app, trans);
    // Experiments follow their notebook through renames made in the lab.
    followNotebookMoves(app, { stores, trans });
    for (const command of [
      CommandIDs.snapshot,
      CommandIDs.openDemo,
      CommandIDs.syncExperiments
    ]) {
      palette?.addItem({ command, category: PALETTE_CATEGORY });
    }
  }
};

/**
 * The Snapshot command (and toolbar button) on the active notebook.
 */
function addSnapshotCommand(
  app: JupyterFrontEnd,
  options: {
    tracker: INotebookTracker;
    bridge: IMlopsBridge;
    stores: IExperimentStore;
    model: ExperimentsPanelModel;
    status: SnapshotStatusModel;
    trans: TranslationBundle;
  }
): void {
  const { tracker, bridge, stores, model, status, trans } = options;
  const ids = new UlidFactory();
  // A notebook of the workspace; not an experiment's stored copy opened
  // read-only (its path is on the experiment drive).
  const snapshotTarget = () => {
    const current = tracker.currentWidget;
    return current && !isExperimentDrivePath(current.context.path)
      ? current
      : null;
  };
  app.commands.addCommand(CommandIDs.snapshot, {
    label: args =>
      args['toolbar'] ? '' : trans.__('Snapshot Notebook as Experiment'),
    caption: trans.__(
      'Record this notebook, its parameters, metrics, data and environment'
    ),
    icon: snapshotIcon,
    isEnabled: () => snapshotTarget() !== null,
    execute: async () => {
      const target = snapshotTarget();
      if (!target) {
        if (tracker.currentWidget) {
          Notification.info(
            trans.__(
              'This is an experiment’s stored notebook, read-only: restore it as a new notebook to work on it and take snapshots.'
            ),
            { autoClose: 6000 }
          );
        }
        return;
      }
      const path = target.context.path;
      // Whether the notebook has no experiment yet: then there is nothing
      // to compare the new one with. Asked of the store beside the
      // snapshot (one listing); unknown until it answers.
      let first = false;
      void stores.current
        .list(notebookSlug(path))
        .then(entries => (first = entries.length === 0))
        .catch(() => undefined);
      status.set(path, 'saving');
      const { captureMaxBytes, dataPaths } = model.capture;
      const saved = await snapshotWithNotification(
        (onProgress, signal, onPhase) =>
          snapshotNotebook(target, {
            store: stores.current,
            ids,
            client: bridge.client,
            captureMaxBytes,
            settingsPaths: dataPaths,
            author: labUser(app),
            mirror: model.tracking === 'mlflow',
            onProgress,
            onPhase,
            signal
          }),
        trans,
        {
          showSecrets: findings =>
            void showSecretFindings({
              panel: target,
              findings,
              trans,
              activate: panel => app.shell.activateById(panel.id)
            }),
          savedActions: saved =>
            first
              ? []
              : [
                  {
                    label: trans.__('Compare with previous'),
                    caption: trans.__(
                      'Compare this experiment with the one before it'
                    ),
                    displayType: 'accent',
                    callback: () =>
                      void app.commands.execute(
                        CommandIDs.compareWithPrevious,
                        { ref: saved.ref }
                      )
                  }
                ]
        }
      );
      status.set(path, saved ? 'saved' : 'failed', saved?.name);
      if (saved) {
        // The list reads the store again, here and in the other tabs; the
        // first snapshot creates the store: the status line says so.
        stores.notifyWritten();
        if (model.tracking === 'mlflow') {
          mirrorToMlflow(bridge, saved.ref, trans);
        }
        await bridge.refresh();
      }
    }
  });
  tracker.currentChanged.connect(() =>
    app.commands.notifyCommandChanged(CommandIDs.snapshot)
  );
}

/**
 * The command that opens the demo notebook, when the server's root has it.
 */
function addDemoCommand(app: JupyterFrontEnd, trans: TranslationBundle): void {
  app.commands.addCommand(CommandIDs.openDemo, {
    label: trans.__('Open the MLOps Demo Notebook'),
    caption: DEMO_NOTEBOOK,
    execute: async () => {
      try {
        await app.serviceManager.contents.get(DEMO_NOTEBOOK, {
          content: false
        });
      } catch {
        Notification.warning(
          trans.__(
            'The demo notebook %1 is not under this server’s root. Start JupyterLab from the jupyterlab-mlops project folder.',
            DEMO_NOTEBOOK
          ),
          { autoClose: 8000 }
        );
        return;
      }
      return app.commands.execute('docmanager:open', { path: DEMO_NOTEBOOK });
    }
  });
}

/**
 * The lab user as jupyter_server identifies them (`/api/me`), or null
 * before the identity is known or when the server names no one.
 */
export function labUser(
  app: JupyterFrontEnd
): { username: string; name: string } | null {
  const identity = app.serviceManager.user?.identity;
  if (!identity?.username) {
    return null;
  }
  const clip = (text: string) => text.slice(0, 200);
  return {
    username: clip(identity.username),
    name: clip(identity.display_name || identity.name || '')
  };
}

/**
 * Queue a snapshot for MLflow tracking (setting `tracking: mlflow`). The
 * request that stored it has queued it already when the store commits
 * through the server (so a tab closed right after cannot leave it
 * unqueued); this one is idempotent, covers the other stores, and says why
 * when it cannot be queued (no MLflow URI on the server). The server's
 * outbox sends it, retrying, even with this tab closed.
 */
function mirrorToMlflow(
  bridge: IMlopsBridge,
  ref: string,
  trans: TranslationBundle
): void {
  TrackingRoutes.mirror(bridge.client, ref).catch(reason => {
    const error = toMlopsError(reason);
    Notification.warning(
      trans.__(
        'The snapshot is saved, but not sent to MLflow: %1 (%2). Open it and use “Send to MLflow” once the server is configured.',
        error.message,
        error.code
      ),
      { autoClose: 10000 }
    );
  });
}
