import { IExperimentRow } from './row';
import { FieldKey, formatValue } from './rows';

/**
 * Pure logic of the experiments table (src/components/ExperimentTable*):
 * the metrics summarized under each name, keyboard moves over rows of any
 * height, and the short form of a date. No DOM, no React.
 */

/**
 * The most common metric keys among the rows, at most `count`; ties go A
 * to Z. The first `sample` rows are enough to choose them.
 */
export function commonMetricKeys(
  rows: readonly IExperimentRow[],
  count: number,
  sample = 2000
): string[] {
  const seen = new Map<string, number>();
  for (const row of rows.slice(0, sample)) {
    for (const key of Object.keys(row.metrics)) {
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return [...seen.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([key]) => key);
}

/**
 * The metrics shown under each row's name: the most common ones, less those
 * already shown as a column.
 */
export function summaryKeys(
  rows: readonly IExperimentRow[],
  columns: readonly FieldKey[],
  count = 3
): string[] {
  return commonMetricKeys(rows, count).filter(
    key => !columns.includes(`metric:${key}`)
  );
}

/**
 * A row's summary: each summary metric it has, with its value formatted.
 */
export function rowSummary(
  row: IExperimentRow,
  keys: readonly string[]
): [key: string, value: string][] {
  return keys
    .filter(key => Object.prototype.hasOwnProperty.call(row.metrics, key))
    .map(key => [key, formatValue(row.metrics[key])]);
}

/**
 * Where a row sits along the table's body (its top and bottom edges, in
 * pixels): estimated until the row has been measured.
 */
export interface IRowExtent {
  start: number;
  end: number;
}

/**
 * The row a Page Down (`direction` 1) or Page Up (-1) moves to from row
 * `from`: the farthest row that starts less than a viewport's height from
 * it, so rows of any height page by what fits on screen. It moves at
 * least one row, and stays within the rows.
 */
export function pageTarget(
  extents: readonly IRowExtent[],
  from: number,
  viewport: number,
  direction: 1 | -1
): number {
  const last = extents.length - 1;
  if (last < 0) {
    return 0;
  }
  const origin = Math.max(0, Math.min(last, from));
  const top = extents[origin].start;
  let target = origin;
  for (
    let next = origin + direction;
    next >= 0 && next <= last;
    next += direction
  ) {
    if (Math.abs(extents[next].start - top) >= viewport) {
      break;
    }
    target = next;
  }
  if (target === origin) {
    target = origin + direction;
  }
  return Math.max(0, Math.min(last, target));
}

/**
 * The row a key moves the active row to (arrows, Page Up/Down, Home, End),
 * or undefined for any other key. `page` gives the row a Page Down (1) or
 * Page Up (-1) moves to; it is only called for those keys.
 */
export function moveActive(
  key: string,
  active: number,
  count: number,
  page: (direction: 1 | -1) => number
): number | undefined {
  if (count === 0) {
    return undefined;
  }
  const moves: Record<string, () => number> = {
    ArrowDown: () => active + 1,
    ArrowUp: () => active - 1,
    PageDown: () => page(1),
    PageUp: () => page(-1),
    Home: () => 0,
    End: () => count - 1
  };
  if (!Object.prototype.hasOwnProperty.call(moves, key)) {
    return undefined;
  }
  return Math.max(0, Math.min(count - 1, moves[key]()));
}

/**
 * A creation date in a narrow column: the time of day for today's
 * experiments, the month and day for older ones (the full time goes in the
 * cell's title). A date that does not parse is shown as it is.
 */
export function shortDate(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  return now.toDateString() === date.toDateString()
    ? date.toLocaleTimeString(undefined, {
        hour: '2-digit',
        minute: '2-digit'
      })
    : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}
