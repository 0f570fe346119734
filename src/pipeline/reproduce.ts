/**
 * The reproducibility check: a pipeline run's metrics against the metrics
 * of the notebook's snapshot, each within a tolerance. Pure.
 */

/** One metric the run and the snapshot both have. */
export interface IMetricCheck {
  name: string;
  expected: number;
  got: number;
  /** Whether |got − expected| ≤ tolerance (absolute or relative). */
  ok: boolean;
}

/** The outcome of a check. */
export interface IReproduction {
  /**
   * `reproduced`: every compared metric within tolerance; `drifted`: one or
   * more outside; `unknown`: nothing to compare (no snapshot, no shared
   * metric, or the run has no metrics).
   */
  state: 'reproduced' | 'drifted' | 'unknown';
  checks: IMetricCheck[];
  /** Metrics the snapshot has and the run does not. */
  missing: string[];
  tolerance: number;
}

/**
 * Compare a run's metrics with a snapshot's. A metric is within the
 * tolerance when the absolute difference is at most `tolerance`, or at most
 * `tolerance` times the expected value's magnitude (so one setting fits
 * accuracies near 1 and losses in the thousands). Non-finite values and
 * non-numbers are not compared.
 */
export function checkReproduction(
  run: Readonly<Record<string, unknown>>,
  snapshot: Readonly<Record<string, unknown>> | null,
  tolerance: number
): IReproduction {
  const limit = Number.isFinite(tolerance) && tolerance >= 0 ? tolerance : 0;
  const checks: IMetricCheck[] = [];
  const missing: string[] = [];
  const finite = (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value);
  for (const [name, expected] of Object.entries(snapshot ?? {}).sort(
    ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)
  )) {
    if (!finite(expected)) {
      continue;
    }
    const got = run[name];
    if (!finite(got)) {
      missing.push(name);
      continue;
    }
    const difference = Math.abs(got - expected);
    const ok = difference <= limit || difference <= limit * Math.abs(expected);
    checks.push({ name, expected, got, ok });
  }
  const state =
    checks.length === 0
      ? 'unknown'
      : checks.every(check => check.ok)
        ? 'reproduced'
        : 'drifted';
  return { state, checks, missing, tolerance: limit };
}

/**
 * The check in words: "reproduced (accuracy, f1_macro)", "drifted
 * (accuracy 0.956 → 0.921)".
 */
export function describeReproduction(result: IReproduction): string {
  if (result.state === 'unknown') {
    return 'not checked: no snapshot metric to compare';
  }
  if (result.state === 'reproduced') {
    return `reproduced (${result.checks.map(check => check.name).join(', ')})`;
  }
  const drifts = result.checks
    .filter(check => !check.ok)
    .map(
      check =>
        `${check.name} ${formatMetric(check.expected)} → ${formatMetric(check.got)}`
    );
  return `drifted (${drifts.join(', ')})`;
}

/** A metric with at most 4 significant decimals. */
export function formatMetric(value: number): string {
  if (Number.isInteger(value)) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  return magnitude >= 1000 || magnitude < 1e-3
    ? value.toPrecision(4)
    : String(Number(value.toFixed(magnitude < 1 ? 4 : 3)));
}
