import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import type { IDiagnostic } from '../notebook/tags';
import type { IDataflow } from '../pipeline/dataflow';
import type { IPipelineGraph } from '../pipeline/graph';
import { UserText } from './UserText';

/**
 * Properties of the step list.
 */
export interface IStepListProps {
  graph: IPipelineGraph;
  flow: IDataflow | null;
  /** Select these cells in the notebook. */
  onSelectCells: (cells: number[]) => void;
  /** Add a tag to a cell. */
  onAddTag: (cell: number, tag: string) => void;
  translator: ITranslator;
}

/**
 * The steps a notebook's tags define, in notebook order: their edges, the
 * variables they take and hand on, and every problem with the tags or the
 * data flow, each naming its cell (a click selects it) and, for a missing
 * `prev:`, a button that adds it.
 */
export function StepList(props: IStepListProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { steps, roles } = props.graph;
  const flow = props.flow;
  const diagnostics: IDiagnostic[] = [
    ...props.graph.diagnostics,
    ...(flow?.diagnostics ?? [])
  ].sort((a, b) => a.cell - b.cell);
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
        {steps.map(step => {
          const own = flow?.steps[step.name];
          const inputs = own ? Object.keys(own.inputs) : [];
          return (
            <li key={step.name} className="jp-mlops-StepList-step">
              <button
                type="button"
                className="jp-mlops-LinkButton jp-mlops-StepList-name"
                title={trans.__('Select the cells of step %1', step.name)}
                onClick={() => props.onSelectCells(step.cells)}
              >
                <UserText text={step.name} />
              </button>
              <span className="jp-mlops-StepList-meta">
                {/* In plural forms %1 is the count; the next argument is %2. */}
                {step.prev.length > 0
                  ? trans._n(
                      '%1 cell · after %2',
                      '%1 cells · after %2',
                      step.cells.length,
                      step.prev.join(', ')
                    )
                  : trans._n('%1 cell', '%1 cells', step.cells.length)}
              </span>
              {inputs.length > 0 && (
                <span
                  className="jp-mlops-StepList-vars"
                  title={inputs
                    .map(name => `${name} ← ${own?.inputs[name]}`)
                    .join('\n')}
                >
                  {trans.__('in: %1', inputs.join(', '))}
                </span>
              )}
              {own && own.outputs.length > 0 && (
                <span
                  className="jp-mlops-StepList-vars"
                  title={own.outputs.join(', ')}
                >
                  {trans.__('out: %1', own.outputs.join(', '))}
                </span>
              )}
            </li>
          );
        })}
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
                    : ''
              }`}
              data-code={diagnostic.code}
              data-cell={diagnostic.cell}
            >
              <button
                type="button"
                className="jp-mlops-LinkButton"
                title={trans.__('Select cell %1', diagnostic.cell + 1)}
                onClick={() => props.onSelectCells([diagnostic.cell])}
              >
                {trans.__('Cell %1', diagnostic.cell + 1)}
              </button>{' '}
              <UserText text={diagnostic.message} />
              {diagnostic.code === 'W_MISSING_PREV' &&
                diagnostic.tag !== undefined && (
                  <button
                    type="button"
                    className="jp-mlops-Button jp-mod-styled jp-mlops-StepList-fix"
                    onClick={() =>
                      props.onAddTag(diagnostic.cell, diagnostic.tag as string)
                    }
                  >
                    {trans.__('Add %1', diagnostic.tag)}
                  </button>
                )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
