import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { ILearningCurve } from '../tracking/compare/learningCurves';
import { LearningCurveChart } from './LearningCurveChart';

/**
 * Properties of the learning curves.
 */
export interface ILearningCurvesProps {
  /** Experiment names, in the order of each curve's `values`. */
  names: readonly string[];
  curves: readonly ILearningCurve[];
  translator: ITranslator;
}

/**
 * The step-wise metrics (`log_metrics(step=…)`) of the compared
 * experiments: one chart per metric, a line per experiment.
 */
export function LearningCurves(props: ILearningCurvesProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  return (
    <section className="jp-mlops-CompareSection jp-mlops-LearningCurves">
      <h3>{trans.__('Learning curves')}</h3>
      <div className="jp-mlops-LearningCurves-grid">
        {props.curves.map(curve => (
          <LearningCurveChart
            key={curve.key}
            curve={curve}
            names={props.names}
            translator={props.translator}
          />
        ))}
      </div>
    </section>
  );
}
