import { describe, expect, it } from 'vitest';

import { IExperimentRow } from '../../src/tracking/list';
import { filterRows, metricKeysOf, sortRows } from '../../src/tracking/rows';

function row(id: string, over: Partial<IExperimentRow> = {}): IExperimentRow {
  return {
    ref: `refs/exps/nb-00000000/${id}`,
    id,
    slug: 'nb-00000000',
    name: `run-${id}`,
    createdAt: '2026-11-23T12:00:00Z',
    notebookPath: 'examples/wine.ipynb',
    parameters: {},
    metrics: {},
    starred: false,
    tags: [],
    ...over
  };
}

const rows = [
  row('01A', {
    name: 'baseline',
    tags: ['Baseline'],
    parameters: { depth: 2 },
    metrics: { acc: 0.9 }
  }),
  row('01B', {
    name: 'deeper',
    parameters: { depth: 5 },
    metrics: { acc: 0.95, f1: 0.9 },
    starred: true
  }),
  row('01C', { name: 'no metrics', parameters: { depth: 5 } })
];

describe('filterRows()', () => {
  it('should match words against names, tags, params and metrics', () => {
    expect(filterRows(rows, '').map(r => r.id)).toEqual(['01A', '01B', '01C']);
    expect(filterRows(rows, 'depth=5').map(r => r.id)).toEqual(['01B', '01C']);
    expect(filterRows(rows, 'DEPTH=5 acc=').map(r => r.id)).toEqual(['01B']);
    expect(filterRows(rows, 'is:starred').map(r => r.id)).toEqual(['01B']);
    expect(filterRows(rows, 'tag:baseline').map(r => r.id)).toEqual(['01A']);
    expect(filterRows(rows, 'wine.ipynb no').map(r => r.id)).toEqual(['01C']);
    expect(filterRows(rows, 'nothing-like-this')).toEqual([]);
  });

  it('should treat regex characters as text', () => {
    expect(filterRows(rows, '.* ( [')).toEqual([]);
  });
});

describe('sortRows()', () => {
  it('should sort newest first, by name, or by a metric with missing ones last', () => {
    expect(sortRows(rows, 'created').map(r => r.id)).toEqual([
      '01C',
      '01B',
      '01A'
    ]);
    expect(sortRows(rows, 'name').map(r => r.name)).toEqual([
      'baseline',
      'deeper',
      'no metrics'
    ]);
    expect(sortRows(rows, 'metric:acc').map(r => r.id)).toEqual([
      '01B',
      '01A',
      '01C'
    ]);
    expect(sortRows(rows, 'metric:f1').map(r => r.id)).toEqual([
      '01B',
      '01C',
      '01A'
    ]);
  });

  it('should not change its input', () => {
    const copy = [...rows];
    sortRows(rows, 'name');
    expect(rows).toEqual(copy);
  });
});

describe('metricKeysOf()', () => {
  it('should list each metric once, sorted', () => {
    expect(metricKeysOf(rows)).toEqual(['acc', 'f1']);
  });
});
