import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from '../commands';
import { experimentsIcon } from '../icons';
import { IMlopsBridge } from '../tokens';
import { ExperimentList, IExperimentRow } from '../tracking/list';
import { filterRows, metricKeysOf, SortKey, sortRows } from '../tracking/rows';
import { BridgeNotice } from './BridgeNotice';
import { EmptyState } from './EmptyState';
import { ExperimentTable } from './ExperimentTable';
import { PanelHeader } from './PanelHeader';

/**
 * Properties of the Experiments panel.
 */
export interface IExperimentsViewProps {
  bridge: IMlopsBridge;
  list: ExperimentList;
  /** The file name of the notebook the panel follows, if any. */
  notebookName: string | null;
  allNotebooks: boolean;
  onAllNotebooksChange: (all: boolean) => void;
  onStar: (row: IExperimentRow) => void;
  onOpen: (row: IExperimentRow) => void;
  selected: ReadonlySet<string>;
  onSelect: (row: IExperimentRow, selected: boolean) => void;
  onCompare: () => void;
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
  const [sort, setSort] = useState<SortKey>('created');
  const shown = sortRows(filterRows(list.rows, query), sort);
  const visibleSelected = list.rows.filter(row =>
    props.selected.has(row.ref)
  ).length;
  let body: JSX.Element;
  if (list.rows.length > 0) {
    body = (
      <>
        <div className="jp-mlops-Toolbar">
          <span className="jp-mlops-Toolbar-count">
            {shown.length === list.rows.length
              ? trans._n('%1 experiment', '%1 experiments', list.rows.length)
              : trans.__(
                  '%1 of %2 experiments',
                  shown.length,
                  list.rows.length
                )}
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
          <select
            className="jp-mod-styled"
            aria-label={trans.__('Sort experiments')}
            value={sort}
            onChange={event => setSort(event.currentTarget.value as SortKey)}
          >
            <option value="created">{trans.__('Newest')}</option>
            <option value="name">{trans.__('Name')}</option>
            {metricKeysOf(list.rows).map(key => (
              <option key={key} value={`metric:${key}`}>
                {trans.__('Best %1', key)}
              </option>
            ))}
          </select>
        </div>
        <ExperimentTable
          rows={shown}
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
    body = (
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
    <div className="jp-mlops-Panel">
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
