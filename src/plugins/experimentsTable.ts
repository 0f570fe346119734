import {
  ILabShell,
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { Signal } from '@lumino/signaling';

import { CommandIDs } from '../commands';
import { experimentsIcon } from '../icons';
import { PluginSettings, SettingsSchemas } from '../settings';
import { IExperimentList, IExperimentStore } from '../tokens';
import { ExperimentsPanelModel } from '../widgets/experimentsPanelModel';
import { ExperimentsTableWidget } from '../widgets/ExperimentsTableWidget';
import { PALETTE_CATEGORY } from './core';
import { tabPlacement } from './tabPlacement';

/**
 * The Experiments table: the experiments of the Experiments panel as a
 * full table in a main-area tab (columns, sorting, filtering), sharing the
 * panel's selection, sort and columns. One tab, reused.
 */
export const experimentsTablePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mlops:experiments-table',
  description: 'The Experiments table, a main-area tab.',
  autoStart: true,
  requires: [IExperimentList, IExperimentStore],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    ITranslator,
    ILabShell
  ],
  activate: (
    app: JupyterFrontEnd,
    list: IExperimentList,
    stores: IExperimentStore,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    registry: ISettingRegistry | null,
    translator: ITranslator | null,
    labShell: ILabShell | null
  ): void => {
    const placement = tabPlacement(app, labShell);
    const tr = translator ?? nullTranslator;
    const trans = tr.load('jupyterlab_mlops');
    const tracker = new WidgetTracker<MainAreaWidget<ExperimentsTableWidget>>({
      namespace: 'jupyterlab-mlops-experiments-table'
    });
    let fallback: ExperimentsPanelModel | undefined;
    // The sidebar's model when the Experiments panel is there; else one of
    // this tab's own, over all notebooks.
    const model = () => {
      const shared = ExperimentsPanelModel.forList(list);
      if (shared) {
        return shared;
      }
      fallback ??= new ExperimentsPanelModel({
        list,
        stores,
        notebook: Private.noNotebook,
        settings: new PluginSettings({
          registry,
          plugin: 'jupyterlab-mlops:experiments',
          schema: SettingsSchemas.experiments
        })
      });
      return fallback;
    };

    app.commands.addCommand(CommandIDs.openExperimentsTable, {
      label: trans.__('Open Experiments Table'),
      caption: trans.__(
        'The experiments as a table in the main area: columns, sorting and filtering'
      ),
      icon: args => (args['isPalette'] ? undefined : experimentsIcon),
      execute: async () => {
        let tab = tracker.find(widget => !widget.isDisposed);
        if (!tab) {
          const shown = model();
          const content = new ExperimentsTableWidget({
            model: shown,
            commands: app.commands,
            translator: tr
          });
          tab = new MainAreaWidget({ content });
          tab.id = 'jp-mlops-experiments-table';
          tab.title.icon = experimentsIcon;
          tab.title.closable = true;
          tab.title.label = trans.__('Experiments');
          placement.show(tab, { isNew: true });
          await tracker.add(tab);
          if (shown.list.rows.length === 0 && !shown.list.loading) {
            void shown.refresh();
          }
          return;
        }
        placement.show(tab, { isNew: false });
      }
    });
    palette?.addItem({
      command: CommandIDs.openExperimentsTable,
      category: PALETTE_CATEGORY
    });
    void restorer?.restore(tracker, {
      command: CommandIDs.openExperimentsTable,
      name: () => 'experiments-table'
    });
  }
};

namespace Private {
  /**
   * No notebook followed: the table's own model lists all notebooks.
   */
  export const noNotebook: ExperimentsPanelModel.INotebook = {
    path: null,
    name: null,
    changed: new Signal<unknown, void>({})
  };
}
