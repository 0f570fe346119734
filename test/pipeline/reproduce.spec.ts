import { describe, expect, it } from 'vitest';

import {
  checkReproduction,
  describeReproduction,
  formatMetric
} from '../../src/pipeline/reproduce';

describe('checkReproduction()', () => {
  it('should say reproduced when every shared metric is within tolerance', () => {
    const result = checkReproduction(
      { accuracy: 0.9556, f1_macro: 0.95, extra: 3 },
      { accuracy: 0.9556, f1_macro: 0.9504 },
      0.001
    );
    expect(result.state).toBe('reproduced');
    expect(result.checks.map(check => check.name)).toEqual([
      'accuracy',
      'f1_macro'
    ]);
    expect(describeReproduction(result)).toBe(
      'reproduced (accuracy, f1_macro)'
    );
  });

  it('should say drifted and name what moved', () => {
    const result = checkReproduction(
      { accuracy: 0.921, f1_macro: 0.95 },
      { accuracy: 0.956, f1_macro: 0.95 },
      0.01
    );
    expect(result.state).toBe('drifted');
    expect(describeReproduction(result)).toBe(
      'drifted (accuracy 0.956 → 0.921)'
    );
  });

  it('should scale the tolerance with big values', () => {
    expect(checkReproduction({ loss: 1005 }, { loss: 1000 }, 0.01).state).toBe(
      'reproduced'
    );
    expect(checkReproduction({ loss: 1050 }, { loss: 1000 }, 0.01).state).toBe(
      'drifted'
    );
  });

  it('should compare nothing it cannot', () => {
    expect(checkReproduction({ a: 1 }, null, 0.1).state).toBe('unknown');
    expect(checkReproduction({}, { a: 1 }, 0.1)).toMatchObject({
      state: 'unknown',
      missing: ['a']
    });
    const odd = checkReproduction(
      { a: NaN, b: '0.9', c: Infinity, d: 1 },
      { a: 1, b: 0.9, c: 1, d: 1, e: 'text', f: null },
      0
    );
    expect(odd.checks.map(check => check.name)).toEqual(['d']);
    expect(odd.missing).toEqual(['a', 'b', 'c']);
    expect(odd.state).toBe('reproduced');
    // A bad tolerance is no tolerance.
    expect(checkReproduction({ a: 1.1 }, { a: 1 }, -5).state).toBe('drifted');
    expect(checkReproduction({ a: 1.1 }, { a: 1 }, NaN).tolerance).toBe(0);
  });
});

describe('formatMetric()', () => {
  it('should keep a metric short', () => {
    expect(formatMetric(0.95555555)).toBe('0.9556');
    expect(formatMetric(12.34567)).toBe('12.346');
    expect(formatMetric(3)).toBe('3');
    expect(formatMetric(123456.7)).toBe('1.235e+5');
    expect(formatMetric(0.00001234)).toBe('0.00001234');
  });
});
