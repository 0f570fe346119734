import { ITranslator } from '@jupyterlab/translation';
import React, {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState
} from 'react';

import { showBidiControls, slot } from '../util/bidi';
import { IExperimentRow } from '../tracking/list/row';
import { FieldKey, formatValue, ISort } from '../tracking/list/rows';
import { ExperimentTableCell } from './ExperimentTableCell';
import { ExperimentTableHeader } from './ExperimentTableHeader';
import { UserMessage } from './UserMessage';
import { UserText } from './UserText';

/**
 * Height of one row in pixels: every row has the same height, so only the
 * rows in view are in the DOM and 10,000 experiments scroll like 10.
 */
export const ROW_HEIGHT = 42;

/**
 * Height of the sticky header row in pixels.
 */
const HEADER_HEIGHT = 28;

/**
 * Properties of the experiment table.
 */
export interface IExperimentTableProps {
  rows: readonly IExperimentRow[];
  /** The columns after the name, in order. */
  columns: readonly FieldKey[];
  sort: ISort;
  /** Sort by a column (the table flips the direction on a second click). */
  onSort: (key: FieldKey) => void;
  /** Show the notebook of each row (the "all notebooks" view). */
  showNotebook: boolean;
  onStar: (row: IExperimentRow) => void;
  onOpen: (row: IExperimentRow) => void;
  selected: ReadonlySet<string>;
  onSelect: (row: IExperimentRow, selected: boolean) => void;
  translator: ITranslator;
}

/**
 * The experiments as a virtualized grid for a narrow sidebar: select, star,
 * name with the most common metrics under it, then the user's columns.
 * Only the rows in view are rendered. Keyboard: arrows, Page Up/Down,
 * Home/End move; Enter opens; Space selects for comparison; S stars. Every
 * user string is rendered as text, isolated, its bidi controls visible.
 */
export function ExperimentTable(props: IExperimentTableProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { rows, columns } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [active, setActive] = useState(0);
  const summaryKeys = useMemo(
    () =>
      Private.metricKeys(rows, 3).filter(
        key => !columns.includes(`metric:${key}`)
      ),
    [rows, columns]
  );

  useLayoutEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    setHeight(node.clientHeight);
    const observer = new ResizeObserver(() => setHeight(node.clientHeight));
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (active >= rows.length && rows.length > 0) {
      setActive(rows.length - 1);
    }
  }, [rows.length, active]);

  const reveal = useCallback((index: number) => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    // The body starts below the sticky header.
    const top = index * ROW_HEIGHT;
    if (top < node.scrollTop) {
      node.scrollTop = top;
    } else if (
      HEADER_HEIGHT + top + ROW_HEIGHT >
      node.scrollTop + node.clientHeight
    ) {
      node.scrollTop = HEADER_HEIGHT + top + ROW_HEIGHT - node.clientHeight;
    }
  }, []);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (rows.length === 0 || event.target !== event.currentTarget) {
      return;
    }
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + page,
      PageUp: active - page,
      Home: 0,
      End: rows.length - 1
    };
    const row = rows[Math.min(active, rows.length - 1)];
    if (event.key in moves) {
      const next = Math.max(0, Math.min(rows.length - 1, moves[event.key]));
      setActive(next);
      reveal(next);
    } else if (event.key === 'Enter' && !row.broken) {
      props.onOpen(row);
    } else if (event.key === ' ' && !row.broken) {
      props.onSelect(row, !props.selected.has(row.ref));
    } else if (event.key.toLowerCase() === 's' && !row.broken) {
      props.onStar(row);
    } else {
      return;
    }
    event.preventDefault();
  };

  const overscan = 8;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - overscan);
  const last = Math.min(
    rows.length,
    Math.ceil((scrollTop + height) / ROW_HEIGHT) + overscan
  );
  const template = Private.template(columns.length);
  // Narrower than this, the grid scrolls sideways instead of squeezing.
  const minWidth = Private.minWidth(columns.length);
  const idPrefix = useMemo(
    () => `jp-mlops-exp-${Math.random().toString(36).slice(2, 8)}`,
    []
  );
  const activeRow = rows[Math.min(active, rows.length - 1)];

  return (
    <div
      ref={scroller}
      className="jp-mlops-ExperimentTable"
      role="grid"
      aria-label={trans.__('Experiments')}
      aria-rowcount={rows.length + 1}
      aria-activedescendant={
        activeRow
          ? `${idPrefix}-${Math.min(active, rows.length - 1)}`
          : undefined
      }
      tabIndex={0}
      onKeyDown={onKeyDown}
      onScroll={event => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div
        className="jp-mlops-ExperimentTable-header"
        role="row"
        aria-rowindex={1}
        style={{
          gridTemplateColumns: template,
          height: HEADER_HEIGHT,
          minWidth
        }}
      >
        <span role="columnheader" aria-label={trans.__('Select')} />
        <ExperimentTableHeader
          field="starred"
          label="★"
          title={trans.__('Starred')}
          sort={props.sort}
          onSort={props.onSort}
        />
        <ExperimentTableHeader
          field="name"
          label={trans.__('Name')}
          sort={props.sort}
          onSort={props.onSort}
        />
        {columns.map(key => (
          <ExperimentTableHeader
            key={key}
            field={key}
            label={Private.columnLabel(key, trans)}
            sort={props.sort}
            onSort={props.onSort}
          />
        ))}
      </div>
      <div
        className="jp-mlops-ExperimentTable-body"
        role="rowgroup"
        style={{ height: rows.length * ROW_HEIGHT, minWidth }}
      >
        {rows.slice(first, last).map((row, offset) => {
          const index = first + offset;
          const broken = row.broken !== undefined;
          const classes = ['jp-mlops-ExperimentTable-row'];
          if (broken) {
            classes.push('jp-mod-broken');
          }
          if (props.selected.has(row.ref)) {
            classes.push('jp-mod-selected');
          }
          if (index === active) {
            classes.push('jp-mod-active');
          }
          const summary = summaryKeys
            .filter(key => key in row.metrics)
            .map((key, i) => (
              <React.Fragment key={key}>
                {i > 0 && ' · '}
                <UserText text={key} /> {formatValue(row.metrics[key])}
              </React.Fragment>
            ));
          return (
            <div
              key={row.ref}
              id={`${idPrefix}-${index}`}
              className={classes.join(' ')}
              role="row"
              aria-rowindex={index + 2}
              aria-selected={props.selected.has(row.ref)}
              data-ref={row.ref}
              style={{
                gridTemplateColumns: template,
                transform: `translateY(${index * ROW_HEIGHT}px)`
              }}
              onMouseDown={() => setActive(index)}
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
                  checked={props.selected.has(row.ref)}
                  disabled={broken}
                  onChange={event =>
                    props.onSelect(row, event.currentTarget.checked)
                  }
                />
              </span>
              <span role="gridcell">
                <button
                  type="button"
                  tabIndex={-1}
                  className="jp-mlops-StarButton"
                  aria-pressed={row.starred}
                  aria-label={
                    row.starred ? trans.__('Unstar') : trans.__('Star')
                  }
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
                {row.broken ? (
                  <span className="jp-mlops-ExperimentTable-broken">
                    <UserMessage
                      template={trans.__('Unreadable: %1', slot(0))}
                      values={[row.broken.message]}
                    />{' '}
                    <code>{row.broken.code}</code>
                  </span>
                ) : props.showNotebook && row.notebookPath ? (
                  <span className="jp-mlops-ExperimentTable-notebook">
                    <UserText text={row.notebookPath} />
                  </span>
                ) : (
                  summary.length > 0 && (
                    <span className="jp-mlops-ExperimentTable-metrics">
                      {summary}
                    </span>
                  )
                )}
              </span>
              {columns.map(key => (
                <ExperimentTableCell key={key} row={row} field={key} />
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}

namespace Private {
  /**
   * The grid columns: select, star, name, then the user's columns.
   */
  export function template(count: number): string {
    // Fixed widths: each row is its own grid, and they must line up.
    return `22px 22px minmax(7em, 1fr)${' 5.5em'.repeat(count)}`;
  }

  export function minWidth(count: number): string {
    return `calc(${2 * 22 + 16 + (count + 2) * 6}px + ${7 + 5.5 * count}em)`;
  }

  export function columnLabel(
    key: FieldKey,
    trans: ReturnType<ITranslator['load']>
  ): string {
    switch (key) {
      case 'created':
        return trans.__('Created');
      case 'name':
        return trans.__('Name');
      case 'starred':
        return trans.__('Starred');
      case 'tags':
        return trans.__('Tags');
      case 'notebook':
        return trans.__('Notebook');
    }
    return key.slice(key.indexOf(':') + 1);
  }

  /**
   * The most common metric keys, at most `count` (a sample of the rows is
   * enough to choose them).
   */
  export function metricKeys(
    rows: readonly IExperimentRow[],
    count: number
  ): string[] {
    const seen = new Map<string, number>();
    for (const row of rows.slice(0, 2000)) {
      for (const key of Object.keys(row.metrics)) {
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    return [...seen.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, count)
      .map(([key]) => key);
  }
}
