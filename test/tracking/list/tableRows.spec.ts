import { describe, expect, it } from 'vitest';

import { IExperimentRow } from '../../../src/tracking/list/row';
import {
  commonMetricKeys,
  IRowExtent,
  moveActive,
  pageTarget,
  rowSummary,
  changedParameters,
  keyMetric,
  parameterBaseline,
  summaryKeys
} from '../../../src/tracking/list/tableRows';

function row(
  id: string,
  metrics: IExperimentRow['metrics'] = {},
  parameters: IExperimentRow['parameters'] = {}
): IExperimentRow {
  return {
    ref: `refs/exps/nb-00000000/${id}`,
    id,
    slug: 'nb-00000000',
    name: `run-${id}`,
    createdAt: '2026-11-23T12:00:00Z',
    notebookPath: 'examples/wine.ipynb',
    parameters,
    metrics,
    starred: false,
    tags: []
  };
}

/** Rows of the given heights, one under the other. */
function extents(...heights: number[]): IRowExtent[] {
  let start = 0;
  return heights.map(height => {
    const extent = { start, end: start + height };
    start += height;
    return extent;
  });
}

describe('the summary metrics', () => {
  const rows = [
    row('01A', { acc: 0.9, loss: 0.3 }),
    row('01B', { acc: 0.95, f1: 0.9, loss: 0.2 }),
    row('01C', { acc: 0.8, zeta: 1, beta: 2 }),
    row('01D', { f1: 0.7 })
  ];

  it('should choose the most common metrics, ties A to Z', () => {
    expect(commonMetricKeys(rows, 3)).toEqual(['acc', 'f1', 'loss']);
    expect(commonMetricKeys(rows, 5)).toEqual([
      'acc',
      'f1',
      'loss',
      'beta',
      'zeta'
    ]);
    expect(commonMetricKeys([], 3)).toEqual([]);
  });

  it('should choose from a sample of the rows', () => {
    expect(commonMetricKeys(rows, 1, 1)).toEqual(['acc']);
    expect(commonMetricKeys([row('01E', { z: 1 }), ...rows], 1, 1)).toEqual([
      'z'
    ]);
  });

  it('should leave out the metrics shown as columns', () => {
    expect(summaryKeys(rows, [])).toEqual(['acc', 'f1', 'loss']);
    expect(summaryKeys(rows, ['created', 'metric:f1', 'param:acc'])).toEqual([
      'acc',
      'loss'
    ]);
  });

  it("should show a row's own values, formatted, in the keys' order", () => {
    expect(rowSummary(rows[1], ['loss', 'acc', 'beta'])).toEqual([
      ['loss', '0.2'],
      ['acc', '0.95']
    ]);
    expect(rowSummary(rows[3], ['acc'])).toEqual([]);
  });

  it('should not take inherited properties for metrics', () => {
    expect(rowSummary(rows[0], ['toString', 'constructor', 'acc'])).toEqual([
      ['acc', '0.9']
    ]);
  });
});

describe('the keyboard', () => {
  const never = () => {
    throw new Error('not a page key');
  };

  it('should move with the arrows, Home and End, within the rows', () => {
    expect(moveActive('ArrowDown', 3, 10, never)).toBe(4);
    expect(moveActive('ArrowUp', 3, 10, never)).toBe(2);
    expect(moveActive('ArrowUp', 0, 10, never)).toBe(0);
    expect(moveActive('ArrowDown', 9, 10, never)).toBe(9);
    expect(moveActive('Home', 7, 10, never)).toBe(0);
    expect(moveActive('End', 2, 10, never)).toBe(9);
  });

  it('should page with the page function', () => {
    const page = (direction: 1 | -1) => (direction === 1 ? 42 : -5);
    expect(moveActive('PageDown', 3, 100, page)).toBe(42);
    expect(moveActive('PageUp', 3, 100, page)).toBe(0);
    expect(moveActive('PageDown', 3, 10, page)).toBe(9);
  });

  it('should not move for other keys or no rows', () => {
    expect(moveActive('Enter', 3, 10, never)).toBeUndefined();
    expect(moveActive('s', 3, 10, never)).toBeUndefined();
    expect(moveActive('toString', 3, 10, never)).toBeUndefined();
    expect(moveActive('ArrowDown', 0, 0, never)).toBeUndefined();
  });
});

describe('a page of rows', () => {
  it('should move by the rows that fit in the view', () => {
    const rows = extents(...Array<number>(50).fill(42));
    // 372 pixels below the header: 8 rows start within it.
    expect(pageTarget(rows, 0, 372, 1)).toBe(8);
    expect(pageTarget(rows, 20, 372, 1)).toBe(28);
    expect(pageTarget(rows, 20, 372, -1)).toBe(12);
    expect(pageTarget(rows, 45, 372, 1)).toBe(49);
    expect(pageTarget(rows, 3, 372, -1)).toBe(0);
  });

  it('should move by fewer rows when they are taller', () => {
    const rows = extents(42, 42, 200, 200, 42, 42, 42, 42);
    expect(pageTarget(rows, 0, 372, 1)).toBe(3);
    expect(pageTarget(rows, 3, 372, 1)).toBe(7);
    expect(pageTarget(rows, 7, 372, -1)).toBe(3);
  });

  it('should move at least one row, even past a row taller than the view', () => {
    const rows = extents(42, 800, 42);
    expect(pageTarget(rows, 1, 372, 1)).toBe(2);
    expect(pageTarget(rows, 1, 372, -1)).toBe(0);
    expect(pageTarget(rows, 0, 372, 1)).toBe(1);
  });

  it('should stay within the rows', () => {
    expect(pageTarget([], 0, 372, 1)).toBe(0);
    expect(pageTarget(extents(42), 0, 372, 1)).toBe(0);
    expect(pageTarget(extents(42, 42), 5, 372, -1)).toBe(0);
  });
});

describe('the chips of a compact row', () => {
  const rows = [
    row('01D', {}, { max_depth: 7, n_estimators: 100, criterion: 'gini' }),
    row('01C', {}, { max_depth: 5, n_estimators: 100, criterion: 'gini' }),
    row('01B', {}, { max_depth: 5, n_estimators: 200, criterion: 'gini' }),
    row('01A', {}, { max_depth: 5, n_estimators: 100 })
  ];

  it('should take the value most rows share as the baseline', () => {
    const baseline = parameterBaseline(rows);
    expect(baseline.get('max_depth')).toBe(5);
    expect(baseline.get('n_estimators')).toBe(100);
    expect(baseline.get('criterion')).toBe('gini');
  });

  it('should show the parameters a row changed, A to Z', () => {
    const baseline = parameterBaseline(rows);
    expect(changedParameters(rows[0], baseline)).toEqual({
      chips: [['max_depth', '7']],
      more: 0
    });
    expect(changedParameters(rows[1], baseline).chips).toEqual([]);
    expect(changedParameters(rows[2], baseline).chips).toEqual([
      ['n_estimators', '200']
    ]);
  });

  it('should tell 5 from "5" but not 5 from 5.0', () => {
    const mixed = [
      row('01C', {}, { k: '5' }),
      row('01B', {}, { k: 5 }),
      row('01A', {}, { k: 5.0 })
    ];
    const baseline = parameterBaseline(mixed);
    expect(changedParameters(mixed[0], baseline).chips).toEqual([['k', '5']]);
    expect(changedParameters(mixed[2], baseline).chips).toEqual([]);
  });

  it('should count a parameter most rows lack as changed where it is', () => {
    const sparse = [
      row('01C', {}, { extra: 0.123456 }),
      row('01B', {}, {}),
      row('01A', {}, {})
    ];
    expect(changedParameters(sparse[0], parameterBaseline(sparse))).toEqual({
      chips: [['extra', '0.1235']],
      more: 0
    });
  });

  it("should show every row its value when no value is most runs' (a tie, all different)", () => {
    const apart = [
      row('01C', {}, { max_depth: 5, seed: 1 }),
      row('01B', {}, { max_depth: 3, seed: 1 }),
      row('01A', {}, { max_depth: 2, seed: 1 })
    ];
    const baseline = parameterBaseline(apart);
    expect(baseline.get('max_depth')).toBeUndefined();
    expect(baseline.get('seed')).toBe(1);
    expect(apart.map(r => changedParameters(r, baseline).chips)).toEqual([
      [['max_depth', '5']],
      [['max_depth', '3']],
      [['max_depth', '2']]
    ]);
    const two = [row('01B', {}, { k: 2 }), row('01A', {}, { k: 1 })];
    const pair = parameterBaseline(two);
    expect(two.map(r => changedParameters(r, pair).chips)).toEqual([
      [['k', '2']],
      [['k', '1']]
    ]);
    // Present in as many rows as it is absent from: no baseline either.
    const half = [row('01B', {}, { extra: 1 }), row('01A', {}, {})];
    expect(changedParameters(half[0], parameterBaseline(half)).chips).toEqual([
      ['extra', '1']
    ]);
  });

  it('should show none for a row alone, and cap the chips', () => {
    const alone = [row('01A', {}, { a: 1, b: 2 })];
    expect(changedParameters(alone[0], parameterBaseline(alone)).chips).toEqual(
      []
    );
    const wide = [
      row('01C', {}, { a: 9, b: 9, c: 9, d: 9, e: 9 }),
      row('01B', {}, { a: 1, b: 1, c: 1, d: 1, e: 1 }),
      row('01A', {}, { a: 1, b: 1, c: 1, d: 1, e: 1 })
    ];
    expect(changedParameters(wide[0], parameterBaseline(wide), 3)).toEqual({
      chips: [
        ['a', '9'],
        ['b', '9'],
        ['c', '9']
      ],
      more: 2
    });
  });

  it('should ignore hostile keys', () => {
    const hostile = [
      row('01B', {}, JSON.parse('{"__proto__": 1, "constructor": 2}')),
      row('01A', {}, JSON.parse('{"__proto__": 3, "constructor": 2}'))
    ];
    const baseline = parameterBaseline(hostile);
    // A tie: no baseline, each row shows its own value, as plain data.
    expect(changedParameters(hostile[0], baseline).chips).toEqual([
      ['__proto__', '1']
    ]);
    expect(changedParameters(hostile[1], baseline).chips).toEqual([
      ['__proto__', '3']
    ]);
    expect(baseline.get('constructor')).toBe(2);
    expect(Object.getPrototypeOf(baseline)).toBe(Map.prototype);
  });

  it('should choose the sorted metric, else the most common one', () => {
    const scored = [row('01B', { acc: 0.9, f1: 0.8 }), row('01A', { acc: 1 })];
    expect(keyMetric(scored, 'created')).toBe('acc');
    expect(keyMetric(scored, 'metric:f1')).toBe('f1');
    expect(keyMetric([], 'name')).toBeUndefined();
  });
});
