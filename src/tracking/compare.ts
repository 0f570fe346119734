import { Manifest } from './manifest';

/**
 * Side-by-side comparison of experiments as plain data: one row per
 * parameter, metric, data file and package, one column per experiment.
 */

/**
 * One row of a comparison.
 */
export interface ICompareRow {
  section: 'parameter' | 'metric' | 'data' | 'package';
  key: string;
  /** One value per experiment, in column order; null where it is absent. */
  values: (string | number | boolean | null)[];
  /** Whether the values are not all equal. */
  differs: boolean;
}

/**
 * Build the comparison rows, sections in order, keys sorted within each.
 */
export function compareExperiments(
  manifests: readonly Manifest[],
  options: { onlyDifferences?: boolean } = {}
): ICompareRow[] {
  const sections: [
    ICompareRow['section'],
    (m: Manifest) => Record<string, string | number | boolean | null>
  ][] = [
    ['parameter', m => m.parameters],
    ['metric', m => m.metrics],
    [
      'data',
      m => Object.fromEntries(m.data.map(d => [d.path, d.sha256.slice(0, 12)]))
    ],
    ['package', m => m.environment.packages]
  ];
  const rows: ICompareRow[] = [];
  for (const [section, pick] of sections) {
    const maps = manifests.map(pick);
    const keys = [...new Set(maps.flatMap(map => Object.keys(map)))].sort();
    for (const key of keys) {
      const values = maps.map(map => (key in map ? map[key] : null));
      const differs = values.some(value => value !== values[0]);
      if (!options.onlyDifferences || differs) {
        rows.push({ section, key, values, differs });
      }
    }
  }
  return rows;
}

/**
 * RFC 4180 CSV of a comparison. Cells that a spreadsheet would run as a
 * formula (`=`, `+`, `-`, `@`, tab, CR at the start) are prefixed with `'`.
 */
export function comparisonCsv(
  names: readonly string[],
  rows: readonly ICompareRow[]
): string {
  const lines = [
    ['section', 'key', ...names],
    ...rows.map(row => [
      row.section,
      row.key,
      ...row.values.map(v => (v === null ? '' : String(v)))
    ])
  ];
  return (
    lines.map(cells => cells.map(Private.cell).join(',')).join('\r\n') + '\r\n'
  );
}

namespace Private {
  export function cell(value: string): string {
    // Numbers stay numbers: only text that looks like a formula is guarded.
    const guarded =
      /^[=+\-@\t\r]/.test(value) && !/^[-+]?\d/.test(value)
        ? `'${value}`
        : value;
    return /[",\r\n]/.test(guarded)
      ? `"${guarded.replace(/"/g, '""')}"`
      : guarded;
  }
}
