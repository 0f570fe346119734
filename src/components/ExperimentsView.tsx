import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import React, { useMemo, useState } from 'react';

import { CommandIDs } from '../commands';
import { experimentsIcon } from '../icons';
import { IMlopsBridge } from '../tokens';
import { showBidiControls } from '../util/bidi';
import { IExperimentRow } from '../tracking/list/row';
import type { IExperimentList } from '../tracking/list/tokens';
import { filterRows } from '../tracking/list/filter';
import {
  defaultDescending,
  FieldKey,
  ISort,
  metricKeysOf,
  parameterKeysOf,
  sortRows
} from '../tracking/list/rows';
import { BridgeNotice } from './BridgeNotice';
import { ColumnChooser } from './ColumnChooser';
import { EmptyState } from './EmptyState';
import { ExperimentTable } from './ExperimentTable';
import { PanelHeader } from './PanelHeader';
import { Progress } from './Progress';

/**
 * Properties of the Experiments panel.
 */
export interface IExperimentsViewProps {
  bridge: IMlopsBridge;
  /** The rows (and loading, progress, error) the panel shows. */
  list: Pick<IExperimentList, 'rows' | 'loading' | 'progress' | 'error'>;
  /** The file name of the notebook the panel follows, if any. */
  notebookName: string | null;
  allNotebooks: boolean;
  onAllNotebooksChange: (all: boolean) => void;
  onStar: (row: IExperimentRow) => void;
  onOpen: (row: IExperimentRow) => void;
  selected: ReadonlySet<string>;
  onSelect: (row: IExperimentRow, selected: boolean) => void;
  onCompare: () => void;
  /** The table's columns after the name (a setting). */
  columns: readonly FieldKey[];
  onColumnsChange: (columns: FieldKey[]) => void;
  commands: CommandRegistry;
  translator: ITranslator;
}

/**
 * The Experiments panel: experiments of the current notebook (or of all),
 * with snapshot as the call to action.
 */
export function ExperimentsView(props: IExperimentsViewProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { list, allNotebooks } = props;
  const subtitle = allNotebooks
    ? trans.__('All notebooks')
    : (props.notebookName ?? trans.__('No notebook open'));
  const snapshot = {
    label: trans.__('Snapshot notebook'),
    primary: true,
    disabled: props.notebookName === null,
    onClick: () => void props.commands.execute(CommandIDs.snapshot)
  };
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<ISort>({ key: 'created', descending: true });
  const rows = list.rows;
  // 10,000 rows: filter, sort and key lists only when their inputs change.
  const shown = useMemo(
    () => sortRows(filterRows(rows, query), sort),
    [rows, query, sort]
  );
  const metricKeys = useMemo(() => metricKeysOf(rows), [rows]);
  const parameterKeys = useMemo(() => parameterKeysOf(rows), [rows]);
  const visibleSelected = rows.filter(row =>
    props.selected.has(row.ref)
  ).length;
  const onSort = (key: FieldKey) =>
    setSort(current =>
      current.key === key
        ? { key, descending: !current.descending }
        : { key, descending: defaultDescending(key) }
    );
  const sortFields: [FieldKey, string][] = [
    ['created', trans.__('Date')],
    ['name', trans.__('Name')],
    ['starred', trans.__('Starred')],
    ['tags', trans.__('Tags')],
    ...metricKeys.map(
      key =>
        [`metric:${key}`, trans.__('Metric: %1', showBidiControls(key))] as [
          FieldKey,
          string
        ]
    ),
    ...parameterKeys.map(
      key =>
        [`param:${key}`, trans.__('Parameter: %1', showBidiControls(key))] as [
          FieldKey,
          string
        ]
    )
  ];
  let body: JSX.Element;
  if (rows.length > 0) {
    body = (
      <>
        <div className="jp-mlops-Toolbar">
          <span className="jp-mlops-Toolbar-count">
            {shown.length === rows.length
              ? trans._n('%1 experiment', '%1 experiments', rows.length)
              : trans.__('%1 of %2 experiments', shown.length, rows.length)}
          </span>
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled"
            disabled={visibleSelected < 2}
            title={trans.__('Select two or more experiments to compare')}
            onClick={props.onCompare}
          >
            {trans.__('Compare (%1)', visibleSelected)}
          </button>
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled jp-mod-accept"
            disabled={snapshot.disabled}
            onClick={snapshot.onClick}
          >
            {trans.__('Snapshot')}
          </button>
        </div>
        <div className="jp-mlops-Toolbar">
          <input
            type="search"
            className="jp-mlops-Search jp-mod-styled"
            placeholder={trans.__('Filter: words, depth=5, tag:x, is:starred')}
            aria-label={trans.__('Filter experiments')}
            value={query}
            onChange={event => setQuery(event.currentTarget.value)}
          />
        </div>
        <div className="jp-mlops-Toolbar jp-mlops-SortBar">
          <select
            className="jp-mod-styled"
            aria-label={trans.__('Sort experiments')}
            value={sort.key}
            onChange={event => {
              const key = event.currentTarget.value as FieldKey;
              setSort({ key, descending: defaultDescending(key) });
            }}
          >
            {sortFields.map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled jp-mlops-SortDirection"
            aria-label={
              sort.descending
                ? trans.__('Descending; sort ascending')
                : trans.__('Ascending; sort descending')
            }
            title={
              sort.descending ? trans.__('Descending') : trans.__('Ascending')
            }
            onClick={() => onSort(sort.key)}
          >
            {sort.descending ? '↓' : '↑'}
          </button>
          <ColumnChooser
            columns={props.columns}
            parameterKeys={parameterKeys}
            metricKeys={metricKeys}
            onChange={props.onColumnsChange}
            translator={props.translator}
          />
        </div>
        {list.progress && (
          <Progress
            done={list.progress.done}
            total={list.progress.total}
            label={trans.__(
              'Rebuilding the index: %1 of %2 experiments read',
              list.progress.done.toLocaleString(),
              list.progress.total.toLocaleString()
            )}
          />
        )}
        <ExperimentTable
          rows={shown}
          columns={props.columns}
          sort={sort}
          onSort={onSort}
          showNotebook={allNotebooks}
          onStar={props.onStar}
          onOpen={props.onOpen}
          selected={props.selected}
          onSelect={props.onSelect}
          translator={props.translator}
        />
      </>
    );
  } else if (list.loading) {
    body = list.progress ? (
      <Progress
        done={list.progress.done}
        total={list.progress.total}
        label={trans.__(
          'Building the index: %1 of %2 experiments read',
          list.progress.done.toLocaleString(),
          list.progress.total.toLocaleString()
        )}
      />
    ) : (
      <div className="jp-mlops-Notice">{trans.__('Reading experiments…')}</div>
    );
  } else {
    body = (
      <EmptyState
        icon={experimentsIcon}
        title={
          allNotebooks || props.notebookName === null
            ? trans.__('No experiments in this project yet')
            : trans.__('No experiments for this notebook yet')
        }
        actions={[
          snapshot,
          {
            label: trans.__('Open the demo notebook'),
            onClick: () => void props.commands.execute(CommandIDs.openDemo)
          }
        ]}
      >
        <p>
          {trans.__(
            'A snapshot records the notebook as it is, its parameters, metrics, data hashes and environment, so you can list, compare and restore it later.'
          )}
        </p>
        {props.notebookName === null && (
          <p>{trans.__('Open a notebook to take its first snapshot.')}</p>
        )}
      </EmptyState>
    );
  }
  return (
    <div className="jp-mlops-Panel jp-mod-fill">
      <PanelHeader title={trans.__('Experiments')} subtitle={subtitle}>
        <label className="jp-mlops-Toggle">
          <input
            type="checkbox"
            checked={allNotebooks}
            onChange={event =>
              props.onAllNotebooksChange(event.currentTarget.checked)
            }
          />
          {trans.__('All notebooks')}
        </label>
      </PanelHeader>
      <BridgeNotice bridge={props.bridge} translator={props.translator} />
      {list.error && (
        <div className="jp-mlops-Notice jp-mod-error" role="alert">
          <span>
            {list.error.message} <code>{list.error.code}</code>
          </span>
        </div>
      )}
      {body}
    </div>
  );
}
