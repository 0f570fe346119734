import { Manifest } from '../store/manifest';

/**
 * Side-by-side comparison of experiments as plain data: one row per
 * parameter, metric, data file, runtime field and package, one column per
 * experiment.
 */

/**
 * One row of a comparison.
 */
export interface ICompareRow {
  section: 'parameter' | 'metric' | 'data' | 'environment' | 'package';
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
    [
      'environment',
      m => ({
        python: m.environment.python,
        platform: m.environment.platform,
        kernel: m.notebook.kernelName
      })
    ],
    ['package', m => m.environment.packages]
  ];
  const rows: ICompareRow[] = [];
  for (const [section, pick] of sections) {
    const maps = manifests.map(pick);
    const keys = [...new Set(maps.flatMap(map => Object.keys(map)))].sort();
    for (const key of keys) {
      // Own properties only: a parameter named `constructor` or
      // `toString` must not read Object.prototype where it is absent.
      const values = maps.map(map => Private.own(map, key));
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

/**
 * One metric across the experiments, for the plots: a value per experiment
 * (null where absent or not a finite number), keys sorted.
 */
export interface IMetricSeries {
  key: string;
  values: (number | null)[];
  differs: boolean;
}

/**
 * The metrics of experiments given oldest first, one series per key.
 */
export function metricSeries(
  manifests: readonly Manifest[],
  options: { onlyDifferences?: boolean } = {}
): IMetricSeries[] {
  return compareExperiments(manifests, options)
    .filter(row => row.section === 'metric')
    .map(row => ({
      key: row.key,
      values: row.values.map(value =>
        typeof value === 'number' && Number.isFinite(value) ? value : null
      ),
      differs: row.differs
    }));
}

namespace Private {
  /**
   * The own property `key` of a record, or null.
   */
  export function own(
    map: Record<string, string | number | boolean | null>,
    key: string
  ): string | number | boolean | null {
    const value: unknown = Object.getOwnPropertyDescriptor(map, key)?.value;
    return typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
      ? value
      : null;
  }

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
