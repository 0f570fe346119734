import { ITranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { CompareView } from '../components/CompareView';
import { DataChanges } from '../components/DataChanges';
import { EnvironmentChanges } from '../components/EnvironmentChanges';
import { MetricCharts } from '../components/MetricCharts';
import { NotebookDiff } from '../components/NotebookDiff';
import { UserText } from '../components/UserText';
import { isMlopsError } from '../errors';
import { INotebookCell, readCells } from '../notebook/cells';
import {
  comparisonCsv,
  compareExperiments,
  metricSeries
} from '../tracking/compare/compare';
import { diffData } from '../tracking/compare/dataDiff';
import { diffEnvironments } from '../tracking/compare/envDiff';
import { Manifest } from '../tracking/store/manifest';
import { diffNotebooks } from '../tracking/compare/notebookDiff';
import { ExperimentStore } from '../tracking/store/store';

/**
 * A main-area tab comparing experiments (given oldest first): parameters
 * and metrics side by side, metric plots, data and environment changes,
 * and the code diff of two of the notebooks.
 */
export class CompareWidget extends ReactWidget {
  /**
   * Create the widget; call `load()` to read the experiments.
   */
  constructor(options: CompareWidget.IOptions) {
    super();
    this.addClass('jp-mlops-DetailWidget');
    this.addClass('jp-mlops-CompareWidget');
    this._refs = options.refs;
    this._store = options.store;
    this._translator = options.translator;
  }

  /**
   * Read the manifests and notebooks of the compared experiments.
   */
  async load(): Promise<void> {
    try {
      const store = this._store();
      const read = await Promise.all(
        this._refs.map(async ref => {
          const { oid, manifest } = await store.read(ref);
          let cells: INotebookCell[] | null = null;
          try {
            const bytes = await store.readFile(oid, 'notebook.ipynb');
            cells = readCells(JSON.parse(new TextDecoder().decode(bytes)));
          } catch {
            // A missing or unreadable notebook leaves the code diff out;
            // the rest of the comparison still stands.
          }
          return { manifest, cells };
        })
      );
      this._manifests = read.map(r => r.manifest);
      this._cells = read.map(r => r.cells);
      this._pair = [0, Math.min(1, read.length - 1)];
      this._error = null;
    } catch (reason) {
      this._error = isMlopsError(reason)
        ? `${reason.message} [${reason.code}]`
        : String(reason);
    }
    this.update();
  }

  protected render(): JSX.Element {
    const trans = this._translator.load('jupyterlab_mlops');
    if (this._error !== null) {
      return (
        <div className="jp-mlops-Notice jp-mod-error" role="alert">
          {this._error}
        </div>
      );
    }
    if (this._manifests.length === 0) {
      return (
        <div className="jp-mlops-Notice">
          {trans.__('Reading experiments…')}
        </div>
      );
    }
    const only = this._onlyDifferences;
    const manifests = this._manifests;
    const names = manifests.map(m => m.user.name);
    const rows = compareExperiments(manifests, { onlyDifferences: only });
    const [from, to] = this._pair;
    const before = this._cells[from];
    const after = this._cells[to];
    return (
      <div className="jp-mlops-Detail jp-mlops-CompareDetail">
        <h2>{trans.__('Comparing %1 experiments', manifests.length)}</h2>
        <ol className="jp-mlops-CompareDetail-names">
          {manifests.map((m, i) => (
            <li key={i}>
              <UserText
                className="jp-mlops-CompareDetail-name"
                text={names[i]}
              />{' '}
              <span className="jp-mlops-CompareDetail-date">
                {new Date(m.createdAt).toLocaleString()}
              </span>
            </li>
          ))}
        </ol>
        <CompareView
          names={names}
          rows={rows.filter(
            row => row.section === 'parameter' || row.section === 'metric'
          )}
          onlyDifferences={only}
          onOnlyDifferencesChange={value => {
            this._onlyDifferences = value;
            this.update();
          }}
          onExport={() => this._export(names, rows)}
          translator={this._translator}
        />
        <MetricCharts
          names={names}
          series={metricSeries(manifests, { onlyDifferences: only })}
          onlyDifferences={only}
          translator={this._translator}
        />
        <DataChanges
          names={names}
          rows={diffData(manifests, { onlyDifferences: only })}
          onlyDifferences={only}
          translator={this._translator}
        />
        <EnvironmentChanges
          names={names}
          diff={diffEnvironments(manifests, { onlyDifferences: only })}
          onlyDifferences={only}
          translator={this._translator}
        />
        {before && after ? (
          <NotebookDiff
            names={names}
            from={from}
            to={to}
            onPairChange={(a, b) => {
              this._pair = [a, b];
              this.update();
            }}
            cells={diffNotebooks(before, after)}
            translator={this._translator}
          />
        ) : (
          <p className="jp-mlops-Detail-empty">
            {trans.__('The code diff needs both notebooks; one is missing.')}
          </p>
        )}
      </div>
    );
  }

  private _export(
    names: string[],
    rows: ReturnType<typeof compareExperiments>
  ): void {
    const blob = new Blob([comparisonCsv(names, rows)], {
      type: 'text/csv;charset=utf-8'
    });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = 'experiments-comparison.csv';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  private _refs: readonly string[];
  private _store: () => ExperimentStore;
  private _translator: ITranslator;
  private _manifests: Manifest[] = [];
  private _cells: (INotebookCell[] | null)[] = [];
  private _pair: [number, number] = [0, 1];
  private _error: string | null = null;
  private _onlyDifferences = false;
}

/**
 * A namespace for CompareWidget statics.
 */
export namespace CompareWidget {
  /**
   * Options of the widget.
   */
  export interface IOptions {
    /** Experiment refs, oldest first. */
    refs: readonly string[];
    store: () => ExperimentStore;
    translator: ITranslator;
  }
}
