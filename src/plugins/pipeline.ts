import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import React from 'react';

import { CommandIDs } from '../commands';
import { PipelineView } from '../components/PipelineView';
import { pipelineIcon } from '../icons';
import { analyzeDataflow } from '../pipeline/dataflow';
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
      panel: NotebookPanel | null;
      cells: ReturnType<ActiveNotebook['cells']>;
    } | null = null;
    const shown = () => {
      if (settings.value.followActiveNotebook || pinned === null) {
        pinned = {
          name: notebook.name,
          panel: notebook.panel,
          cells: notebook.cells()
        };
      }
      return pinned;
    };
    const panel = new SidePanel({
      id: 'jp-mlops-pipeline',
      icon: pipelineIcon,
      caption: trans.__('Pipeline'),
      signals: [
        bridge.changed,
        notebook.changed,
        notebook.metadataChanged,
        settings.changed
      ],
      render: () => {
        const { name, panel: target, cells } = shown();
        const graph = name === null ? null : buildPipelineGraph(cells);
        return React.createElement(PipelineView, {
          bridge,
          notebookName: name,
          graph,
          flow:
            graph === null
              ? null
              : analyzeDataflow(
                  graph,
                  cells.map(cell => cell.source)
                ),
          onSelectCells: indexes => target && selectCells(app, target, indexes),
          onAddTag: (index, tag) => target && addCellTag(target, index, tag),
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

/**
 * Show a notebook and select these cells (a step's), the first active.
 */
function selectCells(
  app: JupyterFrontEnd,
  panel: NotebookPanel,
  indexes: readonly number[]
): void {
  const notebook = panel.content;
  const widgets = notebook.widgets;
  const first = indexes.find(index => index >= 0 && index < widgets.length);
  if (first === undefined) {
    return;
  }
  app.shell.activateById(panel.id);
  notebook.deselectAll();
  notebook.activeCellIndex = first;
  for (const index of indexes) {
    const widget = widgets[index];
    if (widget) {
      notebook.select(widget);
    }
  }
  void notebook.scrollToItem(first);
}

/**
 * Add a tag to a cell's `tags` (the one-click fix of a missing `prev:`);
 * the notebook's undo takes it back.
 */
function addCellTag(panel: NotebookPanel, index: number, tag: string): void {
  const cell = panel.content.model?.cells.get(index);
  if (!cell) {
    return;
  }
  const tags = cell.getMetadata('tags');
  const list = Array.isArray(tags)
    ? tags.filter((item): item is string => typeof item === 'string')
    : [];
  if (!list.includes(tag)) {
    cell.setMetadata('tags', [...list, tag]);
  }
}
