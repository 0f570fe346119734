import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { showBidiControls, slot } from '../util/bidi';
import { formatFullDate, formatRelativeTime } from '../util/format';
import { ParameterValue } from '../notebook/parameters';
import { IExperimentRow } from '../tracking/list/row';
import { FieldKey } from '../tracking/list/rows';
import { rowSummary } from '../tracking/list/tableRows';
import { ExperimentChips } from './ExperimentChips';
import { ExperimentTableCell } from './ExperimentTableCell';
import { UserMessage } from './UserMessage';
import { UserText } from './UserText';

/**
 * Properties of one row of the experiments table.
 */
export interface IExperimentTableRowProps {
  row: IExperimentRow;
  /** The row's position among the rows (0 is the first). */
  index: number;
  /** The element id, for the grid's `aria-activedescendant`. */
  id: string;
  /** Where the row's top sits in the table's body, in pixels. */
  top: number;
  /** The grid's `grid-template-columns`. */
  gridTemplate: string;
  /** Measures the row's height (the virtualizer's `measureElement`). */
  measureRef: (node: HTMLDivElement | null) => void;
  /** The columns after the name, in order. */
  columns: readonly FieldKey[];
  /** The metrics shown under the name. */
  summaryKeys: readonly string[];
  /**
   * The sidebar's compact row: the time beside the name, and chips (key
   * metrics, changed parameters) under it instead of a metric summary.
   */
  compact?: {
    metricKeys: readonly string[];
    baseline: ReadonlyMap<string, ParameterValue | undefined>;
    /** Name the author beside the time (a list with several authors). */
    showAuthor?: boolean;
  };
  showNotebook: boolean;
  active: boolean;
  selected: boolean;
  onActivate: (index: number) => void;
  onStar: (row: IExperimentRow) => void;
  onOpen: (row: IExperimentRow) => void;
  onSelect: (row: IExperimentRow, selected: boolean) => void;
  translator: ITranslator;
}

/**
 * One experiment in the table: its select box and star, its name with the
 * notebook, the summary metrics (or, compact, the chips) or why it is
 * unreadable under it, then the user's columns. The controls are out of the tab order: the grid handles
 * the keyboard.
 */
export function ExperimentTableRow(
  props: IExperimentTableRowProps
): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { row, index } = props;
  const broken = row.broken !== undefined;
  const classes = ['jp-mlops-ExperimentTable-row'];
  if (broken) {
    classes.push('jp-mod-broken');
  }
  if (props.selected) {
    classes.push('jp-mod-selected');
  }
  if (props.active) {
    classes.push('jp-mod-active');
  }
  if (props.compact) {
    classes.push('jp-mod-compact');
  }
  const summary = rowSummary(row, props.summaryKeys).map(([key, value], i) => (
    <React.Fragment key={key}>
      {i > 0 && ' · '}
      <UserText text={key} /> {value}
    </React.Fragment>
  ));
  return (
    <div
      ref={props.measureRef}
      id={props.id}
      className={classes.join(' ')}
      role="row"
      aria-rowindex={index + (props.compact ? 1 : 2)}
      aria-selected={props.selected}
      data-ref={row.ref}
      data-index={index}
      style={{
        gridTemplateColumns: props.gridTemplate,
        transform: `translateY(${props.top}px)`
      }}
      onMouseDown={() => props.onActivate(index)}
    >
      <span role="gridcell">
        <input
          type="checkbox"
          tabIndex={-1}
          className="jp-mlops-ExperimentTable-select"
          aria-label={trans.__(
            'Select %1 for comparison',
            showBidiControls(row.name)
          )}
          checked={props.selected}
          disabled={broken}
          onChange={event => props.onSelect(row, event.currentTarget.checked)}
        />
      </span>
      <span role="gridcell">
        <button
          type="button"
          tabIndex={-1}
          className="jp-mlops-StarButton"
          aria-pressed={row.starred}
          aria-label={row.starred ? trans.__('Unstar') : trans.__('Star')}
          disabled={broken}
          onClick={() => props.onStar(row)}
        >
          {row.starred ? '★' : '☆'}
        </button>
      </span>
      <span
        role="gridcell"
        className="jp-mlops-ExperimentTable-name"
        title={showBidiControls(row.notebookPath || row.ref)}
      >
        <button
          type="button"
          tabIndex={-1}
          className="jp-mlops-LinkButton jp-mlops-ExperimentTable-open"
          disabled={broken}
          onClick={() => props.onOpen(row)}
        >
          <UserText text={row.name} />
        </button>
        {props.compact && row.createdAt && (
          <span
            className="jp-mlops-ExperimentTable-time"
            title={formatFullDate(row.createdAt)}
          >
            {formatRelativeTime(row.createdAt)}
            {props.compact.showAuthor && row.author && (
              <>
                {' · '}
                <span
                  className="jp-mlops-ExperimentTable-author"
                  title={trans.__(
                    'Snapshot by %1',
                    showBidiControls(row.author)
                  )}
                >
                  <UserText text={row.author} />
                </span>
              </>
            )}
          </span>
        )}
        {row.broken ? (
          <span className="jp-mlops-ExperimentTable-broken">
            <UserMessage
              template={trans.__('Unreadable: %1', slot(0))}
              values={[row.broken.message]}
            />{' '}
            <code>{row.broken.code}</code>
          </span>
        ) : props.compact ? (
          <ExperimentChips
            row={row}
            metricKeys={props.compact.metricKeys}
            baseline={props.compact.baseline}
            translator={props.translator}
          />
        ) : (
          !props.showNotebook &&
          summary.length > 0 && (
            <span className="jp-mlops-ExperimentTable-metrics">{summary}</span>
          )
        )}
        {props.showNotebook && row.notebookPath && !row.broken && (
          <span className="jp-mlops-ExperimentTable-notebook">
            <UserText text={row.notebookPath} />
          </span>
        )}
      </span>
      {props.columns.map(key => (
        <ExperimentTableCell key={key} row={row} field={key} />
      ))}
    </div>
  );
}
