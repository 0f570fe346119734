import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commands';
import { ExperimentsView } from '../components/ExperimentsView';
import { experimentsIcon } from '../icons';
import type { IMlopsBridge } from '../tokens';
import type { StoreSyncModel } from '../tracking/sync/storeSync';
import { ExperimentsPanelModel } from './experimentsPanelModel';
import { SidePanel } from './SidePanel';

/**
 * The Experiments panel of the right sidebar: the view of its model,
 * re-rendered when the model, its list or the bridge change.
 */
export function createExperimentsPanel(options: {
  model: ExperimentsPanelModel;
  bridge: IMlopsBridge;
  sync: StoreSyncModel;
  commands: CommandRegistry;
  translator: ITranslator;
}): SidePanel {
  const { model, bridge, sync, commands, translator } = options;
  const trans = translator.load('jupyterlab_mlops');
  return new SidePanel({
    id: 'jp-mlops-experiments',
    icon: experimentsIcon,
    caption: trans.__('Experiments'),
    signals: [bridge.changed, model.changed, model.list.changed, sync.changed],
    // Another tab, user or `git fetch` may have added experiments.
    onShow: () => void model.refresh(),
    render: () =>
      React.createElement(ExperimentsView, {
        bridge,
        list: model.list,
        rows: model.rows,
        notebookName: model.notebookName,
        allNotebooks: model.allNotebooks,
        onAllNotebooksChange: all => void model.setAllNotebooks(all),
        selected: model.selected,
        onSelect: (row, on) => model.select(row.ref, on),
        sort: model.sort,
        onSortChange: sort => model.setSort(sort),
        onOpenTable: () =>
          void commands.execute(CommandIDs.openExperimentsTable),
        onCompare: refs => void commands.execute(CommandIDs.compare, { refs }),
        onOpen: row =>
          void commands.execute(CommandIDs.openExperiment, { ref: row.ref }),
        onStar: row => void model.toggleStar(row),
        sync: {
          state: sync.state,
          onSync: () => void commands.execute(CommandIDs.syncExperiments),
          onDismiss: () => sync.dismiss()
        },
        commands,
        translator
      })
  });
}
