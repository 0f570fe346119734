import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import React from 'react';

import { CommandIDs } from '../commands';
import { PipelineView } from '../components/PipelineView';
import { pipelineIcon } from '../icons';
import { buildPipelineGraph } from '../pipeline/graph';
import { PluginSettings, SettingsSchemas } from '../settings';
import { IMlopsBridge } from '../tokens';
import { ActiveNotebook } from '../widgets/activeNotebook';
import { SidePanel } from '../widgets/SidePanel';
import { addSidePanel } from './sidebar';

/**
 * The Pipeline panel: the steps the active notebook's tags define.
 */
export const pipelinePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mlops:pipeline',
  description: 'Pipeline panel built from Kale-style cell tags.',
  autoStart: true,
  requires: [IMlopsBridge, INotebookTracker],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMlopsBridge,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    registry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const tr = translator ?? nullTranslator;
    const trans = tr.load('jupyterlab_mlops');
    const notebook = new ActiveNotebook(tracker);
    const settings = new PluginSettings({
      registry,
      plugin: pipelinePlugin.id,
      schema: SettingsSchemas.pipeline
    });
    // With followActiveNotebook off, the panel keeps the notebook it showed.
    let pinned: {
      name: string | null;
      cells: ReturnType<ActiveNotebook['cells']>;
    } | null = null;
    const shown = () => {
      if (settings.value.followActiveNotebook || pinned === null) {
        pinned = { name: notebook.name, cells: notebook.cells() };
      }
      return pinned;
    };
    const panel = new SidePanel({
      id: 'jp-mlops-pipeline',
      icon: pipelineIcon,
      caption: trans.__('Pipeline'),
      signals: [bridge.changed, notebook.changed, settings.changed],
      render: () => {
        const { name, cells } = shown();
        return React.createElement(PipelineView, {
          bridge,
          notebookName: name,
          graph: name === null ? null : buildPipelineGraph(cells),
          commands: app.commands,
          translator: tr
        });
      }
    });
    addSidePanel(app, {
      panel,
      command: CommandIDs.openPipeline,
      label: trans.__('Open Pipeline Panel'),
      rank: 610,
      palette,
      restorer
    });
  }
};
