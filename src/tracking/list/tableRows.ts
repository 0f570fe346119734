import { IExperimentRow } from './row';
import { ParameterValue } from '../../notebook/parameters';
import { FieldKey, formatValue } from './rows';

/**
 * Pure logic of the experiments table (src/components/ExperimentTable*):
 * the metrics summarized under each name, keyboard moves over rows of any
 * height, and the chips of a compact row (its key metric and the
 * parameters it changed). No DOM, no React.
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
 * The value of each parameter most rows share: the baseline a row's
 * changed parameters are told against. A value no other row shares, or
 * two values as common as each other, make no baseline (undefined): every
 * row then shows its own value (runs at max_depth 2, 3 and 5 all show
 * it; none stands for "what most runs used"). Parameters only some rows
 * have count as absent in the others. A row alone is its own baseline.
 * The first `sample` rows are enough.
 */
export function parameterBaseline(
  rows: readonly IExperimentRow[],
  sample = 2000
): Map<string, ParameterValue | undefined> {
  const taken = rows.slice(0, sample);
  const counts = new Map<string, Map<string, number>>();
  const values = new Map<string, ParameterValue>();
  for (const row of taken) {
    for (const [key, value] of Object.entries(row.parameters)) {
      const text = Private.valueKey(value);
      values.set(`${key}\u0000${text}`, value);
      let byValue = counts.get(key);
      if (!byValue) {
        byValue = new Map();
        counts.set(key, byValue);
      }
      byValue.set(text, (byValue.get(text) ?? 0) + 1);
    }
  }
  const baseline = new Map<string, ParameterValue | undefined>();
  for (const [key, byValue] of counts) {
    let best: string | undefined;
    let bestCount = 0;
    let tied = false;
    for (const [text, count] of byValue) {
      if (count > bestCount) {
        best = text;
        bestCount = count;
        tied = false;
      } else if (count === bestCount) {
        tied = true;
      }
    }
    const absent = taken.length - [...byValue.values()].reduce((a, b) => a + b);
    const shared = taken.length === 1 || (bestCount >= 2 && !tied);
    baseline.set(
      key,
      best === undefined || absent >= bestCount || !shared
        ? undefined
        : values.get(`${key}\u0000${best}`)
    );
  }
  return baseline;
}

/**
 * The parameters of a row that differ from the baseline (most rows'
 * value), as `key=value` with the value formatted, A to Z, at most
 * `limit`; the number left out is `more`. A row alone has none changed.
 */
export function changedParameters(
  row: IExperimentRow,
  baseline: ReadonlyMap<string, ParameterValue | undefined>,
  limit = 3
): { chips: [key: string, value: string][]; more: number } {
  const changed = Object.keys(row.parameters)
    .filter(key => {
      const base = baseline.get(key);
      return (
        base === undefined ||
        Private.valueKey(base) !== Private.valueKey(row.parameters[key])
      );
    })
    .filter(key => baseline.has(key))
    .sort();
  return {
    chips: changed
      .slice(0, limit)
      .map(key => [key, formatValue(row.parameters[key] ?? null)]),
    more: Math.max(0, changed.length - limit)
  };
}

/**
 * The metric a compact row shows first: the one the rows are sorted by,
 * else the most common one (undefined when no row has a metric).
 */
export function keyMetric(
  rows: readonly IExperimentRow[],
  sortKey: FieldKey
): string | undefined {
  if (sortKey.startsWith('metric:')) {
    return sortKey.slice('metric:'.length);
  }
  return commonMetricKeys(rows, 1)[0];
}

namespace Private {
  /**
   * A parameter value as a key: 5 and "5" differ, 5 and 5.0 do not.
   */
  export function valueKey(value: ParameterValue | undefined): string {
    return value === undefined ? '' : `${typeof value}:${String(value)}`;
  }
}
