import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { CommandIDs } from '../commands';
import { IExperimentStore, IMlopsBridge } from '../tokens';
import { StoreSyncModel, syncSummary } from '../tracking/sync/storeSync';
import type { ExperimentsPanelModel } from '../widgets/experimentsPanelModel';

/**
 * The Sync command (palette, panel button): push this store's experiments
 * to the team's git remote and fetch everyone else's.
 */
export function addSyncCommand(
  app: JupyterFrontEnd,
  options: {
    bridge: IMlopsBridge;
    stores: IExperimentStore;
    model: ExperimentsPanelModel;
    trans: TranslationBundle;
  }
): StoreSyncModel {
  const { bridge, stores, model, trans } = options;
  const sync = new StoreSyncModel({
    run: remote => bridge.client.syncStore(remote),
    remote: () => model.syncRemote,
    onSynced: result => {
      if (result.fetched > 0) {
        // The list reads the store again, here and in the other tabs.
        stores.notifyWritten();
      }
    }
  });
  app.commands.addCommand(CommandIDs.syncExperiments, {
    label: trans.__('Sync Experiments with the Team Remote'),
    caption: trans.__(
      'Push your new experiments to the git remote and fetch everyone else’s'
    ),
    isEnabled: () => sync.state.kind !== 'syncing',
    execute: async () => {
      const result = await sync.sync();
      // The panel shows the outcome; from the palette with the panel
      // closed, a notification does.
      if (!isPanelVisible()) {
        if (result) {
          const { summary, details } = syncSummary(result, trans);
          Notification.success([summary, ...details].join('. '), {
            autoClose: 6000
          });
        } else if (sync.state.kind === 'failed') {
          Notification.error(
            trans.__(
              'Sync failed: %1 (%2)',
              sync.state.error.message,
              sync.state.error.code
            ),
            { autoClose: false }
          );
        }
      }
    }
  });
  sync.changed.connect(() =>
    app.commands.notifyCommandChanged(CommandIDs.syncExperiments)
  );
  return sync;
}

function isPanelVisible(): boolean {
  const panel = document.getElementById('jp-mlops-experiments');
  return !!panel && panel.offsetParent !== null;
}
