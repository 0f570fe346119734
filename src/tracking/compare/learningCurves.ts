import type { Manifest } from '../store/manifest';

/**
 * Learning curves: the step-wise series of each metric (`metricSeries` of
 * the manifests, from `log_metrics(step=…)`) of several experiments on
 * one x axis, as uPlot draws them. Pure, DOM-free.
 */

/**
 * One metric's curves across the compared experiments.
 */
export interface ILearningCurve {
  /** The metric's name. */
  key: string;
  /** Every step any experiment logged, ascending: uPlot's x values. */
  steps: readonly number[];
  /**
   * One series per experiment (in the order given), aligned with `steps`;
   * null where that experiment has no point at that step.
   */
  values: readonly (readonly (number | null)[])[];
  /** How many points each experiment has (0: no curve for it). */
  counts: readonly number[];
}

/**
 * The curves of every metric that has a series in at least one of the
 * experiments, sorted by name. A result is kept per list of manifests (they
 * are read-only), so a re-render gets the same objects back.
 */
export function learningCurves(
  manifests: readonly Manifest[]
): readonly ILearningCurve[] {
  let curves = Private.cache.get(manifests);
  if (!curves) {
    curves = Private.build(manifests);
    Private.cache.set(manifests, curves);
  }
  return curves;
}

namespace Private {
  export const cache = new WeakMap<
    readonly Manifest[],
    readonly ILearningCurve[]
  >();

  export function build(manifests: readonly Manifest[]): ILearningCurve[] {
    const keys = new Set<string>();
    for (const manifest of manifests) {
      Object.keys(manifest.metricSeries ?? {}).forEach(key => keys.add(key));
    }
    return [...keys].sort().map(key => {
      // Own properties only: `constructor` must not read the prototype.
      const series = manifests.map(manifest =>
        manifest.metricSeries && Object.hasOwn(manifest.metricSeries, key)
          ? manifest.metricSeries[key]
          : []
      );
      const steps = [
        ...new Set(series.flatMap(points => points.map(([step]) => step)))
      ].sort((a, b) => a - b);
      const column = new Map(steps.map((step, i) => [step, i]));
      const values = series.map(points => {
        const row: (number | null)[] = new Array(steps.length).fill(null);
        for (const [step, value] of points) {
          row[column.get(step) ?? 0] = value;
        }
        return row;
      });
      return { key, steps, values, counts: series.map(p => p.length) };
    });
  }
}
