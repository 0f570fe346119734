import { newestFirst } from '../../util/ids';

/**
 * The question users ask after every run: how does this run compare with
 * the last one, and with the best? Pure functions over the panel's rows
 * (any object with an id, a notebook slug and metrics) and the compared
 * experiments' metrics: which experiment is the baseline, which way each
 * metric is better, the deltas against the baseline and the best value of
 * each metric. DOM-free.
 */

/**
 * Which way a metric is better.
 */
export type MetricDirection = 'higher' | 'lower';

/**
 * What the baseline functions need of an experiment.
 */
export interface IBaselineRow {
  id: string;
  slug: string;
  metrics: Record<string, number>;
  broken?: unknown;
}

// Names of metrics where less is better, as whole words of the name
// (`val_loss`, `rmse`, `training_time_s`, `error_rate`).
const LOWER_IS_BETTER =
  /(?:^|[^a-z])(loss|error|err|mse|rmse|mae|mape|smape|logloss|log_loss|perplexity|time|seconds|latency|duration|cost|regret|fpr|fnr|wer|cer)(?:$|[^a-z])/;

/**
 * Which way a metric is better: the setting for its name if there is one,
 * else `lower` for names of losses, errors and times, else `higher`.
 */
export function metricDirection(
  name: string,
  settings: Readonly<Record<string, MetricDirection>> = {}
): MetricDirection {
  if (Object.hasOwn(settings, name)) {
    return settings[name];
  }
  return LOWER_IS_BETTER.test(name.toLowerCase()) ? 'lower' : 'higher';
}

/**
 * The experiment of the same notebook made just before `ref`'s (ULIDs
 * sort by time), or null when it is the first. Broken rows are skipped.
 */
export function previousExperiment<T extends IBaselineRow>(
  rows: readonly T[],
  of: T
): T | null {
  const older = rows
    .filter(row => row.slug === of.slug && row.id < of.id && !row.broken)
    .sort(newestFirst);
  return older[0] ?? null;
}

/**
 * The key metric of a set of experiments: the first of `preferred` that
 * any of them has, else the metric most of them have (ties by name).
 */
export function keyMetric(
  rows: readonly IBaselineRow[],
  preferred: readonly string[] = []
): string | null {
  const counts = new Map<string, number>();
  for (const row of rows) {
    for (const name of Object.keys(row.metrics)) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  const wanted = preferred.find(name => counts.has(name));
  if (wanted !== undefined) {
    return wanted;
  }
  let best: string | null = null;
  for (const [name, count] of counts) {
    const current = best === null ? 0 : (counts.get(best) ?? 0);
    if (
      count > current ||
      (count === current && best !== null && name < best)
    ) {
      best = name;
    }
  }
  return best;
}

/**
 * The best experiment of `of`'s notebook by `metric` (its direction from
 * `metricDirection`), other than `of`; null when no other has the metric.
 * Ties go to the older experiment (the one that got there first).
 */
export function bestExperiment<T extends IBaselineRow>(
  rows: readonly T[],
  of: T,
  metric: string,
  direction: MetricDirection
): T | null {
  let best: T | null = null;
  for (const row of rows) {
    const value = Private.metric(row, metric);
    if (
      row.slug !== of.slug ||
      row.id === of.id ||
      row.broken ||
      value === null
    ) {
      continue;
    }
    const current = best === null ? null : Private.metric(best, metric);
    if (
      current === null ||
      Private.better(value, current, direction) ||
      (value === current && best !== null && row.id < best.id)
    ) {
      best = row;
    }
  }
  return best;
}

/**
 * One metric of one experiment against the baseline's.
 */
export interface IMetricDelta {
  /** The value minus the baseline's; null when either is missing. */
  absolute: number | null;
  /** The change relative to the baseline's magnitude (0.05 = 5 %); null
   * when either is missing or the baseline is 0. */
  relative: number | null;
  /** Whether the change goes the metric's good way, the bad way, or none. */
  verdict: 'better' | 'worse' | 'same' | null;
}

/**
 * The delta of `value` against `baseline` for a metric of `direction`.
 */
export function metricDelta(
  value: number | null,
  baseline: number | null,
  direction: MetricDirection
): IMetricDelta {
  if (
    value === null ||
    baseline === null ||
    !Number.isFinite(value) ||
    !Number.isFinite(baseline)
  ) {
    return { absolute: null, relative: null, verdict: null };
  }
  const absolute = value - baseline;
  return {
    absolute,
    relative: baseline === 0 ? null : absolute / Math.abs(baseline),
    verdict:
      absolute === 0
        ? 'same'
        : Private.better(value, baseline, direction)
          ? 'better'
          : 'worse'
  };
}

/**
 * The columns holding the best value of a metric across the compared
 * experiments (several on a tie); empty when fewer than two have it.
 */
export function bestColumns(
  values: readonly (number | null)[],
  direction: MetricDirection
): number[] {
  const finite = values
    .map((value, column) => ({ value, column }))
    .filter(
      (entry): entry is { value: number; column: number } =>
        entry.value !== null && Number.isFinite(entry.value)
    );
  if (finite.length < 2) {
    return [];
  }
  const best = finite.reduce((a, b) =>
    Private.better(b.value, a.value, direction) ? b : a
  ).value;
  return finite.filter(entry => entry.value === best).map(e => e.column);
}

namespace Private {
  export function better(
    a: number,
    b: number,
    direction: MetricDirection
  ): boolean {
    return direction === 'higher' ? a > b : a < b;
  }

  export function metric(row: IBaselineRow, name: string): number | null {
    const value: unknown = Object.getOwnPropertyDescriptor(
      row.metrics,
      name
    )?.value;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
}

/**
 * One metric across compared experiments, against a baseline column.
 */
export interface IMetricComparison {
  key: string;
  direction: MetricDirection;
  /** One value per experiment (null where absent). */
  values: (number | null)[];
  /** One delta per experiment; null in the baseline's own column. */
  deltas: (IMetricDelta | null)[];
  /** The columns holding the best value. */
  best: number[];
}

/**
 * The metrics of a comparison (one series of values per metric, a value
 * per column) against the baseline column, with directions from the
 * settings or the metric's name.
 */
export function compareMetrics(
  series: readonly { key: string; values: readonly (number | null)[] }[],
  baseline: number,
  settings: Readonly<Record<string, MetricDirection>> = {}
): IMetricComparison[] {
  return series.map(({ key, values }) => {
    const direction = metricDirection(key, settings);
    const base = values[baseline] ?? null;
    return {
      key,
      direction,
      values: [...values],
      deltas: values.map((value, column) =>
        column === baseline ? null : metricDelta(value, base, direction)
      ),
      best: bestColumns(values, direction)
    };
  });
}
