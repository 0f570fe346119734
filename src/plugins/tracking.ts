import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { IExperimentList, IExperimentStore, IMlopsBridge } from '../tokens';
import { ExperimentListModel } from '../tracking/list/experimentListModel';
import { ExperimentStoreService } from '../tracking/store/storeService';

/**
 * Provides the experiment store of the configured store folder, shared by
 * the panels and tabs (and with the lab's other tabs, over a
 * BroadcastChannel).
 */
export const experimentStorePlugin: JupyterFrontEndPlugin<IExperimentStore> = {
  id: 'jupyterlab-mlops:experiment-store',
  description: 'The experiment store of the configured store folder.',
  autoStart: true,
  provides: IExperimentStore,
  requires: [IMlopsBridge],
  activate: (_: JupyterFrontEnd, bridge: IMlopsBridge): IExperimentStore =>
    new ExperimentStoreService({ bridge })
};

/**
 * Provides the experiment list the Experiments panel shows (with its row
 * cache per store folder).
 */
export const experimentListPlugin: JupyterFrontEndPlugin<IExperimentList> = {
  id: 'jupyterlab-mlops:experiment-list',
  description: 'The experiments of the shown notebook, read from the store.',
  autoStart: true,
  provides: IExperimentList,
  requires: [IExperimentStore],
  activate: (_: JupyterFrontEnd, stores: IExperimentStore): IExperimentList =>
    new ExperimentListModel({ stores })
};
