import { z } from 'zod';

import { INotebookCell, METRICS_MIME } from './cells';

/**
 * Step-wise metrics: `log_metrics(step=n, loss=…)` (jupyterlab_mlops
 * metrics.py) displays the values in the output's data under
 * `METRICS_MIME` and the step in its metadata under the same MIME type.
 * Read here into one series per metric. Pure, DOM-free; untrusted input.
 */

/**
 * The most metrics with a series a snapshot keeps (the first ones logged).
 */
export const MAX_SERIES_METRICS = 100;

/**
 * The most points of one metric's series.
 */
export const MAX_SERIES_POINTS = 10_000;

/**
 * The most points of all series together (about 2 MB of manifest), so that
 * 100 long series do not make every listing of the store slow.
 */
export const MAX_SERIES_TOTAL = 100_000;

/**
 * One point of a metric's series.
 */
export interface IMetricPoint {
  step: number;
  value: number;
}

/**
 * The series of every metric logged with a step, each sorted by step; a
 * later output for the same step wins. Bounded: the first
 * `MAX_SERIES_METRICS` metrics logged, and at most `MAX_SERIES_POINTS`
 * points each (fewer when many metrics would pass `MAX_SERIES_TOTAL`): a
 * longer series is thinned evenly, keeping its first and last points.
 * Steps are non-negative safe integers, values finite numbers, names at
 * most 200 characters; anything else is skipped.
 */
export function metricSeriesFromOutputs(
  cells: readonly INotebookCell[]
): Record<string, IMetricPoint[]> {
  const series = new Map<string, Map<number, number>>();
  for (const cell of cells) {
    for (const output of cell.outputs) {
      const parsed = Private.steppedOutput.safeParse(output);
      if (!parsed.success) {
        continue;
      }
      const step = parsed.data.metadata[METRICS_MIME].step;
      for (const [key, value] of Object.entries(
        parsed.data.data[METRICS_MIME]
      )) {
        if (
          typeof value !== 'number' ||
          !Number.isFinite(value) ||
          key.length > 200
        ) {
          continue;
        }
        let points = series.get(key);
        if (!points) {
          if (series.size >= MAX_SERIES_METRICS) {
            continue;
          }
          points = new Map();
          series.set(key, points);
        }
        // Re-inserted, so a map's order is not the steps' (sorted below).
        points.set(step, value);
      }
    }
  }
  const limit = Math.min(
    MAX_SERIES_POINTS,
    Math.floor(MAX_SERIES_TOTAL / Math.max(1, series.size))
  );
  // fromEntries defines own properties: `__proto__` stays a metric name.
  return Object.fromEntries(
    [...series].map(([key, points]) => [
      key,
      Private.thin(
        [...points]
          .sort(([a], [b]) => a - b)
          .map(([step, value]) => ({ step, value })),
        limit
      )
    ])
  );
}

namespace Private {
  /**
   * An output of `log_metrics(step=…)`: metrics in its data, a step in its
   * metadata.
   */
  export const steppedOutput = z.object({
    data: z.object({
      [METRICS_MIME]: z.record(z.string(), z.unknown())
    }),
    metadata: z.object({
      [METRICS_MIME]: z.object({
        step: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
      })
    })
  });

  /**
   * At most `limit` (2 or more) points, evenly spread, the first and last
   * kept.
   */
  export function thin<T>(points: T[], limit: number): T[] {
    if (points.length <= limit) {
      return points;
    }
    const last = points.length - 1;
    return Array.from(
      { length: limit },
      (_, i) => points[Math.round((i * last) / (limit - 1))]
    );
  }
}
