import { IExperimentRow } from './row';
import { ParameterValue } from '../../notebook/parameters';
import { formatNumber } from '../../util/format';
import { newestFirst } from '../../util/ids';

/**
 * Pure filter, sort and column logic of the Experiments panel's rows.
 */

/**
 * A column or sort field: the date, name, star, tags or notebook, or a
 * parameter (`param:<key>`) or metric (`metric:<key>`).
 */
export type FieldKey =
  | 'created'
  | 'name'
  | 'starred'
  | 'tags'
  | 'notebook'
  | 'author'
  | `param:${string}`
  | `metric:${string}`;

/**
 * How the panel sorts: a field, and whether descending.
 */
export interface ISort {
  key: FieldKey;
  descending: boolean;
}

/**
 * The direction a field sorts in when first chosen: newest, starred and
 * best metric first; names, tags, notebooks and parameters A to Z.
 */
export function defaultDescending(key: FieldKey): boolean {
  return key === 'created' || key === 'starred' || key.startsWith('metric:');
}

/**
 * Whether a string names a field (settings and stored state are checked
 * with this before use).
 */
export function isFieldKey(value: unknown): value is FieldKey {
  return (
    typeof value === 'string' &&
    (['created', 'name', 'starred', 'tags', 'notebook', 'author'].includes(
      value
    ) ||
      /^(param|metric):.{1,200}$/.test(value))
  );
}

/**
 * The value of a field in a row (undefined when the row has none).
 */
export function fieldValue(
  row: IExperimentRow,
  key: FieldKey
): ParameterValue | undefined {
  switch (key) {
    case 'created':
      return row.createdAt || undefined;
    case 'name':
      return row.name;
    case 'starred':
      return row.starred;
    case 'tags':
      return row.tags.length > 0 ? row.tags.join(', ') : undefined;
    case 'notebook':
      return row.notebookPath || undefined;
    case 'author':
      return row.author || undefined;
  }
  if (key.startsWith('param:')) {
    return Private.own(row.parameters, key.slice('param:'.length));
  }
  return Private.own(row.metrics, key.slice('metric:'.length));
}

/**
 * Rows sorted by a field; rows without it go last whatever the direction,
 * ties keep the newest first. The input is not changed.
 */
export function sortRows(
  rows: readonly IExperimentRow[],
  sort: ISort | FieldKey
): IExperimentRow[] {
  const { key, descending } =
    typeof sort === 'string'
      ? { key: sort, descending: defaultDescending(sort) }
      : sort;
  if (key === 'created') {
    // ULIDs sort by time.
    const sorted = [...rows].sort(newestFirst);
    return descending ? sorted : sorted.reverse();
  }
  const sign = descending ? -1 : 1;
  // Values are read once: 10,000 rows sort in a few milliseconds.
  const keyed = rows.map(row => ({ row, value: fieldValue(row, key) }));
  keyed.sort((a, b) => {
    if (a.value === undefined || b.value === undefined) {
      return a.value === undefined && b.value === undefined
        ? newestFirst(a.row, b.row)
        : a.value === undefined
          ? 1
          : -1;
    }
    return sign * compareValues(a.value, b.value) || newestFirst(a.row, b.row);
  });
  return keyed.map(item => item.row);
}

/**
 * The metric keys present in the rows, sorted.
 */
export function metricKeysOf(rows: readonly IExperimentRow[]): string[] {
  return Private.keysOf(rows, row => row.metrics);
}

/**
 * The parameter keys present in the rows, sorted.
 */
export function parameterKeysOf(rows: readonly IExperimentRow[]): string[] {
  return Private.keysOf(rows, row => row.parameters);
}

/**
 * A field's value as the panel shows it: numbers to four significant
 * digits (util/format.ts), a star for true.
 */
export function formatValue(value: ParameterValue | undefined): string {
  if (value === undefined || value === null) {
    return '—';
  }
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  if (typeof value === 'boolean') {
    return value ? '★' : '';
  }
  return value;
}

/**
 * Numbers as numbers, everything else as case-insensitive text.
 */
export function compareValues(a: ParameterValue, b: ParameterValue): number {
  if (typeof a === 'number' && typeof b === 'number') {
    return a - b;
  }
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

namespace Private {
  export function own<T>(
    values: Record<string, T>,
    key: string
  ): T | undefined {
    return Object.prototype.hasOwnProperty.call(values, key)
      ? values[key]
      : undefined;
  }

  export function keysOf(
    rows: readonly IExperimentRow[],
    pick: (row: IExperimentRow) => Record<string, unknown>
  ): string[] {
    const keys = new Set<string>();
    for (const row of rows) {
      for (const key of Object.keys(pick(row))) {
        keys.add(key);
      }
    }
    return [...keys].sort();
  }
}
