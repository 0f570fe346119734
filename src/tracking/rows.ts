import { IExperimentRow } from './list';

/**
 * Pure filter and sort of the Experiments panel's rows.
 */

/**
 * How the panel sorts: newest first by default, or by name, or by a metric
 * (`metric:<key>`, highest first; rows without it last).
 */
export type SortKey = 'created' | 'name' | `metric:${string}`;

/**
 * Rows matching a query: every word must appear in the name, a tag, the
 * notebook path, or a `key=value` of the parameters and metrics; `is:starred`
 * keeps starred rows; `tag:x` needs the tag. Case-insensitive.
 */
export function filterRows(
  rows: readonly IExperimentRow[],
  query: string
): IExperimentRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 20);
  if (words.length === 0) {
    return [...rows];
  }
  return rows.filter(row => {
    const haystack = [
      row.name,
      row.notebookPath,
      ...row.tags,
      ...Object.entries(row.parameters).map(([k, v]) => `${k}=${v}`),
      ...Object.entries(row.metrics).map(([k, v]) => `${k}=${v}`)
    ]
      .join('\n')
      .toLowerCase();
    return words.every(word => {
      if (word === 'is:starred') {
        return row.starred;
      }
      if (word.startsWith('tag:')) {
        return row.tags.some(tag => tag.toLowerCase() === word.slice(4));
      }
      return haystack.includes(word);
    });
  });
}

/**
 * Rows sorted by a key; ties keep the newest first.
 */
export function sortRows(
  rows: readonly IExperimentRow[],
  key: SortKey
): IExperimentRow[] {
  const newest = (a: IExperimentRow, b: IExperimentRow) =>
    a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  const sorted = [...rows];
  if (key === 'created') {
    return sorted.sort(newest);
  }
  if (key === 'name') {
    return sorted.sort((a, b) => a.name.localeCompare(b.name) || newest(a, b));
  }
  const metric = key.slice('metric:'.length);
  return sorted.sort((a, b) => {
    const x = a.metrics[metric];
    const y = b.metrics[metric];
    if (x === undefined || y === undefined) {
      return x === undefined && y === undefined
        ? newest(a, b)
        : x === undefined
          ? 1
          : -1;
    }
    return y - x || newest(a, b);
  });
}

/**
 * The metric keys present in the rows, sorted (for the sort menu).
 */
export function metricKeysOf(rows: readonly IExperimentRow[]): string[] {
  return [...new Set(rows.flatMap(row => Object.keys(row.metrics)))].sort();
}
