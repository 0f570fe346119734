import {
  ILabShell,
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
import { buildPipelineIR } from '../pipeline/ir';
import { INotebookPlace } from '../pipeline/tracebacks';
import { PluginSettings, SettingsSchemas } from '../settings';
import { IExperimentList, IExperimentStore, IMlopsBridge } from '../tokens';
import { ActiveNotebook } from '../widgets/activeNotebook';
import { SidePanel } from '../widgets/SidePanel';
import { IShownNotebook, PipelineActions } from './pipelineActions';
import { addSidePanel } from './sidebar';
import { tabPlacement } from './tabPlacement';

/**
 * The Pipeline panel: the steps the active notebook's tags define.
 */
export const pipelinePlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mlops:pipeline',
  description: 'Pipeline panel built from Kale-style cell tags.',
  autoStart: true,
  requires: [IMlopsBridge, INotebookTracker],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    ITranslator,
    ILabShell,
    IExperimentList,
    IExperimentStore
  ],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMlopsBridge,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    registry: ISettingRegistry | null,
    translator: ITranslator | null,
    labShell: ILabShell | null,
    list: IExperimentList | null,
    store: IExperimentStore | null
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
    let pinned: (IShownNotebook & { name: string | null }) | null = null;
    const shown = () => {
      if (settings.value.followActiveNotebook || pinned === null) {
        pinned = {
          name: notebook.name,
          path: notebook.path,
          panel: notebook.panel,
          cells: notebook.cells()
        };
      }
      return pinned;
    };
    // The run the DAG shows: the one asked for, else the newest.
    let shownRun: string | null = null;
    const actions = new PipelineActions({
      app,
      client: () => bridge.client,
      shown,
      list,
      store,
      placement: tabPlacement(app, labShell),
      tolerance: () => settings.value.reproducibilityTolerance,
      onShowRun: run => {
        shownRun = run;
        panel.update();
      },
      onGoTo: (target, place) => goTo(app, target, place),
      translator: tr
    });
    const runs = actions.runs;
    const follow = () => {
      const path = shown().path;
      if (path !== runs.notebook) {
        shownRun = null;
        runs.setNotebook(path);
      }
    };
    notebook.changed.connect(follow);
    settings.changed.connect(follow);
    follow();
    const currentRun = () =>
      runs.runs.find(run => run.run === shownRun) ?? runs.runs[0] ?? null;
    const panel = new SidePanel({
      id: 'jp-mlops-pipeline',
      icon: pipelineIcon,
      caption: trans.__('Pipeline'),
      signals: [
        bridge.changed,
        notebook.changed,
        notebook.metadataChanged,
        notebook.activeCellChanged,
        settings.changed,
        runs.changed
      ],
      onShow: () => void runs.refresh(),
      render: () => {
        const { name, path, panel: target, cells } = shown();
        const graph = name === null ? null : buildPipelineGraph(cells);
        const sources = cells.map(cell => cell.source);
        const flow = graph === null ? null : analyzeDataflow(graph, sources);
        const built =
          graph && flow && path !== null
            ? buildPipelineIR({
                path,
                contentHash: '0'.repeat(64),
                sources,
                graph,
                flow
              })
            : null;
        const run = currentRun();
        const active = target?.content.activeCellIndex;
        const activeIndex =
          active !== undefined && active >= 0 && active < cells.length
            ? active
            : null;
        const hash = actions.contentHash();
        return React.createElement(PipelineView, {
          bridge,
          notebookName: name,
          graph,
          flow,
          onSelectCells: indexes => target && selectCells(app, target, indexes),
          onAddTag: (index, tag) => target && addCellTag(target, index, tag),
          runBar: {
            runs: runs.runs,
            shown: run,
            busy: runs.busy,
            error: runs.error,
            blocked:
              built === null || built.ir !== null
                ? null
                : (built.errors[0] ?? trans.__('The pipeline cannot run.')),
            stale:
              hash !== null &&
              Object.values(runs.exports).some(
                info => info && info.contentHash !== hash
              ),
            reproduction:
              run?.state === 'done' ? actions.reproduction(run) : null,
            onRun: () => void app.commands.execute(CommandIDs.runPipeline),
            onRunWith: () =>
              void app.commands.execute(CommandIDs.runPipelineWith),
            onCancel: id => void actions.cancel(id),
            onExport: () =>
              void app.commands.execute(CommandIDs.exportPipeline),
            onReexport: () => void actions.reexport(),
            onLogs: id => void actions.showLogs(id),
            onShowRun: id => {
              shownRun = id;
              panel.update();
            }
          },
          tagEditor: {
            cell: activeIndex,
            cellType:
              activeIndex === null ? '' : (cells[activeIndex]?.cellType ?? ''),
            tags: activeIndex === null ? [] : (cells[activeIndex]?.tags ?? []),
            // Steps other cells make: naming one of them joins it.
            steps:
              graph?.steps
                .filter(step => step.cells.some(cell => cell !== activeIndex))
                .map(step => step.name) ?? [],
            onApply: (index, tags) => target && setCellTags(target, index, tags)
          },
          now: Date.now() / 1000,
          commands: app.commands,
          translator: tr
        });
      }
    });
    addPipelineCommands(app, actions, currentRun, palette, trans);
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
 * Set a cell's tags (the tag editor's Apply); none removes the key.
 */
function setCellTags(
  panel: NotebookPanel,
  index: number,
  tags: string[]
): void {
  const cell = panel.content.model?.cells.get(index);
  if (!cell) {
    return;
  }
  if (tags.length === 0) {
    cell.deleteMetadata('tags');
  } else {
    cell.setMetadata('tags', tags);
  }
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

/**
 * The pipeline's commands, in the palette under "MLOps".
 */
function addPipelineCommands(
  app: JupyterFrontEnd,
  actions: PipelineActions,
  currentRun: () => { run: string; state: string } | null,
  palette: ICommandPalette | null,
  trans: ReturnType<ITranslator['load']>
): void {
  const hasNotebook = () => actions.runs.notebook !== null;
  const running = () => currentRun()?.state === 'running';
  app.commands.addCommand(CommandIDs.runPipeline, {
    label: trans.__('Run Pipeline'),
    caption: trans.__('Run the notebook’s pipeline locally, with its cache'),
    isEnabled: () => hasNotebook() && !running() && actions.runs.busy === null,
    execute: () => actions.run(false)
  });
  app.commands.addCommand(CommandIDs.runPipelineWith, {
    label: trans.__('Run Pipeline with Parameters…'),
    isEnabled: () => hasNotebook() && !running() && actions.runs.busy === null,
    execute: () => actions.run(true)
  });
  app.commands.addCommand(CommandIDs.cancelPipeline, {
    label: trans.__('Cancel Pipeline Run'),
    isEnabled: running,
    execute: () => {
      const run = currentRun();
      return run ? actions.cancel(run.run) : undefined;
    }
  });
  app.commands.addCommand(CommandIDs.exportPipeline, {
    label: trans.__('Export Pipeline…'),
    isEnabled: hasNotebook,
    execute: () => actions.export()
  });
  app.commands.addCommand(CommandIDs.checkPipelineVariables, {
    label: trans.__('Check Pipeline Variables'),
    caption: trans.__(
      'Save each variable the steps pass, in the kernel, as the export will'
    ),
    isEnabled: hasNotebook,
    execute: () => actions.showVariableCheck()
  });
  app.commands.addCommand(CommandIDs.showPipelineLogs, {
    label: trans.__('Show Pipeline Run Logs'),
    isEnabled: () => currentRun() !== null,
    execute: () => {
      const run = currentRun();
      return run ? actions.showLogs(run.run) : undefined;
    }
  });
  actions.runs.changed.connect(() => app.commands.notifyCommandChanged());
  for (const command of [
    CommandIDs.runPipeline,
    CommandIDs.runPipelineWith,
    CommandIDs.cancelPipeline,
    CommandIDs.exportPipeline,
    CommandIDs.checkPipelineVariables,
    CommandIDs.showPipelineLogs
  ]) {
    palette?.addItem({ command, category: trans.__('MLOps') });
  }
}

/**
 * Show a notebook cell and put the cursor on a line of it (a failed
 * step's error).
 */
function goTo(
  app: JupyterFrontEnd,
  panel: NotebookPanel,
  place: INotebookPlace
): void {
  selectCells(app, panel, [place.cell]);
  const cell = panel.content.widgets[place.cell];
  if (cell) {
    void cell.ready.then(() => {
      cell.editor?.setCursorPosition({ line: place.line - 1, column: 0 });
      cell.editor?.focus();
    });
  }
}
