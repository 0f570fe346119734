import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from '../commands';
import { experimentsIcon } from '../icons';
import { IMlopsBridge } from '../tokens';
import { IExperimentRow } from '../tracking/list/row';
import type { IExperimentList } from '../tracking/list/tokens';
import { ISort } from '../tracking/list/rows';
import { BridgeNotice } from './BridgeNotice';
import { EmptyState } from './EmptyState';
import { ExperimentFilter } from './ExperimentFilter';
import { ExperimentTable } from './ExperimentTable';
import { NoMatches } from './NoMatches';
import { experimentCount } from './experimentCount';
import { PanelHeader } from './PanelHeader';
import { Progress } from './Progress';
import { SortControl } from './SortControl';
import { SyncButton } from './SyncButton';
import { SyncNotice } from './SyncNotice';
import type { SyncState } from '../tracking/sync/storeSync';
import { useShownRows } from './useShownRows';

/**
 * Properties of the Experiments panel.
 */
export interface IExperimentsViewProps {
  bridge: IMlopsBridge;
  /** The rows (and loading, progress, error) the panel shows. */
  list: Pick<
    IExperimentList,
    'rows' | 'total' | 'loading' | 'progress' | 'error'
  >;
  /**
   * The list's rows as shown: step-wise metrics at their last or best value
   * (the setting `stepMetricValue`).
   */
  rows: readonly IExperimentRow[];
  /** The file name of the notebook the panel follows, if any. */
  notebookName: string | null;
  allNotebooks: boolean;
  onAllNotebooksChange: (all: boolean) => void;
  onStar: (row: IExperimentRow) => void;
  onOpen: (row: IExperimentRow) => void;
  selected: ReadonlySet<string>;
  onSelect: (row: IExperimentRow, selected: boolean) => void;
  /** Compare these experiments (the selected ones the filter shows). */
  onCompare: (refs: string[]) => void;
  /** The one sort order (shared with the Experiments table tab). */
  sort: ISort;
  onSortChange: (sort: ISort) => void;
  /** Open the full Experiments table in the main area. */
  onOpenTable: () => void;
  /** Sync with the team's git remote: its state, start, dismiss. */
  sync: { state: SyncState; onSync: () => void; onDismiss: () => void };
  commands: CommandRegistry;
  translator: ITranslator;
}

/**
 * The Experiments panel: experiments of the current notebook (or of all)
 * as a compact list that fits the sidebar (name, time, key metrics and
 * changed parameters as chips), with snapshot as the call to action; the
 * full table with columns opens in the main area.
 */
export function ExperimentsView(props: IExperimentsViewProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { list, allNotebooks, sort } = props;
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
  const rows = props.rows;
  const { shown, fields, unknown } = useShownRows(rows, query, sort);
  // Rows the filter hides are not compared, nor counted.
  const compared = shown
    .filter(row => props.selected.has(row.ref))
    .map(row => row.ref);
  let body: JSX.Element;
  if (rows.length > 0) {
    body = (
      <>
        <div className="jp-mlops-Toolbar">
          <span className="jp-mlops-Toolbar-count">
            {experimentCount(trans, shown.length, rows.length, list.total)}
          </span>
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled"
            disabled={compared.length < 2}
            title={trans.__('Select two or more experiments to compare')}
            onClick={() => props.onCompare(compared)}
          >
            {trans.__('Compare (%1)', compared.length)}
          </button>
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled jp-mlops-OpenTable"
            title={trans.__(
              'Open the Experiments table in the main area: columns, sorting and filtering'
            )}
            onClick={props.onOpenTable}
          >
            {trans.__('Table')}
          </button>
          <SyncButton
            state={props.sync.state}
            onSync={props.sync.onSync}
            translator={props.translator}
          />
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
          <ExperimentFilter
            query={query}
            onChange={setQuery}
            rows={rows}
            fields={fields}
            translator={props.translator}
          />
        </div>
        <SortControl
          sort={sort}
          onChange={props.onSortChange}
          parameterKeys={fields.parameters}
          metricKeys={fields.metrics}
          translator={props.translator}
        />
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
        {shown.length === 0 ? (
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
            columns={[]}
            compact
            sort={sort}
            onSort={key =>
              props.onSortChange({
                key,
                descending: key === sort.key ? !sort.descending : true
              })
            }
            showNotebook={allNotebooks}
            onStar={props.onStar}
            onOpen={props.onOpen}
            selected={props.selected}
            onSelect={props.onSelect}
            translator={props.translator}
          />
        )}
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
          },
          {
            label:
              props.sync.state.kind === 'syncing'
                ? trans.__('Syncing…')
                : trans.__('Sync with the team remote'),
            disabled: props.sync.state.kind === 'syncing',
            onClick: props.sync.onSync
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
      <SyncNotice
        state={props.sync.state}
        onSync={props.sync.onSync}
        onDismiss={props.sync.onDismiss}
        translator={props.translator}
      />
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
