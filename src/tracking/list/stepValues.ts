import { IExperimentRow } from './row';

/**
 * Which value of a step-wise metric (logged with `log_metrics(step=…)`)
 * the experiments list shows, sorts and filters by: the last one logged
 * (the manifest's `metrics`), or the best of the run. DOM-free.
 */
export type StepValue = 'last' | 'best';

/**
 * The rows as shown for `mode`: for `best`, each step-wise metric holds its
 * best value (the highest, or the lowest where `direction` says lower is
 * better) instead of its last; other rows, and every row for `last`, are
 * the same objects.
 */
export function withStepValues(
  rows: readonly IExperimentRow[],
  mode: StepValue,
  direction: (key: string) => 'higher' | 'lower'
): readonly IExperimentRow[] {
  if (mode === 'last') {
    return rows;
  }
  return rows.map(row => {
    const ranges = row.series;
    if (!ranges) {
      return row;
    }
    const metrics = { ...row.metrics };
    for (const [key, range] of Object.entries(ranges)) {
      metrics[key] = direction(key) === 'lower' ? range.min : range.max;
    }
    return { ...row, metrics };
  });
}
