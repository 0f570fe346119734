import { keyMetric } from './baseline';

/**
 * The data of the Compare tab's parameter plots, as plain values: a
 * scatter of one parameter against one metric, and parallel coordinates
 * over the numeric parameters and metrics that differ. Values from a
 * manifest may be anything a hand-edited store holds (NaN, strings,
 * booleans, null, keys like `__proto__`): they are read as own
 * properties, and a value that is not a finite number is either a
 * category (scatter x) or left out, never thrown on. DOM-free.
 */

/**
 * At most this many experiments are plotted (the first ones).
 */
export const MAX_PLOT_EXPERIMENTS = 1000;

/**
 * At most this many axes in the parallel coordinates.
 */
export const MAX_PARALLEL_AXES = 12;

/**
 * What the plots read of an experiment (a manifest has these fields).
 */
export interface IPlotExperiment {
  parameters: Readonly<Record<string, unknown>>;
  metrics: Readonly<Record<string, unknown>>;
  user: { name: string };
}

/**
 * The names a scatter can use, and the default pair.
 */
export interface IPlotChoices {
  /** Parameter names, sorted. */
  parameters: string[];
  /** Metric names with at least one finite value, sorted. */
  metrics: string[];
  /** The first numeric parameter that differs (else the first that differs, else the first), or null. */
  parameter: string | null;
  /** The key metric, or null. */
  metric: string | null;
}

/**
 * One experiment's point in the scatter.
 */
export interface IScatterPoint {
  /** The experiment's position in the given list. */
  index: number;
  name: string;
  /** The x position: the value, or the index of its category. */
  x: number;
  y: number;
  /** The parameter's value as text. */
  label: string;
}

/**
 * A scatter of a parameter (x) against a metric (y).
 */
export interface IScatterData {
  parameter: string;
  metric: string;
  /** Sorted by x, then by experiment. */
  points: IScatterPoint[];
  /** The x axis's labels when a value is not a number (x = their index), else null. */
  categories: string[] | null;
  /** How many experiments have no value of the parameter or no finite metric. */
  omitted: number;
}

/**
 * One axis of the parallel coordinates.
 */
export interface IParallelAxis {
  kind: 'parameter' | 'metric';
  key: string;
  min: number;
  max: number;
}

/**
 * Parallel coordinates: each experiment's values scaled to 0..1 per axis.
 */
export interface IParallelData {
  axes: IParallelAxis[];
  /** One line per experiment: a value in 0..1 per axis, null where absent. */
  lines: { index: number; name: string; values: (number | null)[] }[];
  /** Numeric axes that differ but did not fit in `MAX_PARALLEL_AXES`. */
  omittedAxes: number;
}

/**
 * The parameters and metrics a scatter can pick from, and the defaults.
 */
export function plotChoices(
  experiments: readonly IPlotExperiment[]
): IPlotChoices {
  const runs = Private.bounded(experiments);
  const parameters = Private.keys(runs.map(run => run.parameters));
  const metrics = Private.keys(runs.map(run => run.metrics)).filter(key =>
    runs.some(run => Private.finite(Private.own(run.metrics, key)))
  );
  const differs = (key: string) =>
    new Set(runs.map(run => Private.label(Private.own(run.parameters, key))))
      .size > 1;
  const numeric = (key: string) =>
    Private.numericKey(
      runs.map(run => run.parameters),
      key
    );
  const parameter =
    parameters.find(key => numeric(key) && differs(key)) ??
    parameters.find(differs) ??
    parameters[0] ??
    null;
  const rows = runs.map((run, i) => ({
    id: String(i),
    slug: '',
    metrics: Object.fromEntries(
      metrics
        .filter(key => Private.finite(Private.own(run.metrics, key)))
        .map(key => [key, Private.own(run.metrics, key) as number])
    )
  }));
  return { parameters, metrics, parameter, metric: keyMetric(rows) };
}

/**
 * The scatter of `parameter` against `metric`: numbers on a numeric x
 * axis; if any value is not a finite number (a string, a boolean, None),
 * every value goes on a categorical axis (the sorted distinct values as
 * text). Experiments without the parameter or a finite metric are left
 * out and counted.
 */
export function scatterData(
  experiments: readonly IPlotExperiment[],
  parameter: string,
  metric: string
): IScatterData {
  const runs = Private.bounded(experiments);
  const present = runs
    .map((run, index) => ({
      index,
      name: String(run.user.name),
      value: Private.own(run.parameters, parameter),
      has: Object.hasOwn(run.parameters, parameter),
      y: Private.own(run.metrics, metric)
    }))
    .filter(run => run.has && Private.finite(run.y));
  const numeric = present.every(run => Private.finite(run.value));
  const categories = numeric
    ? null
    : [...new Set(present.map(run => Private.label(run.value)))].sort(
        Private.compare
      );
  const points = present.map(run => ({
    index: run.index,
    name: run.name,
    x: categories
      ? categories.indexOf(Private.label(run.value))
      : (run.value as number),
    y: run.y as number,
    label: Private.label(run.value)
  }));
  points.sort((a, b) => a.x - b.x || a.index - b.index);
  return {
    parameter,
    metric,
    points,
    categories,
    omitted: runs.length - points.length
  };
}

/**
 * Parallel coordinates over the numeric parameters, then the metrics,
 * whose finite values differ (names sorted), at most `MAX_PARALLEL_AXES`.
 * A parameter is numeric when every value it has is a finite number.
 */
export function parallelData(
  experiments: readonly IPlotExperiment[]
): IParallelData {
  const runs = Private.bounded(experiments);
  const candidates: IParallelAxis[] = [];
  for (const kind of ['parameter', 'metric'] as const) {
    const maps = runs.map(run =>
      kind === 'parameter' ? run.parameters : run.metrics
    );
    for (const key of Private.keys(maps)) {
      if (kind === 'parameter' && !Private.numericKey(maps, key)) {
        continue;
      }
      const values = maps
        .map(map => Private.own(map, key))
        .filter(Private.finite);
      const min = Math.min(...values);
      const max = Math.max(...values);
      if (values.length > 0 && max > min) {
        candidates.push({ kind, key, min, max });
      }
    }
  }
  const axes = candidates.slice(0, MAX_PARALLEL_AXES);
  const lines = runs.map((run, index) => ({
    index,
    name: String(run.user.name),
    values: axes.map(axis => {
      const value = Private.own(
        axis.kind === 'parameter' ? run.parameters : run.metrics,
        axis.key
      );
      return Private.finite(value)
        ? (value - axis.min) / (axis.max - axis.min)
        : null;
    })
  }));
  return { axes, lines, omittedAxes: candidates.length - axes.length };
}

namespace Private {
  export function bounded(
    experiments: readonly IPlotExperiment[]
  ): readonly IPlotExperiment[] {
    return experiments.slice(0, MAX_PLOT_EXPERIMENTS);
  }

  /**
   * An own property (never one of Object.prototype's).
   */
  export function own(map: Readonly<Record<string, unknown>>, key: string) {
    return Object.hasOwn(map, key) ? map[key] : undefined;
  }

  export function finite(value: unknown): value is number {
    return typeof value === 'number' && Number.isFinite(value);
  }

  export function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /**
   * The sorted distinct keys of some records.
   */
  export function keys(maps: readonly Readonly<Record<string, unknown>>[]) {
    const all = new Set<string>();
    for (const map of maps) {
      for (const key of Object.keys(map)) {
        all.add(key);
      }
    }
    return [...all].sort(compare);
  }

  /**
   * Whether every value of `key` (where present) is a finite number, and one is.
   */
  export function numericKey(
    maps: readonly Readonly<Record<string, unknown>>[],
    key: string
  ): boolean {
    const values = maps
      .filter(map => Object.hasOwn(map, key))
      .map(map => map[key]);
    return values.length > 0 && values.every(finite);
  }

  /**
   * A parameter value as text, as Python wrote it.
   */
  export function label(value: unknown): string {
    if (value === null || value === undefined) {
      return 'None';
    }
    if (typeof value === 'boolean') {
      return value ? 'True' : 'False';
    }
    if (typeof value === 'number') {
      return String(value);
    }
    if (typeof value === 'string') {
      return value;
    }
    try {
      return JSON.stringify(value) ?? '?';
    } catch {
      return '?';
    }
  }
}
