import { describe, expect, it } from 'vitest';

import {
  METRICS_MIME,
  metricsFromOutputs,
  readCells
} from '../../src/notebook/cells';
import {
  MAX_SERIES_METRICS,
  MAX_SERIES_POINTS,
  MAX_SERIES_TOTAL,
  metricSeriesFromOutputs
} from '../../src/notebook/metricSeries';

/** An output of `log_metrics(step=step, **values)`, as nbformat has it. */
function stepped(step: unknown, values: Record<string, unknown>) {
  return {
    output_type: 'display_data',
    data: { [METRICS_MIME]: values, 'text/plain': 'metrics' },
    metadata: { [METRICS_MIME]: { step } }
  };
}

function notebook(...outputs: unknown[][]) {
  return readCells({
    cells: outputs.map(list => ({
      cell_type: 'code',
      source: '',
      metadata: {},
      outputs: list,
      execution_count: 1
    }))
  });
}

describe('metricSeriesFromOutputs()', () => {
  it('should read one series per metric, sorted by step, the last output as the metric', () => {
    const cells = notebook(
      [stepped(2, { loss: 0.3, acc: 0.8 }), stepped(0, { loss: 0.9 })],
      [
        stepped(1, { loss: 0.5, acc: 0.7 }),
        // Without a step: a metric, not a point.
        { output_type: 'display_data', data: { [METRICS_MIME]: { f1: 1 } } }
      ]
    );
    expect(metricSeriesFromOutputs(cells)).toEqual({
      loss: [
        { step: 0, value: 0.9 },
        { step: 1, value: 0.5 },
        { step: 2, value: 0.3 }
      ],
      acc: [
        { step: 1, value: 0.7 },
        { step: 2, value: 0.8 }
      ]
    });
    // The scalar metric is still the last output's value, as before.
    expect(metricsFromOutputs(cells)).toEqual({ loss: 0.5, acc: 0.7, f1: 1 });
  });

  it('should let a later output for the same step win', () => {
    const cells = notebook(
      [stepped(3, { loss: 1 })],
      [stepped(3, { loss: 2 }), stepped(3, { loss: 4 })]
    );
    expect(metricSeriesFromOutputs(cells)).toEqual({
      loss: [{ step: 3, value: 4 }]
    });
  });

  it('should read nothing from a notebook without stepped outputs', () => {
    expect(metricSeriesFromOutputs(notebook([], []))).toEqual({});
    expect(metricSeriesFromOutputs(readCells('not a notebook'))).toEqual({});
  });

  it.each([
    ['a negative step', -1],
    ['a fractional step', 1.5],
    ['a string step', '3'],
    ['a null step', null],
    ['an unsafe step', Number.MAX_SAFE_INTEGER + 2],
    ['an infinite step', Infinity]
  ])('should skip an output with %s', (_, step) => {
    const cells = notebook([stepped(step, { loss: 1 }), stepped(5, { a: 1 })]);
    expect(metricSeriesFromOutputs(cells)).toEqual({
      a: [{ step: 5, value: 1 }]
    });
  });

  it('should skip hostile outputs and values without throwing', () => {
    const hostile: unknown[] = [
      null,
      42,
      'text',
      [],
      { data: null, metadata: null },
      { data: { [METRICS_MIME]: [1, 2] }, metadata: { [METRICS_MIME]: 1 } },
      { data: { [METRICS_MIME]: 'x' }, metadata: { [METRICS_MIME]: {} } },
      { data: { [METRICS_MIME]: { a: 1 } }, metadata: { step: 1 } },
      stepped(1, {
        nan: NaN,
        inf: Infinity,
        str: '0.5',
        obj: { a: 1 },
        bool: true,
        ['x'.repeat(201)]: 1
      }),
      stepped(1, JSON.parse('{"__proto__": 0.5, "constructor": 0.25}'))
    ];
    const cells = notebook(hostile);
    const series = metricSeriesFromOutputs(cells);
    // zod's record drops `__proto__` (as for the scalar metrics): it never
    // becomes the result's prototype; `constructor` is an ordinary name.
    expect(Object.keys(series)).toEqual(['constructor']);
    expect(Object.getPrototypeOf(series)).toBe(Object.prototype);
    expect(series.constructor).toEqual([{ step: 1, value: 0.25 }]);
    expect(Object.keys(metricsFromOutputs(cells)).sort()).toEqual([
      'a',
      'constructor'
    ]);
  });

  it('should keep only the first metrics logged', () => {
    const values = Object.fromEntries(
      Array.from({ length: MAX_SERIES_METRICS + 20 }, (_, i) => [`m${i}`, i])
    );
    const series = metricSeriesFromOutputs(
      notebook([stepped(0, values), stepped(1, { late: 1, m0: 5 })])
    );
    expect(Object.keys(series)).toHaveLength(MAX_SERIES_METRICS);
    expect(series.m99).toEqual([{ step: 0, value: 99 }]);
    expect(series.m100).toBeUndefined();
    expect(series.late).toBeUndefined();
    // A kept metric still gets later points.
    expect(series.m0).toEqual([
      { step: 0, value: 0 },
      { step: 1, value: 5 }
    ]);
  });

  it('should thin a series longer than the limit, keeping its ends', () => {
    const count = MAX_SERIES_POINTS * 3 + 7;
    const outputs = Array.from({ length: count }, (_, i) =>
      // Logged newest first: the order of the outputs is not the steps'.
      stepped(count - 1 - i, { loss: count - 1 - i })
    );
    const [loss] = Object.values(metricSeriesFromOutputs(notebook(outputs)));
    expect(loss).toHaveLength(MAX_SERIES_POINTS);
    expect(loss[0]).toEqual({ step: 0, value: 0 });
    expect(loss[loss.length - 1]).toEqual({
      step: count - 1,
      value: count - 1
    });
    const steps = loss.map(point => point.step);
    expect(steps.every((step, i) => i === 0 || step > steps[i - 1])).toBe(true);
    // Evenly spread: no gap much wider than the average one.
    const gaps = steps.slice(1).map((step, i) => step - steps[i]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(4);
    expect(loss.every(point => point.value === point.step)).toBe(true);
  });

  it('should keep all series together under the total bound', () => {
    const points = 2000;
    const metrics = 80;
    const outputs = Array.from({ length: points }, (_, step) =>
      stepped(
        step,
        Object.fromEntries(
          Array.from({ length: metrics }, (_, i) => [`m${i}`, step])
        )
      )
    );
    const series = metricSeriesFromOutputs(notebook(outputs));
    const lengths = Object.values(series).map(s => s.length);
    expect(lengths).toHaveLength(metrics);
    expect(lengths.every(n => n === MAX_SERIES_TOTAL / metrics)).toBe(true);
    expect(series.m5[series.m5.length - 1]).toEqual({
      step: points - 1,
      value: points - 1
    });
  });
});
