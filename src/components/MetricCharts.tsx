import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { IMetricSeries } from '../tracking/compare/compare';
import { MetricChart } from './MetricChart';

/**
 * Properties of the metric plots.
 */
export interface IMetricChartsProps {
  names: readonly string[];
  series: readonly IMetricSeries[];
  onlyDifferences: boolean;
  translator: ITranslator;
}

/**
 * One small chart per metric, experiments oldest first on the x axis.
 */
export function MetricCharts(props: IMetricChartsProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  return (
    <section className="jp-mlops-CompareSection jp-mlops-MetricCharts">
      <h3>{trans.__('Metric plots')}</h3>
      {props.series.length === 0 ? (
        <p className="jp-mlops-Detail-empty">
          {props.onlyDifferences
            ? trans.__('Every metric has the same value in every experiment.')
            : trans.__('These experiments recorded no metrics.')}
        </p>
      ) : (
        <div className="jp-mlops-MetricCharts-grid">
          {props.series.map(series => (
            <MetricChart
              key={series.key}
              metric={series.key}
              names={props.names}
              values={series.values}
              translator={props.translator}
            />
          ))}
        </div>
      )}
    </section>
  );
}
