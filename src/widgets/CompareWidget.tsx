import { ITranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { CompareView } from '../components/CompareView';
import { NotebookDiff } from '../components/NotebookDiff';
import { readCells } from '../tracking/capture';
import { diffNotebooks, ICellDiff } from '../tracking/notebookDiff';
import { isMlopsError } from '../errors';
import { comparisonCsv, compareExperiments } from '../tracking/compare';
import { Manifest } from '../tracking/manifest';
import { ExperimentStore } from '../tracking/store';

/**
 * A main-area tab comparing experiments.
 */
export class CompareWidget extends ReactWidget {
  /**
   * Create the widget; call `load()` to read the experiments.
   */
  constructor(options: {
    refs: readonly string[];
    store: () => ExperimentStore;
    translator: ITranslator;
  }) {
    super();
    this.addClass('jp-mlops-DetailWidget');
    this._refs = options.refs;
    this._store = options.store;
    this._translator = options.translator;
  }

  /**
   * Read the manifests of the compared experiments.
   */
  async load(): Promise<void> {
    try {
      const store = this._store();
      this._manifests = await Promise.all(
        this._refs.map(async ref => (await store.read(ref)).manifest)
      );
      // The code diff is between the first two: the one the user picked
      // first, and the next.
      const [first, second] = await Promise.all(
        this._refs.slice(0, 2).map(async ref => {
          const bytes = await store.readFile(ref, 'notebook.ipynb');
          return readCells(JSON.parse(new TextDecoder().decode(bytes)));
        })
      );
      this._diff = first && second ? diffNotebooks(first, second) : null;
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
    const names = this._manifests.map(m => m.user.name);
    const rows = compareExperiments(this._manifests, {
      onlyDifferences: this._onlyDifferences
    });
    return (
      <div className="jp-mlops-Detail">
        <h2>{trans.__('Comparing %1 experiments', this._manifests.length)}</h2>
        <CompareView
          names={names}
          rows={rows}
          onlyDifferences={this._onlyDifferences}
          onOnlyDifferencesChange={only => {
            this._onlyDifferences = only;
            this.update();
          }}
          onExport={() => this._export(names, rows)}
          translator={this._translator}
        />
        {this._diff && names.length >= 2 && (
          <NotebookDiff
            before={names[0]}
            after={names[1]}
            cells={this._diff}
            translator={this._translator}
          />
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
  private _error: string | null = null;
  private _onlyDifferences = false;
  private _diff: ICellDiff[] | null = null;
}
