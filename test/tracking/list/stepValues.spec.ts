import { describe, expect, it } from 'vitest';

import { IExperimentRow, seriesRanges } from '../../../src/tracking/list/row';
import { withStepValues } from '../../../src/tracking/list/stepValues';

function row(
  id: string,
  metrics: Record<string, number>,
  series?: IExperimentRow['series']
): IExperimentRow {
  return {
    ref: `refs/exps/nb/${id}`,
    id,
    slug: 'nb',
    name: id,
    createdAt: '2026-11-30T00:00:00Z',
    notebookPath: 'nb.ipynb',
    parameters: {},
    metrics,
    starred: false,
    tags: [],
    ...(series && { series })
  };
}

const lowerForLoss = (key: string) =>
  key.includes('loss') ? ('lower' as const) : ('higher' as const);

describe('seriesRanges()', () => {
  it('should give the min, max and step count of each series', () => {
    expect(
      seriesRanges({
        loss: [
          [0, 0.9],
          [1, 0.4],
          [2, 0.5]
        ],
        acc: [[0, 0.7]]
      })
    ).toEqual({
      loss: { min: 0.4, max: 0.9, steps: 3 },
      acc: { min: 0.7, max: 0.7, steps: 1 }
    });
  });

  it('should skip values that are not finite, and series with none', () => {
    expect(
      seriesRanges({
        loss: [
          [0, Number.NaN],
          [1, 0.3],
          [2, Infinity]
        ],
        empty: [],
        nothing: [[0, Number.NaN]]
      })
    ).toEqual({ loss: { min: 0.3, max: 0.3, steps: 1 } });
  });
});

describe('withStepValues()', () => {
  const stepped = row(
    'a',
    { loss: 0.5, acc: 0.8, f1: 0.7 },
    {
      loss: { min: 0.2, max: 0.9, steps: 10 },
      acc: { min: 0.5, max: 0.85, steps: 10 }
    }
  );
  const plain = row('b', { loss: 0.3 });

  it('should keep the rows as they are for the last value', () => {
    const rows = [stepped, plain];
    expect(withStepValues(rows, 'last', lowerForLoss)).toBe(rows);
  });

  it('should show the best step by direction, leaving other metrics and rows alone', () => {
    const [best, other] = withStepValues(
      [stepped, plain],
      'best',
      lowerForLoss
    );
    expect(best.metrics).toEqual({ loss: 0.2, acc: 0.85, f1: 0.7 });
    expect(other).toBe(plain);
    // The row read from the list is not changed.
    expect(stepped.metrics).toEqual({ loss: 0.5, acc: 0.8, f1: 0.7 });
  });

  it('should follow a direction the user set against the name', () => {
    const [best] = withStepValues([stepped], 'best', () => 'higher');
    expect(best.metrics.loss).toBe(0.9);
  });
});
