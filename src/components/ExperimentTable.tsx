import { ITranslator } from '@jupyterlab/translation';
import { useVirtualizer } from '@tanstack/react-virtual';
import React, {
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState
} from 'react';

import { IExperimentRow } from '../tracking/list/row';
import { FieldKey, ISort } from '../tracking/list/rows';
import {
  commonMetricKeys,
  keyMetric,
  moveActive,
  pageTarget,
  parameterBaseline,
  summaryKeys as summaryKeysOf
} from '../tracking/list/tableRows';
import { ExperimentTableHeaderRow } from './ExperimentTableHeaderRow';
import { ExperimentTableRow } from './ExperimentTableRow';

/**
 * The height of a row in pixels until it is measured: rows are at least
 * this high (style/experiments.css), taller when their text needs it.
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
  /**
   * The sidebar's compact list: no header and no columns; each row shows
   * its time, key metrics and changed parameters as chips, and wraps
   * rather than scrolling sideways.
   */
  compact?: boolean;
  translator: ITranslator;
}

/**
 * The experiments as a virtualized grid: select, star, name with the most
 * common metrics under it, then the user's columns (the Experiments
 * table tab); or, compact, a list that fits a narrow sidebar.
 * Only the rows in view are rendered (@tanstack/react-virtual), each
 * measured, so 10,000 experiments scroll like 10 and a row may be taller
 * than the others. Keyboard: arrows, Page Up/Down, Home/End move; Enter
 * opens; Space selects for comparison; S stars. Every user string is
 * rendered as text, isolated, its bidi controls visible.
 */
export function ExperimentTable(props: IExperimentTableProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { rows, compact } = props;
  const columns = compact ? Private.NO_COLUMNS : props.columns;
  const headerHeight = compact ? 0 : HEADER_HEIGHT;
  const sortKey = props.sort.key;
  const compactRow = useMemo(() => {
    if (!compact) {
      return undefined;
    }
    const first = keyMetric(rows, sortKey);
    const metricKeys = [
      ...(first === undefined ? [] : [first]),
      ...commonMetricKeys(rows, 2).filter(key => key !== first)
    ].slice(0, 2);
    // Authors are named once the list holds more than one (a team's store).
    const authors = new Set(rows.map(row => row.author).filter(Boolean));
    return {
      metricKeys,
      baseline: parameterBaseline(rows),
      showAuthor: authors.size > 1
    };
  }, [compact, rows, sortKey]);
  const scroller = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const summaryKeys = useMemo(
    () => summaryKeysOf(rows, columns),
    [rows, columns]
  );
  // Sizes are kept per experiment, so a measured row keeps its height when
  // the rows are sorted or filtered.
  const getItemKey = useCallback((index: number) => rows[index].ref, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    getItemKey,
    overscan: 8,
    // The body starts below the sticky header, which covers the top of the
    // view: a row scrolled to the top must land below it.
    scrollMargin: headerHeight,
    scrollPaddingStart: headerHeight,
    // Before the grid is laid out (and in the server renderer of the
    // specs), a typical sidebar's worth of rows.
    initialRect: { width: 0, height: 400 },
    measureElement: Private.measureRow
  });

  // Shown again (its sidebar tab chosen after another), the list must
  // paint the rows where it is scrolled to. While hidden, its scroll
  // offset reads 0, and showing it fires no scroll event: the virtualizer
  // kept painting the top rows out of view until the next scroll (seen in
  // galata after the list was scrolled, hidden and shown quickly).
  useEffect(() => {
    const element = scroller.current;
    if (element === null || typeof ResizeObserver === 'undefined') {
      return;
    }
    let hidden = element.clientHeight === 0;
    const observer = new ResizeObserver(() => {
      const nowHidden = element.clientHeight === 0;
      if (hidden && !nowHidden) {
        element.dispatchEvent(new Event('scroll'));
      }
      hidden = nowHidden;
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (active >= rows.length && rows.length > 0) {
      setActive(rows.length - 1);
    }
  }, [rows.length, active]);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (rows.length === 0 || event.target !== event.currentTarget) {
      return;
    }
    const current = Math.min(active, rows.length - 1);
    const row = rows[current];
    const viewport = Math.max(
      ROW_HEIGHT,
      event.currentTarget.clientHeight - headerHeight
    );
    const next = moveActive(event.key, current, rows.length, direction =>
      pageTarget(virtualizer.measurementsCache, current, viewport, direction)
    );
    if (next !== undefined) {
      setActive(next);
      virtualizer.scrollToIndex(next);
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

  const template = compact
    ? '22px 22px minmax(0, 1fr)'
    : Private.template(columns.length);
  // Narrower than this, the grid scrolls sideways instead of squeezing
  // (the compact list wraps instead).
  const minWidth = compact ? 0 : Private.minWidth(columns.length);
  const idPrefix = useMemo(
    () => `jp-mlops-exp-${Math.random().toString(36).slice(2, 8)}`,
    []
  );
  const activeIndex = Math.min(active, rows.length - 1);

  return (
    <div
      ref={scroller}
      className="jp-mlops-ExperimentTable"
      role="grid"
      aria-label={trans.__('Experiments')}
      aria-rowcount={rows.length + (compact ? 0 : 1)}
      aria-activedescendant={
        activeIndex >= 0 ? `${idPrefix}-${activeIndex}` : undefined
      }
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      {!compact && (
        <ExperimentTableHeaderRow
          columns={columns}
          sort={props.sort}
          onSort={props.onSort}
          style={{
            gridTemplateColumns: template,
            height: HEADER_HEIGHT,
            minWidth
          }}
          translator={props.translator}
        />
      )}
      <div
        className="jp-mlops-ExperimentTable-body"
        role="rowgroup"
        style={{ height: virtualizer.getTotalSize(), minWidth }}
      >
        {virtualizer.getVirtualItems().map(item => {
          const row = rows[item.index];
          return (
            <ExperimentTableRow
              key={item.key}
              row={row}
              index={item.index}
              id={`${idPrefix}-${item.index}`}
              top={item.start - headerHeight}
              gridTemplate={template}
              measureRef={virtualizer.measureElement}
              columns={columns}
              summaryKeys={summaryKeys}
              compact={compactRow}
              showNotebook={props.showNotebook}
              active={item.index === active}
              selected={props.selected.has(row.ref)}
              onActivate={setActive}
              onStar={props.onStar}
              onOpen={props.onOpen}
              onSelect={props.onSelect}
              translator={props.translator}
            />
          );
        })}
      </div>
    </div>
  );
}

namespace Private {
  /**
   * Rows' last heights on screen. A hidden panel (another sidebar tab, a
   * closed sidebar) reports its rows 0 high; taken as such, every row would
   * shrink and grow back on showing, and the view drift by the rows above
   * it: a list painted while its panel was closed opened mid-way, a
   * scrolled one came back elsewhere.
   */
  const shownHeights = new WeakMap<Element, number>();

  /** A row's height, or its last height on screen while it is not shown. */
  export function measureRow(element: Element): number {
    const height = (element as HTMLElement).offsetHeight;
    if (height > 0 || element.getClientRects().length > 0) {
      shownHeights.set(element, height);
      return height;
    }
    return shownHeights.get(element) ?? ROW_HEIGHT;
  }

  /**
   * The compact list's columns: none.
   */
  export const NO_COLUMNS: readonly FieldKey[] = [];

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
}
