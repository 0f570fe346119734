import { describe, expect, it } from 'vitest';

import {
  IPlotExperiment,
  MAX_PARALLEL_AXES,
  MAX_PLOT_EXPERIMENTS,
  parallelData,
  plotChoices,
  scatterData
} from '../../../src/tracking/compare/parameterPlots';

function run(
  name: string,
  parameters: Record<string, unknown>,
  metrics: Record<string, unknown> = {}
): IPlotExperiment {
  return { user: { name }, parameters, metrics };
}

// Own `__proto__` keys, as JSON.parse makes them from a hand-edited store.
const hostile = (text: string) => JSON.parse(text) as Record<string, unknown>;

const depthRuns = [
  run('d4', { max_depth: 4, criterion: 'gini' }, { accuracy: 0.9, loss: 0.2 }),
  run(
    'd2',
    { max_depth: 2, criterion: 'entropy' },
    { accuracy: 0.8, loss: 0.4 }
  ),
  run('d5', { max_depth: 5, criterion: 'gini' }, { accuracy: 0.95, loss: 0.1 }),
  run(
    'd3',
    { max_depth: 3, criterion: 'entropy' },
    { accuracy: 0.85, loss: 0.3 }
  )
];

describe('parameterPlots', () => {
  describe('#plotChoices()', () => {
    it('should offer sorted names and default to the first numeric parameter that differs and the key metric', () => {
      const choices = plotChoices([
        run('a', { alpha: 'x', same: 1, zeta: 1 }, { loss: 0.5, acc: 0.1 }),
        run('b', { alpha: 'y', same: 1, zeta: 2 }, { loss: 0.4 })
      ]);
      expect(choices.parameters).toEqual(['alpha', 'same', 'zeta']);
      expect(choices.metrics).toEqual(['acc', 'loss']);
      expect(choices.parameter).toBe('zeta');
      expect(choices.metric).toBe('loss');
    });

    it('should fall back to a differing non-numeric parameter, and give nulls for none', () => {
      expect(
        plotChoices([run('a', { s: 'x', n: 1 }), run('b', { s: 'y', n: 1 })])
          .parameter
      ).toBe('s');
      expect(plotChoices([])).toEqual({
        parameters: [],
        metrics: [],
        parameter: null,
        metric: null
      });
    });

    it('should leave out metrics with no finite value and read __proto__ as an own key', () => {
      const choices = plotChoices([
        run('a', hostile('{"__proto__": 3}'), { nan: NaN, text: 'high' }),
        run('b', hostile('{"__proto__": 4}'), { nan: Infinity, ok: 1 })
      ]);
      expect(choices.parameters).toEqual(['__proto__']);
      expect(choices.parameter).toBe('__proto__');
      expect(choices.metrics).toEqual(['ok']);
      expect(choices.metric).toBe('ok');
    });
  });

  describe('#scatterData()', () => {
    it('should give one point per experiment on a numeric axis, sorted by x', () => {
      const data = scatterData(depthRuns, 'max_depth', 'accuracy');
      expect(data.categories).toBeNull();
      expect(data.omitted).toBe(0);
      expect(data.points.map(p => [p.name, p.x, p.y, p.index])).toEqual([
        ['d2', 2, 0.8, 1],
        ['d3', 3, 0.85, 3],
        ['d4', 4, 0.9, 0],
        ['d5', 5, 0.95, 2]
      ]);
    });

    it('should put string values on categorical positions, the sorted distinct values as labels', () => {
      const data = scatterData(depthRuns, 'criterion', 'loss');
      expect(data.categories).toEqual(['entropy', 'gini']);
      expect(data.points.map(p => [p.name, p.x, p.label])).toEqual([
        ['d2', 0, 'entropy'],
        ['d3', 0, 'entropy'],
        ['d4', 1, 'gini'],
        ['d5', 1, 'gini']
      ]);
    });

    it('should make a mix of numbers, booleans and None categorical, as Python writes them', () => {
      const data = scatterData(
        [
          run('n', { p: 10 }, { m: 1 }),
          run('t', { p: true }, { m: 2 }),
          run('f', { p: false }, { m: 3 }),
          run('none', { p: null }, { m: 4 })
        ],
        'p',
        'm'
      );
      expect(data.categories).toEqual(['10', 'False', 'None', 'True']);
      expect(data.points.map(p => [p.name, p.x])).toEqual([
        ['n', 0],
        ['f', 1],
        ['none', 2],
        ['t', 3]
      ]);
    });

    it('should leave out and count runs without the parameter or a finite metric', () => {
      const data = scatterData(
        [
          run('ok', { p: 1 }, { m: 1 }),
          run('nan', { p: 2 }, { m: NaN }),
          run('text', { p: 3 }, { m: 'high' }),
          run('absent', {}, { m: 4 }),
          run('inherited', {}, { m: 5 })
        ],
        'constructor',
        'm'
      );
      expect(data.points).toEqual([]);
      expect(data.omitted).toBe(5);
      const p = scatterData(
        [
          run('ok', { p: 1 }, { m: 1 }),
          run('nan', { p: 2 }, { m: NaN }),
          run('absent', {}, { m: 4 })
        ],
        'p',
        'm'
      );
      expect(p.points.map(point => point.name)).toEqual(['ok']);
      expect(p.omitted).toBe(2);
    });

    it('should keep hostile names and values as plain text, never throwing', () => {
      const name = '<img src=x onerror=alert(1)>';
      const data = scatterData(
        [
          run(
            name,
            hostile('{"__proto__": "<b>"}'),
            hostile('{"__proto__": 2}')
          ),
          run(
            'b',
            hostile('{"__proto__": {"polluted": 1}}'),
            hostile('{"__proto__": 3}')
          )
        ],
        '__proto__',
        '__proto__'
      );
      expect(data.categories).toEqual(['<b>', '{"polluted":1}']);
      expect(data.points.map(p => p.name)).toEqual([name, 'b']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('should read at most MAX_PLOT_EXPERIMENTS experiments', () => {
      const many = Array.from({ length: MAX_PLOT_EXPERIMENTS + 50 }, (_, i) =>
        run(`r${i}`, { p: i }, { m: i })
      );
      const data = scatterData(many, 'p', 'm');
      expect(data.points).toHaveLength(MAX_PLOT_EXPERIMENTS);
      expect(data.omitted).toBe(0);
    });
  });

  describe('#parallelData()', () => {
    it('should make an axis per numeric parameter, then metric, that differs, scaled to 0..1', () => {
      const data = parallelData(depthRuns);
      expect(data.axes).toEqual([
        { kind: 'parameter', key: 'max_depth', min: 2, max: 5 },
        { kind: 'metric', key: 'accuracy', min: 0.8, max: 0.95 },
        { kind: 'metric', key: 'loss', min: 0.1, max: 0.4 }
      ]);
      expect(data.omittedAxes).toBe(0);
      expect(data.lines.map(line => line.name)).toEqual([
        'd4',
        'd2',
        'd5',
        'd3'
      ]);
      const d2 = data.lines[1].values;
      expect(d2[0]).toBe(0);
      expect(d2[1]).toBeCloseTo(0);
      expect(d2[2]).toBeCloseTo(1);
      const d4 = data.lines[0].values;
      expect(d4[0]).toBeCloseTo(2 / 3);
      expect(d4[1]).toBeCloseTo(2 / 3);
      expect(d4[2]).toBeCloseTo(1 / 3);
    });

    it('should skip parameters with any non-numeric value, equal values, and give null where a run has none', () => {
      const data = parallelData([
        run('a', { mixed: 1, same: 3, bool: true, n: 1 }, { m: NaN }),
        run('b', { mixed: 'x', same: 3, bool: false }, { m: 2 }),
        run('c', { mixed: 2, same: 3, bool: true, n: 3 }, { m: 'high' })
      ]);
      expect(data.axes.map(axis => axis.key)).toEqual(['n']);
      expect(data.lines.map(line => line.values)).toEqual([[0], [null], [1]]);
    });

    it('should keep at most MAX_PARALLEL_AXES axes and count the rest', () => {
      const params = (offset: number) =>
        Object.fromEntries(
          Array.from({ length: 20 }, (_, i) => [
            `p${String(i).padStart(2, '0')}`,
            i + offset
          ])
        );
      const data = parallelData([
        run('a', params(0), { m: 1 }),
        run('b', params(1), { m: 2 })
      ]);
      expect(data.axes).toHaveLength(MAX_PARALLEL_AXES);
      expect(data.axes[0].key).toBe('p00');
      expect(data.omittedAxes).toBe(21 - MAX_PARALLEL_AXES);
    });

    it('should give no axes for one run or none, and read __proto__ keys as own', () => {
      expect(parallelData([]).axes).toEqual([]);
      expect(parallelData([run('a', { p: 1 }, { m: 1 })]).axes).toEqual([]);
      const data = parallelData([
        run('a', hostile('{"__proto__": 1}'), hostile('{"constructor": 5}')),
        run('b', hostile('{"__proto__": 2}'), hostile('{"constructor": 7}'))
      ]);
      expect(data.axes.map(axis => [axis.kind, axis.key])).toEqual([
        ['parameter', '__proto__'],
        ['metric', 'constructor']
      ]);
    });
  });
});
