import { ITranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { CompareView } from '../components/CompareView';
import { DataChanges } from '../components/DataChanges';
import { EnvironmentChanges } from '../components/EnvironmentChanges';
import { LearningCurves } from '../components/LearningCurves';
import { MetricCharts } from '../components/MetricCharts';
import { NotebookDiff } from '../components/NotebookDiff';
import { ParallelCoordinates } from '../components/ParallelCoordinates';
import { ParameterScatter } from '../components/ParameterScatter';
import { UserText } from '../components/UserText';
import { CompareModel } from '../tracking/compare/compareModel';
import { parallelData, plotChoices } from '../tracking/compare/parameterPlots';

/**
 * A main-area tab comparing experiments (given oldest first): parameters
 * and metrics side by side, metric plots, data and environment changes,
 * and the code diff of two of the notebooks. It renders its model.
 */
export class CompareWidget extends ReactWidget {
  /**
   * Create the widget over a model; call `load()` to read the experiments.
   */
  constructor(options: CompareWidget.IOptions) {
    super();
    this.addClass('jp-mlops-DetailWidget');
    this.addClass('jp-mlops-CompareWidget');
    this._model = options.model;
    this._translator = options.translator;
    this._model.changed.connect(this.update, this);
  }

  /**
   * The comparison shown.
   */
  get model(): CompareModel {
    return this._model;
  }

  /**
   * Read the compared experiments.
   */
  load(): Promise<void> {
    return this._model.load();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._model.changed.disconnect(this.update, this);
    super.dispose();
  }

  protected render(): JSX.Element {
    const trans = this._translator.load('jupyterlab_mlops');
    const model = this._model;
    if (model.error !== null) {
      return (
        <div className="jp-mlops-Notice jp-mod-error" role="alert">
          {model.error.toString()}
        </div>
      );
    }
    if (model.manifests.length === 0) {
      return (
        <div className="jp-mlops-Notice">
          {trans.__('Reading experiments…')}
        </div>
      );
    }
    const only = model.onlyDifferences;
    const manifests = model.manifests;
    const names = [...model.names];
    const [from, to] = model.pair;
    const cells = model.notebookDiff;
    const curves = model.learningCurves;
    const choices = plotChoices(manifests);
    const parallel = parallelData(manifests);
    const scatter = choices.parameter !== null && choices.metric !== null;
    const removed = model.removed.map(ref => names[model.refs.indexOf(ref)]);
    return (
      <div className="jp-mlops-Detail jp-mlops-CompareDetail">
        {removed.length > 0 && (
          <div className="jp-mlops-Notice jp-mod-warning" role="status">
            <span>
              <strong>
                {trans._n(
                  'Deleted since this comparison opened:',
                  'Deleted since this comparison opened:',
                  removed.length
                )}
              </strong>{' '}
              <UserText text={removed.join(', ')} />
              {'. '}
              {trans._n(
                'It is shown as it was.',
                'They are shown as they were.',
                removed.length
              )}
            </span>
          </div>
        )}
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
          rows={model.rows.filter(
            row => row.section === 'parameter' || row.section === 'metric'
          )}
          onlyDifferences={only}
          onOnlyDifferencesChange={value => {
            model.onlyDifferences = value;
          }}
          onExport={() => Private.download(model.csv())}
          translator={this._translator}
          metrics={model.metrics}
          baseline={model.baseline}
          onBaselineChange={column => {
            model.baseline = column;
          }}
        />
        <MetricCharts
          names={names}
          series={model.metricSeries}
          onlyDifferences={only}
          translator={this._translator}
        />
        {manifests.length >= 2 && (scatter || parallel.axes.length > 1) && (
          <section className="jp-mlops-CompareSection jp-mlops-ParameterPlots">
            <h3>{trans.__('Parameters and metrics')}</h3>
            {scatter && (
              <ParameterScatter
                key={model.refs.join(' ')}
                experiments={manifests}
                choices={choices}
                translator={this._translator}
              />
            )}
            {parallel.axes.length > 1 && (
              <ParallelCoordinates
                data={parallel}
                translator={this._translator}
              />
            )}
          </section>
        )}
        {curves.length > 0 && (
          <LearningCurves
            names={names}
            curves={curves}
            translator={this._translator}
          />
        )}
        <DataChanges
          names={names}
          rows={model.data}
          onlyDifferences={only}
          translator={this._translator}
        />
        <EnvironmentChanges
          names={names}
          diff={model.environment}
          onlyDifferences={only}
          translator={this._translator}
        />
        {cells ? (
          <NotebookDiff
            names={names}
            from={from}
            to={to}
            onPairChange={(a, b) => model.setPair(a, b)}
            cells={cells}
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

  private _model: CompareModel;
  private _translator: ITranslator;
}

/**
 * A namespace for CompareWidget statics.
 */
export namespace CompareWidget {
  /**
   * Options of the widget.
   */
  export interface IOptions {
    /** The comparison to show. */
    model: CompareModel;
    translator: ITranslator;
  }
}

namespace Private {
  /**
   * Save the comparison as a CSV file through the browser.
   */
  export function download(csv: string): void {
    const blob = new Blob([csv], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const link = document.createElement('a');
    link.href = url;
    link.download = 'experiments-comparison.csv';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
