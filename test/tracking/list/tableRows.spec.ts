import { describe, expect, it } from 'vitest';

import { IExperimentRow } from '../../../src/tracking/list/row';
import {
  commonMetricKeys,
  IRowExtent,
  moveActive,
  pageTarget,
  rowSummary,
  shortDate,
  summaryKeys
} from '../../../src/tracking/list/tableRows';

function row(
  id: string,
  metrics: IExperimentRow['metrics'] = {}
): IExperimentRow {
  return {
    ref: `refs/exps/nb-00000000/${id}`,
    id,
    slug: 'nb-00000000',
    name: `run-${id}`,
    createdAt: '2026-11-23T12:00:00Z',
    notebookPath: 'examples/wine.ipynb',
    parameters: {},
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
      ['loss', '0.2000'],
      ['acc', '0.9500']
    ]);
    expect(rowSummary(rows[3], ['acc'])).toEqual([]);
  });

  it('should not take inherited properties for metrics', () => {
    expect(rowSummary(rows[0], ['toString', 'constructor', 'acc'])).toEqual([
      ['acc', '0.9000']
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

describe('a short date', () => {
  const now = new Date(2026, 10, 23, 15, 0);

  it("should be the time of day for today's experiments", () => {
    const today = new Date(2026, 10, 23, 9, 5);
    expect(shortDate(today.toISOString(), now)).toBe(
      today.toLocaleTimeString(undefined, {
        hour: '2-digit',
        minute: '2-digit'
      })
    );
  });

  it('should be the month and day for older ones', () => {
    const older = new Date(2026, 9, 2, 9, 5);
    expect(shortDate(older.toISOString(), now)).toBe(
      older.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
    );
  });

  it('should be the text itself when it is not a date', () => {
    expect(shortDate('not a date', now)).toBe('not a date');
  });
});
