import { describe, expect, it } from 'vitest';

import { IExperimentRow } from '../../../src/tracking/list/row';
import { filterRows } from '../../../src/tracking/list/filter';
import {
  fieldValue,
  formatValue,
  isFieldKey,
  metricKeysOf,
  parameterKeysOf,
  sortRows
} from '../../../src/tracking/list/rows';

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

  it('should compare parameters and metrics as numbers', () => {
    const ids = (query: string) => filterRows(rows, query).map(r => r.id);
    expect(ids('depth>2')).toEqual(['01B', '01C']);
    expect(ids('depth>=2')).toEqual(['01A', '01B', '01C']);
    expect(ids('depth<5')).toEqual(['01A']);
    expect(ids('depth<=5 acc>0.92')).toEqual(['01B']);
    expect(ids('depth!=5')).toEqual(['01A']);
    // "=" is equality, not a prefix: depth=5 does not match 50.
    expect(ids('depth=5.0')).toEqual(['01B', '01C']);
    expect(ids('ACC>=0.9')).toEqual(['01A', '01B']);
    // A row without the key never matches a comparison.
    expect(ids('f1<1')).toEqual(['01B']);
  });

  it('should filter by date, notebook, broken and negation', () => {
    const dated = [
      row('01A', { createdAt: '2026-10-30T09:00:00Z' }),
      row('01B', { createdAt: '2026-11-02T09:00:00Z', starred: true }),
      row('01C', {
        createdAt: '',
        notebookPath: '',
        broken: { code: 'E_MANIFEST_INVALID', message: 'bad' }
      })
    ];
    const ids = (query: string) => filterRows(dated, query).map(r => r.id);
    expect(ids('created>=2026-11-01')).toEqual(['01B']);
    expect(ids('created<2026-11')).toEqual(['01A']);
    expect(ids('created=2026-11-02')).toEqual(['01B']);
    expect(ids('notebook:WINE')).toEqual(['01A', '01B']);
    expect(ids('is:broken')).toEqual(['01C']);
    expect(ids('-is:broken')).toEqual(['01A', '01B']);
    expect(ids('-is:starred -is:broken')).toEqual(['01A']);
  });

  it('should survive hostile and oversized queries', () => {
    const hostile = [
      '__proto__=1',
      'constructor>0',
      'toString=',
      '=5',
      '>',
      '-',
      '--',
      'depth>>5',
      'depth=<img src=x onerror=alert(1)>',
      `${'a'.repeat(100_000)}`,
      Array.from({ length: 5000 }, (_, i) => `w${i}`).join(' ')
    ];
    for (const query of hostile) {
      expect(() => filterRows(rows, query), query.slice(0, 30)).not.toThrow();
    }
    expect(filterRows(rows, '__proto__=1')).toEqual([]);
    expect(filterRows(rows, 'constructor>0')).toEqual([]);
    // Only the first 20 words count: later ones cannot slow it down.
    const many = ['depth=5', ...Array.from({ length: 50 }, () => 'zzz')];
    expect(filterRows(rows, many.join(' '))).toEqual([]);
    expect(filterRows(rows, many.slice(0, 1).join(' '))).toHaveLength(2);
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

  it('should sort by parameters, tags and star, either way, missing values last', () => {
    const more = [
      ...rows,
      row('01D', { name: 'text', parameters: { depth: 'auto' }, tags: ['a'] })
    ];
    const ids = (key: Parameters<typeof sortRows>[1]) =>
      sortRows(more, key).map(r => r.id);
    expect(ids('param:depth')).toEqual(['01A', '01C', '01B', '01D']);
    expect(ids({ key: 'param:depth', descending: true })).toEqual([
      '01D',
      '01C',
      '01B',
      '01A'
    ]);
    expect(ids('starred')).toEqual(['01B', '01D', '01C', '01A']);
    expect(ids('tags')).toEqual(['01D', '01A', '01C', '01B']);
    expect(ids({ key: 'created', descending: false })).toEqual([
      '01A',
      '01B',
      '01C',
      '01D'
    ]);
    expect(ids({ key: 'metric:acc', descending: false })).toEqual([
      '01A',
      '01B',
      '01D',
      '01C'
    ]);
    expect(ids('param:__proto__')).toEqual(['01D', '01C', '01B', '01A']);
  });

  it('should sort 10,000 rows without changing them', () => {
    const big = Array.from({ length: 10_000 }, (_, i) =>
      row(String(i).padStart(5, '0'), { metrics: { acc: (i * 7919) % 1000 } })
    );
    const sorted = sortRows(big, 'metric:acc');
    expect(sorted).toHaveLength(10_000);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i - 1].metrics.acc).toBeGreaterThanOrEqual(
        sorted[i].metrics.acc
      );
    }
  });

  it('should not change its input', () => {
    const copy = [...rows];
    sortRows(rows, 'name');
    expect(rows).toEqual(copy);
  });
});

describe('metricKeysOf() and parameterKeysOf()', () => {
  it('should list each key once, sorted', () => {
    expect(metricKeysOf(rows)).toEqual(['acc', 'f1']);
    expect(parameterKeysOf(rows)).toEqual(['depth']);
  });
});

describe('fields', () => {
  it('should read own keys only and format values as text', () => {
    const r = row('01A', {
      parameters: { lr: 0.000123456, ok: true, no: null }
    });
    expect(fieldValue(r, 'param:lr')).toBe(0.000123456);
    expect(fieldValue(r, 'param:constructor')).toBeUndefined();
    expect(fieldValue(r, 'metric:toString')).toBeUndefined();
    expect(formatValue(0.000123456)).toBe('0.0001235');
    expect(formatValue(42)).toBe('42');
    expect(formatValue(null)).toBe('—');
    expect(formatValue(undefined)).toBe('—');
    expect(formatValue('<b>x</b>')).toBe('<b>x</b>');
  });

  it('should tell field keys from anything else', () => {
    for (const key of [
      'created',
      'name',
      'starred',
      'tags',
      'notebook',
      'param:x',
      'metric:a b'
    ]) {
      expect(isFieldKey(key), key).toBe(true);
    }
    for (const key of [
      '',
      'param:',
      'metric:',
      'other',
      'param:x\ny',
      42,
      null,
      `param:${'x'.repeat(201)}`
    ]) {
      expect(isFieldKey(key), String(key)).toBe(false);
    }
  });
});
