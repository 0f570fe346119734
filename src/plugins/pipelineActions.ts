import { JupyterFrontEnd } from '@jupyterlab/application';
import { MainAreaWidget, Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle, ITranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import type {
  ExportTarget,
  IStartOptions,
  RunStatus
} from '../bridge/pipeline';
import { PipelineLogs } from '../components/PipelineLogs';
import { isMlopsError } from '../errors';
import { pipelineIcon } from '../icons';
import { notebookContentHash } from '../notebook/health';
import { ITaggedCell } from '../notebook/tags';
import { analyzeDataflow } from '../pipeline/dataflow';
import {
  EXPORTERS,
  exportFolder,
  exportTargets,
  HOW_TO_RUN
} from '../pipeline/export';
import { exportLocal } from '../pipeline/export/local';
import { buildPipelineGraph } from '../pipeline/graph';
import { buildPipelineIR, PipelineIR } from '../pipeline/ir';
import { checkReproduction, IReproduction } from '../pipeline/reproduce';
import { pinnedRequirements } from '../util/requirements';
import { PipelineRuns } from '../pipeline/runs';
import { INotebookPlace, locateFailure } from '../pipeline/tracebacks';
import type { IExperimentList, IExperimentStore } from '../tokens';
import {
  checkSerialization,
  VariableCheck
} from '../pipeline/serializationCheck';
import {
  exportDialog,
  runDialog,
  variableCheckDialog
} from '../widgets/pipelineDialogs';
import { ITabPlacement } from './tabPlacement';

/** The notebook the Pipeline panel shows. */
export interface IShownNotebook {
  path: string | null;
  panel: NotebookPanel | null;
  cells: (ITaggedCell & { source: string })[];
}

/**
 * What the Pipeline panel does beyond showing tags: build the IR, export,
 * run, cancel, open a run's logs, check a run against the snapshot.
 */
export class PipelineActions {
  constructor(options: PipelineActions.IOptions) {
    this._options = options;
    this.runs = new PipelineRuns({ client: options.client });
  }

  /** The shown notebook's runs and exports. */
  readonly runs: PipelineRuns;

  /**
   * The IR of the shown notebook, or why it has none. Requirements come
   * from the notebook's latest snapshot when asked for (`withEnvironment`).
   */
  async buildIR(
    withEnvironment: boolean
  ): Promise<
    { ir: PipelineIR; errors: null } | { ir: null; errors: string[] }
  > {
    const { path, cells } = this._options.shown();
    if (path === null) {
      return { ir: null, errors: ['No notebook is open.'] };
    }
    const graph = buildPipelineGraph(cells);
    const sources = cells.map(cell => cell.source);
    return buildPipelineIR({
      path,
      contentHash: notebookContentHash(cells),
      sources,
      graph,
      flow: analyzeDataflow(graph, sources),
      requirements: withEnvironment ? await this._requirements(path) : ''
    });
  }

  /** The notebook's content hash, to tell a stale export. */
  contentHash(): string | null {
    const { path, cells } = this._options.shown();
    return path === null ? null : notebookContentHash(cells);
  }

  /** Run the pipeline (asking for parameters first when `ask`). */
  async run(ask: boolean): Promise<void> {
    const trans = this._trans;
    const built = await this.buildIR(true);
    if (built.ir === null) {
      Notification.error(built.errors[0] ?? trans.__('Nothing to run.'));
      return;
    }
    const choice = ask
      ? await runDialog(built.ir, trans)
      : { params: {}, force: false };
    if (choice === null || !(await this._precheck(built.ir, trans.__('Run')))) {
      return;
    }
    try {
      const run = await this.runs.start(exportLocal(built.ir), {
        ...choice,
        expect: this._expectation(built.ir.notebook.path) ?? undefined
      });
      this._options.onShowRun(run);
    } catch (reason) {
      Notification.error(
        trans.__(
          'Not run: %1',
          isMlopsError(reason) ? reason.message : String(reason)
        )
      );
    }
  }

  /** Cancel the shown running run. */
  async cancel(run: string): Promise<void> {
    try {
      await this.runs.cancel(run);
    } catch (reason) {
      Notification.error(
        this._trans.__(
          'Not cancelled: %1',
          isMlopsError(reason) ? reason.message : String(reason)
        )
      );
    }
  }

  /** Export to a target the user picks. */
  async export(target?: ExportTarget): Promise<void> {
    const trans = this._trans;
    const built = await this.buildIR(true);
    if (built.ir === null) {
      Notification.error(built.errors[0] ?? trans.__('Nothing to export.'));
      return;
    }
    const ir = built.ir;
    const path = ir.notebook.path;
    const chosen =
      target ??
      (await exportDialog(
        exportTargets(),
        option => exportFolder(path, ir.name, option),
        trans
      ));
    if (!chosen) {
      return;
    }
    const exporter = EXPORTERS[chosen];
    if (!exporter || !(await this._precheck(ir, trans.__('Export')))) {
      return;
    }
    try {
      const folder = await this.runs.writeExport(chosen, exporter(ir));
      Notification.success(
        trans.__(
          'Exported to %1. Run it there with: %2',
          folder,
          HOW_TO_RUN[chosen]
        ),
        { autoClose: 8000 }
      );
    } catch (reason) {
      Notification.error(
        trans.__(
          'Not exported: %1',
          isMlopsError(reason) ? reason.message : String(reason)
        )
      );
    }
  }

  /**
   * The serialization pre-check in the notebook's kernel, shown in a
   * dialog (the palette's "Check Pipeline Variables").
   */
  async showVariableCheck(): Promise<void> {
    const built = await this.buildIR(false);
    if (built.ir === null) {
      Notification.error(built.errors[0] ?? this._trans.__('No pipeline.'));
      return;
    }
    const checks = await this._checkInKernel(built.ir, true);
    if (checks !== null) {
      await variableCheckDialog(checks, this._trans);
    }
  }

  /**
   * Export again every target the notebook was exported to (the panel's
   * Re-export, when an export is older than the notebook).
   */
  async reexport(): Promise<void> {
    const trans = this._trans;
    const built = await this.buildIR(true);
    if (built.ir === null) {
      Notification.error(built.errors[0] ?? trans.__('Nothing to export.'));
      return;
    }
    const targets = exportTargets().filter(target => this.runs.exports[target]);
    try {
      for (const target of targets) {
        const exporter = EXPORTERS[target];
        if (exporter) {
          await this.runs.writeExport(target, exporter(built.ir));
        }
      }
      Notification.success(trans.__('Exported again: %1', targets.join(', ')), {
        autoClose: 5000
      });
    } catch (reason) {
      Notification.error(
        trans.__(
          'Not exported: %1',
          isMlopsError(reason) ? reason.message : String(reason)
        )
      );
    }
  }

  /** Open (or show again) the logs tab of a run. */
  async showLogs(run: string): Promise<void> {
    const id = `jp-mlops-logs-${run}`;
    const open = this._logs.get(id);
    if (open && !open.isDisposed) {
      this._options.placement.show(open, { isNew: false });
      return;
    }
    const notebook = this.runs.notebook;
    if (notebook === null) {
      return;
    }
    const built = await this.buildIR(false);
    const { cells, panel } = this._options.shown();
    const sources = cells.map(cell => cell.source);
    const content = ReactWidget.create(
      React.createElement(PipelineLogs, {
        client: this._options.client,
        notebook,
        run,
        locate: (step, log) =>
          built.ir ? locateFailure(built.ir, step, log, sources) : null,
        onGoTo: (place: INotebookPlace) =>
          panel && this._options.onGoTo(panel, place),
        translator: this._options.translator
      })
    );
    const widget = new MainAreaWidget({ content });
    widget.id = id;
    widget.title.label = this._trans.__(
      'Logs: %1 %2',
      built.ir?.name ?? notebook.split('/').pop() ?? '',
      Private.runTime(run)
    );
    widget.title.caption = this._trans.__('Run %1 of %2', run, notebook);
    widget.title.icon = pipelineIcon;
    widget.title.closable = true;
    widget.disposed.connect(() => this._logs.delete(id));
    this._logs.set(id, widget);
    this._options.placement.show(widget, { isNew: true });
  }

  /**
   * The check of a run's metrics against the notebook's latest snapshot:
   * the one the runner recorded when the run was started with it, else
   * computed now.
   */
  reproduction(run: RunStatus): IReproduction | null {
    if (run.reproduction) {
      return run.reproduction;
    }
    const { path } = this._options.shown();
    const metrics = run.metrics;
    if (!metrics || path === null) {
      return null;
    }
    const latest = this._latestSnapshot(path);
    return checkReproduction(
      metrics,
      latest ? (latest.metrics as Record<string, unknown>) : null,
      this._options.tolerance()
    );
  }

  dispose(): void {
    this.runs.dispose();
    for (const widget of this._logs.values()) {
      widget.dispose();
    }
  }

  private get _trans(): TranslationBundle {
    return this._options.translator.load('jupyterlab_mlops');
  }

  /**
   * Check the variables before `action`; true to go on (all carried, no
   * idle kernel to ask, or the user goes on anyway).
   */
  private async _precheck(ir: PipelineIR, action: string): Promise<boolean> {
    const checks = await this._checkInKernel(ir, false);
    if (checks === null || !checks.some(check => check.state === 'failed')) {
      return true;
    }
    return variableCheckDialog(checks, this._trans, action);
  }

  /**
   * The check in the shown notebook's kernel when it is idle; null (and a
   * notification when `say`) when there is none or it failed.
   */
  private async _checkInKernel(
    ir: PipelineIR,
    say: boolean
  ): Promise<VariableCheck[] | null> {
    const kernel = this._options.shown().panel?.sessionContext.session?.kernel;
    if (!kernel || kernel.status !== 'idle') {
      if (say) {
        Notification.info(
          this._trans.__(
            'Start the notebook’s kernel and run it to check its variables.'
          )
        );
      }
      return null;
    }
    const id = Notification.emit(
      this._trans.__('Checking the passed variables…'),
      'in-progress'
    );
    try {
      return await checkSerialization(kernel, ir);
    } catch (reason) {
      if (say) {
        Notification.error(
          isMlopsError(reason) ? reason.message : String(reason)
        );
      }
      return null;
    } finally {
      Notification.dismiss(id);
    }
  }

  /** What the runner checks the run against: the latest snapshot's metrics. */
  private _expectation(path: string): IStartOptions['expect'] | null {
    const latest = this._latestSnapshot(path);
    if (!latest) {
      return null;
    }
    const metrics: Record<string, number> = {};
    for (const [name, value] of Object.entries(latest.metrics)) {
      if (typeof value === 'number' && Number.isFinite(value)) {
        metrics[name] = value;
      }
    }
    return {
      experiment: latest.ref,
      metrics,
      tolerance: this._options.tolerance()
    };
  }

  private _latestSnapshot(path: string) {
    const rows = this._options.list?.rows ?? [];
    let latest: (typeof rows)[number] | null = null;
    for (const row of rows) {
      if (
        row.notebookPath === path &&
        !row.broken &&
        (latest === null || row.createdAt > latest.createdAt)
      ) {
        latest = row;
      }
    }
    return latest;
  }

  /** The pinned requirements of the notebook's latest snapshot, or ''. */
  private async _requirements(path: string): Promise<string> {
    const latest = this._latestSnapshot(path);
    const store = this._options.store;
    if (!latest || !store) {
      return '';
    }
    try {
      const { manifest } = await store.current.read(latest.ref);
      // Only `name==version` lines: a manifest is data anyone could write.
      return pinnedRequirements(manifest.environment.packages).text;
    } catch {
      return '';
    }
  }

  private _options: PipelineActions.IOptions;
  private _logs = new Map<string, MainAreaWidget>();
}

/**
 * A namespace for PipelineActions statics.
 */
export namespace PipelineActions {
  export interface IOptions {
    app: JupyterFrontEnd;
    client: PipelineRuns.IOptions['client'];
    shown: () => IShownNotebook;
    list: IExperimentList | null;
    store: IExperimentStore | null;
    placement: ITabPlacement;
    tolerance: () => number;
    onShowRun: (run: string) => void;
    onGoTo: (panel: NotebookPanel, place: INotebookPlace) => void;
    translator: ITranslator;
  }
}

namespace Private {
  /** A run id's time of day (`20261201-002304-447b2e` → `00:23:04`). */
  export function runTime(run: string): string {
    const match = /^\d{8}-(\d{2})(\d{2})(\d{2})-/.exec(run);
    return match ? `${match[1]}:${match[2]}:${match[3]}` : run;
  }
}
