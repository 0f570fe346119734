import { describe, expect, it } from 'vitest';

import {
  bestColumns,
  bestExperiment,
  compareMetrics,
  IBaselineRow,
  keyMetric,
  metricDelta,
  metricDirection,
  previousExperiment
} from '../../../src/tracking/compare/baseline';

function row(
  id: string,
  metrics: Record<string, number> = {},
  over: Partial<IBaselineRow> = {}
): IBaselineRow {
  return { id, slug: 'nb-1', metrics, ...over };
}

describe('metricDirection()', () => {
  it.each([
    ['accuracy', 'higher'],
    ['f1_macro', 'higher'],
    ['roc_auc', 'higher'],
    ['precision', 'higher'],
    ['r2', 'higher'],
    ['loss', 'lower'],
    ['val_loss', 'lower'],
    ['RMSE', 'lower'],
    ['mean_absolute_error', 'lower'],
    ['error_rate', 'lower'],
    ['training_time_s', 'lower'],
    ['latency-ms', 'lower']
  ])('should guess %s is better %s', (name, direction) => {
    expect(metricDirection(name)).toBe(direction);
  });

  it('should follow the settings, own keys only', () => {
    expect(metricDirection('loss', { loss: 'higher' })).toBe('higher');
    expect(metricDirection('accuracy', { accuracy: 'lower' })).toBe('lower');
    expect(metricDirection('constructor', {})).toBe('higher');
    expect(metricDirection('toString', { loss: 'lower' })).toBe('higher');
  });
});

describe('previousExperiment()', () => {
  const rows = [
    row('01C'),
    row('01A'),
    row('01B', {}, { broken: { code: 'E_STORE_CORRUPT' } }),
    row('01D', {}, { slug: 'other' }),
    row('01E')
  ];

  it('should pick the newest older run of the same notebook, not broken', () => {
    expect(previousExperiment(rows, rows[4])?.id).toBe('01C');
    expect(previousExperiment(rows, rows[0])?.id).toBe('01A');
  });

  it('should say there is none for the first run and another notebook', () => {
    expect(previousExperiment(rows, rows[1])).toBeNull();
    expect(previousExperiment(rows, rows[3])).toBeNull();
    expect(previousExperiment([], rows[0])).toBeNull();
  });
});

describe('bestExperiment()', () => {
  const rows = [
    row('01A', { accuracy: 0.9, loss: 0.3 }),
    row('01B', { accuracy: 0.95, loss: 0.2 }),
    row('01C', { accuracy: 0.95, loss: 0.1 }),
    row('01D', { accuracy: 0.99 }, { slug: 'other' }),
    row('01E', { accuracy: 1 }, { broken: true }),
    row('01F', { accuracy: 0.5 })
  ];

  it('should pick the best other run by the metric and its direction', () => {
    expect(bestExperiment(rows, rows[5], 'accuracy', 'higher')?.id).toBe('01B');
    expect(bestExperiment(rows, rows[5], 'loss', 'lower')?.id).toBe('01C');
    expect(bestExperiment(rows, rows[1], 'accuracy', 'higher')?.id).toBe('01C');
  });

  it('should find none when no other run has the metric', () => {
    expect(bestExperiment(rows, rows[0], 'f1', 'higher')).toBeNull();
    expect(bestExperiment(rows, rows[3], 'accuracy', 'higher')).toBeNull();
  });

  it('should ignore non-numbers and inherited names', () => {
    const odd = [
      row('01A', { accuracy: Number.NaN }),
      row('01B', JSON.parse('{"accuracy": "0.99"}') as Record<string, number>),
      row('01C')
    ];
    expect(bestExperiment(odd, odd[2], 'accuracy', 'higher')).toBeNull();
    expect(bestExperiment(odd, odd[2], 'constructor', 'higher')).toBeNull();
  });
});

describe('keyMetric()', () => {
  it('should take the preferred metric when any run has it', () => {
    const rows = [row('01A', { f1: 1, acc: 1 }), row('01B', { acc: 1 })];
    expect(keyMetric(rows, ['auc', 'f1'])).toBe('f1');
    expect(keyMetric(rows)).toBe('acc');
    expect(keyMetric([row('01A', { b: 1, a: 1 })])).toBe('a');
    expect(keyMetric([row('01A')])).toBeNull();
  });
});

describe('metricDelta()', () => {
  it('should give the absolute and relative change and its verdict', () => {
    expect(metricDelta(0.95, 0.9, 'higher')).toEqual({
      absolute: expect.closeTo(0.05, 10),
      relative: expect.closeTo(0.0556, 3),
      verdict: 'better'
    });
    expect(metricDelta(0.3, 0.2, 'lower')).toMatchObject({ verdict: 'worse' });
    expect(metricDelta(-2, -4, 'higher')).toEqual({
      absolute: 2,
      relative: 0.5,
      verdict: 'better'
    });
    expect(metricDelta(1, 1, 'higher')).toEqual({
      absolute: 0,
      relative: 0,
      verdict: 'same'
    });
  });

  it('should have no relative change from 0 and nothing when missing', () => {
    expect(metricDelta(1, 0, 'higher')).toEqual({
      absolute: 1,
      relative: null,
      verdict: 'better'
    });
    for (const [value, base] of [
      [null, 1],
      [1, null],
      [Number.NaN, 1],
      [1, Number.POSITIVE_INFINITY]
    ] as const) {
      expect(metricDelta(value, base, 'higher')).toEqual({
        absolute: null,
        relative: null,
        verdict: null
      });
    }
  });
});

describe('bestColumns()', () => {
  it('should mark the best value, ties included, by direction', () => {
    expect(bestColumns([0.9, 0.95, null, 0.95], 'higher')).toEqual([1, 3]);
    expect(bestColumns([0.3, 0.1, 0.2], 'lower')).toEqual([1]);
  });

  it('should mark nothing with fewer than two values', () => {
    expect(bestColumns([0.9, null], 'higher')).toEqual([]);
    expect(bestColumns([], 'lower')).toEqual([]);
    expect(bestColumns([Number.NaN, 1], 'higher')).toEqual([]);
  });
});

describe('compareMetrics()', () => {
  it('should give each metric its direction, deltas and best columns', () => {
    const result = compareMetrics(
      [
        { key: 'accuracy', values: [0.9, 0.95, null] },
        { key: 'val_loss', values: [0.3, 0.2, 0.25] }
      ],
      0,
      {}
    );
    expect(result.map(m => [m.key, m.direction, m.best])).toEqual([
      ['accuracy', 'higher', [1]],
      ['val_loss', 'lower', [1]]
    ]);
    expect(result[0].deltas[0]).toBeNull();
    expect(result[0].deltas[1]).toMatchObject({ verdict: 'better' });
    expect(result[0].deltas[2]).toEqual({
      absolute: null,
      relative: null,
      verdict: null
    });
    expect(result[1].deltas[2]).toMatchObject({ verdict: 'better' });
  });
});
