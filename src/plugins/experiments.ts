import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import React from 'react';

import { BridgeGitFs } from '../bridge/gitfs/gitfs';
import { CommandIDs } from '../commands';
import { ExperimentsView } from '../components/ExperimentsView';
import { experimentsIcon, snapshotIcon } from '../icons';
import {
  ExperimentsSettings,
  parseSettings,
  SettingsSchemas
} from '../settings';
import { IBridgeClient, IMlopsBridge } from '../tokens';
import { notebookSlug, UlidFactory } from '../util/ids';
import { BulkSource } from '../tracking/list/bulkSource';
import { isExperimentDrivePath } from '../tracking/store/drive';
import { ExperimentIndex } from '../tracking/list/rowCache';
import { ExperimentList } from '../tracking/list/experimentList';
import { ExperimentStore } from '../tracking/store/store';
import { ActiveNotebook } from '../widgets/activeNotebook';
import { SidePanel } from '../widgets/SidePanel';
import { SnapshotStatus } from '../widgets/SnapshotStatus';
import { PALETTE_CATEGORY } from './core';
import { addExperimentTabs } from './experimentTabs';
import { addSidePanel } from './sidebar';
import {
  snapshotNotebook,
  snapshotWithNotification,
  watchNotebookKernels
} from './snapshot';

/**
 * Where the demo notebook lives, relative to the project (and Jupyter) root.
 */
export const DEMO_NOTEBOOK = 'examples/wine_classifier.ipynb';

/**
 * The BroadcastChannel on which tabs of a lab tell each other that a store
 * changed (`{type: 'store-changed', store}`).
 */
export const STORE_CHANNEL = 'jupyterlab-mlops:store';

/**
 * The Experiments panel, the Snapshot command and its toolbar button.
 */
export const experimentsPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mlops:experiments',
  description: 'Experiments panel and notebook snapshots.',
  autoStart: true,
  requires: [IMlopsBridge, INotebookTracker],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    IStatusBar,
    ITranslator
  ],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMlopsBridge,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    registry: ISettingRegistry | null,
    statusBar: IStatusBar | null,
    translator: ITranslator | null
  ): void => {
    const tr = translator ?? nullTranslator;
    const trans = tr.load('jupyterlab_mlops');
    const notebook = new ActiveNotebook(tracker);
    // Files a kernel opens are data of the next snapshot (audit hook).
    watchNotebookKernels(tracker, () => bridge.client.store);
    // One store per bridge client: the client changes with `storeDir`.
    let current: {
      client: IBridgeClient;
      store: ExperimentStore;
      source: BulkSource;
      index: ExperimentIndex;
    } | null = null;
    const open = () => {
      if (current?.client !== bridge.client) {
        const client = bridge.client;
        const fs = new BridgeGitFs({ client });
        current?.index.close();
        const experiments = new ExperimentStore({ fs });
        current = {
          client,
          store: experiments,
          source: new BulkSource({ client, store: experiments }),
          // The cache of the panel's rows, one database per store folder.
          index: new ExperimentIndex({ name: client.store ?? '.mlops' })
        };
      }
      return current;
    };
    const store = (): ExperimentStore => open().store;
    const list = new ExperimentList({
      source: () => open().source,
      index: () => open().index
    });
    const ids = new UlidFactory();
    let settings: ExperimentsSettings = parseSettings(
      SettingsSchemas.experiments,
      {}
    ).value;
    let loadedSettings: ISettingRegistry.ISettings | null = null;
    void registry?.load(experimentsPlugin.id).then(loaded => {
      loadedSettings = loaded;
      const apply = () => {
        const parsed = parseSettings(
          SettingsSchemas.experiments,
          loaded.composite
        );
        parsed.problems.forEach(problem =>
          console.warn(`jupyterlab-mlops: setting ignored: ${problem}`)
        );
        settings = parsed.value;
        panel.update();
      };
      loaded.changed.connect(apply);
      apply();
    });
    let allNotebooks = false;
    const selected = new Set<string>();
    let shownPath: string | null | undefined = undefined;
    const refresh = () => {
      const path = notebook.path;
      shownPath = path;
      return list.refresh(
        allNotebooks || path === null ? undefined : notebookSlug(path)
      );
    };
    // Other tabs of this lab hear of every change to the store.
    const channel =
      typeof BroadcastChannel === 'undefined'
        ? null
        : new BroadcastChannel(STORE_CHANNEL);
    const storeKey = () => bridge.client.store ?? '';
    const announce = () =>
      channel?.postMessage({ type: 'store-changed', store: storeKey() });
    if (channel) {
      channel.onmessage = (event: MessageEvent) => {
        const data = event.data as { type?: unknown; store?: unknown } | null;
        if (data?.type === 'store-changed' && data.store === storeKey()) {
          void refresh();
        }
      };
    }
    notebook.changed.connect(() => {
      if (notebook.path !== shownPath) {
        void refresh();
      }
    });
    bridge.changed.connect(() => void refresh());
    const panel = new SidePanel({
      id: 'jp-mlops-experiments',
      icon: experimentsIcon,
      caption: trans.__('Experiments'),
      signals: [bridge.changed, notebook.changed, list.changed],
      // Another tab, user or `git fetch` may have added experiments.
      onShow: () => void refresh(),
      render: () =>
        React.createElement(ExperimentsView, {
          bridge,
          list,
          notebookName: notebook.name,
          allNotebooks,
          onAllNotebooksChange: all => {
            allNotebooks = all;
            void refresh();
          },
          selected,
          onSelect: (row, on) => {
            if (on) {
              selected.add(row.ref);
            } else {
              selected.delete(row.ref);
            }
            panel.update();
          },
          columns: settings.columns,
          onColumnsChange: columns => {
            settings = { ...settings, columns };
            panel.update();
            void loadedSettings
              ?.set('columns', columns)
              .catch(reason =>
                console.warn('jupyterlab-mlops: columns not saved', reason)
              );
          },
          onCompare: () =>
            void app.commands.execute(CommandIDs.compare, {
              refs: [...selected]
            }),
          onOpen: row =>
            void app.commands.execute(CommandIDs.openExperiment, {
              ref: row.ref
            }),
          onStar: row =>
            void store()
              .update(row.ref, { starred: !row.starred })
              .then(() => {
                announce();
                return refresh();
              })
              .catch(reason =>
                console.error('jupyterlab-mlops: star failed', reason)
              ),
          commands: app.commands,
          translator: tr
        })
    });
    addSidePanel(app, {
      panel,
      command: CommandIDs.openExperiments,
      label: trans.__('Open Experiments Panel'),
      rank: 600,
      palette,
      restorer
    });

    const status = new SnapshotStatus(
      trans,
      () => void app.commands.execute(CommandIDs.openExperiments)
    );
    statusBar?.registerStatusItem('jupyterlab-mlops:snapshot-status', {
      item: status,
      align: 'left',
      rank: 4
    });

    addExperimentTabs(app, {
      store,
      refresh: () => {
        announce();
        void refresh();
      },
      palette,
      translator: tr
    });

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
        status.set('saving');
        const saved = await snapshotWithNotification(
          (onProgress, signal) =>
            snapshotNotebook(target, {
              store: store(),
              ids,
              client: bridge.client,
              captureMaxBytes: settings.captureMaxBytes,
              settingsPaths: settings.dataPaths,
              onProgress,
              signal
            }),
          trans
        );
        status.set(saved ? 'saved' : 'failed', saved?.name);
        if (saved) {
          // The first snapshot creates the store: the status line says so.
          announce();
          await Promise.all([refresh(), bridge.refresh()]);
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.snapshot,
      category: PALETTE_CATEGORY
    });

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
    palette?.addItem({
      command: CommandIDs.openDemo,
      category: PALETTE_CATEGORY
    });
    tracker.currentChanged.connect(() =>
      app.commands.notifyCommandChanged(CommandIDs.snapshot)
    );
  }
};
