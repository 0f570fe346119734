import { ITranslator } from '@jupyterlab/translation';
import React, { useState } from 'react';

import { IExperimentRow } from '../tracking/list/row';
import type { IExperimentList } from '../tracking/list/tokens';
import { FieldKey, ISort } from '../tracking/list/rows';
import type { StepValue } from '../tracking/list/stepValues';
import { ColumnChooser } from './ColumnChooser';
import { ExperimentFilter } from './ExperimentFilter';
import { ExperimentTable } from './ExperimentTable';
import { NoMatches } from './NoMatches';
import { experimentCount } from './experimentCount';
import { PanelHeader } from './PanelHeader';
import { Progress } from './Progress';
import { useShownRows } from './useShownRows';

/**
 * Properties of the Experiments table tab.
 */
export interface IExperimentsTableViewProps {
  list: Pick<
    IExperimentList,
    'rows' | 'total' | 'loading' | 'progress' | 'error'
  >;
  /**
   * The list's rows as shown: step-wise metrics at their last or best value
   * (`stepValue`).
   */
  rows: readonly IExperimentRow[];
  /** Which value of a step-wise metric is shown (`null`: none logged). */
  stepValue: StepValue | null;
  onStepValueChange: (value: StepValue) => void;
  /** The file name of the notebook listed, if any. */
  notebookName: string | null;
  allNotebooks: boolean;
  onAllNotebooksChange: (all: boolean) => void;
  selected: ReadonlySet<string>;
  onSelect: (row: IExperimentRow, selected: boolean) => void;
  /** Compare these experiments (the selected ones the filter shows). */
  onCompare: (refs: string[]) => void;
  sort: ISort;
  /** Sort by a column (a second click flips the direction). */
  onSort: (key: FieldKey) => void;
  columns: readonly FieldKey[];
  onColumnsChange: (columns: FieldKey[]) => void;
  onStar: (row: IExperimentRow) => void;
  onOpen: (row: IExperimentRow) => void;
  translator: ITranslator;
}

/**
 * The Experiments table in the main area: the sidebar's experiments with
 * the columns the user chooses, sorted from the column headers (the one
 * sort control here) and filtered; selection, sort and columns are the
 * sidebar's own.
 */
export function ExperimentsTableView(
  props: IExperimentsTableViewProps
): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { list } = props;
  const [query, setQuery] = useState('');
  const rows = props.rows;
  const { shown, fields, unknown } = useShownRows(rows, query, props.sort);
  const compared = shown
    .filter(row => props.selected.has(row.ref))
    .map(row => row.ref);
  const subtitle = props.allNotebooks
    ? trans.__('All notebooks')
    : (props.notebookName ?? trans.__('No notebook open'));
  return (
    <div className="jp-mlops-Panel jp-mlops-ExperimentsTableView jp-mod-fill">
      <PanelHeader title={trans.__('Experiments')} subtitle={subtitle}>
        <label className="jp-mlops-Toggle">
          <input
            type="checkbox"
            checked={props.allNotebooks}
            onChange={event =>
              props.onAllNotebooksChange(event.currentTarget.checked)
            }
          />
          {trans.__('All notebooks')}
        </label>
      </PanelHeader>
      {list.error && (
        <div className="jp-mlops-Notice jp-mod-error" role="alert">
          <span>
            {list.error.message} <code>{list.error.code}</code>
          </span>
        </div>
      )}
      <div className="jp-mlops-Toolbar">
        <span className="jp-mlops-Toolbar-count">
          {experimentCount(trans, shown.length, rows.length, list.total)}
        </span>
        <ExperimentFilter
          query={query}
          onChange={setQuery}
          rows={rows}
          fields={fields}
          translator={props.translator}
        />
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled"
          disabled={compared.length < 2}
          title={trans.__('Select two or more experiments to compare')}
          onClick={() => props.onCompare(compared)}
        >
          {trans.__('Compare (%1)', compared.length)}
        </button>
        {props.stepValue !== null && (
          <label
            className="jp-mlops-StepValue"
            title={trans.__(
              'Metrics logged step by step (log_metrics(step=…)): show, sort and filter by the last step or the best step of each run'
            )}
          >
            {trans.__('Steps')}
            <select
              className="jp-mod-styled"
              aria-label={trans.__('Value of step-wise metrics')}
              value={props.stepValue}
              onChange={event =>
                props.onStepValueChange(event.currentTarget.value as StepValue)
              }
            >
              <option value="last">{trans.__('last value')}</option>
              <option value="best">{trans.__('best value')}</option>
            </select>
          </label>
        )}
        <ColumnChooser
          columns={props.columns}
          parameterKeys={fields.parameters}
          metricKeys={fields.metrics}
          onChange={props.onColumnsChange}
          translator={props.translator}
        />
      </div>
      {list.progress && (
        <Progress
          done={list.progress.done}
          total={list.progress.total}
          label={trans.__(
            'Reading the index: %1 of %2 experiments read',
            list.progress.done.toLocaleString(),
            list.progress.total.toLocaleString()
          )}
        />
      )}
      {rows.length === 0 ? (
        <div className="jp-mlops-Notice" role="status">
          {list.loading
            ? trans.__('Reading experiments…')
            : trans.__(
                'No experiments here yet: take a snapshot of a notebook first.'
              )}
        </div>
      ) : shown.length === 0 ? (
        <NoMatches
          query={query}
          unknown={unknown}
          fields={fields}
          onClear={() => setQuery('')}
          translator={props.translator}
        />
      ) : (
        <ExperimentTable
          rows={shown}
          columns={props.columns}
          sort={props.sort}
          onSort={props.onSort}
          showNotebook={props.allNotebooks}
          onStar={props.onStar}
          onOpen={props.onOpen}
          selected={props.selected}
          onSelect={props.onSelect}
          translator={props.translator}
        />
      )}
    </div>
  );
}
