import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import type { IPipelineGraph } from '../pipeline/graph';
import { UserText } from './UserText';

/**
 * Properties of the step list.
 */
export interface IStepListProps {
  graph: IPipelineGraph;
  translator: ITranslator;
}

/**
 * The steps a notebook's tags define, in notebook order, with their edges.
 */
export function StepList(props: IStepListProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { steps, roles, diagnostics } = props.graph;
  const extras: [string, number][] = [
    [trans.__('imports'), roles.imports.length],
    [trans.__('functions'), roles.functions.length],
    [trans.__('parameters'), roles.parameters.length],
    [trans.__('metrics'), roles.metrics.length],
    [trans.__('skipped'), roles.skip.length]
  ];
  return (
    <div className="jp-mlops-StepList">
      <ol
        className="jp-mlops-StepList-steps"
        aria-label={trans.__('Pipeline steps')}
      >
        {/* In plural forms %1 is the count; the next argument is %2. */}
        {steps.map(step => (
          <li key={step.name} className="jp-mlops-StepList-step">
            <UserText className="jp-mlops-StepList-name" text={step.name} />
            <span className="jp-mlops-StepList-meta">
              {step.prev.length > 0
                ? trans._n(
                    '%1 cell · after %2',
                    '%1 cells · after %2',
                    step.cells.length,
                    step.prev.join(', ')
                  )
                : trans._n('%1 cell', '%1 cells', step.cells.length)}
            </span>
          </li>
        ))}
      </ol>
      <div className="jp-mlops-StepList-extras">
        {extras
          .filter(([, count]) => count > 0)
          .map(([label, count]) => `${label}: ${count}`)
          .join(' · ')}
      </div>
      {diagnostics.length > 0 && (
        <ul className="jp-mlops-StepList-problems" role="alert">
          {diagnostics.map((diagnostic, i) => (
            <li
              key={i}
              className={`jp-mlops-Notice ${
                diagnostic.severity === 'error'
                  ? 'jp-mod-error'
                  : diagnostic.severity === 'warning'
                    ? 'jp-mod-warning'
                    : 'jp-mod-info'
              }`}
              data-code={diagnostic.code}
              data-cell={diagnostic.cell}
            >
              <UserText
                text={trans.__(
                  'Cell %1: %2',
                  diagnostic.cell + 1,
                  diagnostic.message
                )}
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
