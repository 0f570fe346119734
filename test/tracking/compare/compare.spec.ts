import { describe, expect, it } from 'vitest';

import {
  comparisonCsv,
  compareExperiments
} from '../../../src/tracking/compare/compare';
import { UlidFactory } from '../../../src/util/ids';
import { makeManifest } from '../fixtures';

const ids = new UlidFactory();

describe('compareExperiments()', () => {
  const a = makeManifest(ids.next(), {
    parameters: { depth: 2, lr: 0.1, name: 'a' },
    metrics: { accuracy: 0.9 }
  });
  const b = makeManifest(ids.next(), {
    parameters: { depth: 3, lr: 0.1 },
    metrics: { accuracy: 0.95, f1: 0.9 },
    environment: {
      python: '3.11.7',
      platform: 'linux',
      packages: { numpy: '2.2.0' }
    }
  });

  it('should put each key in one row with a value per experiment', () => {
    const rows = compareExperiments([a, b]);
    expect(rows.filter(r => r.section === 'parameter')).toEqual([
      { section: 'parameter', key: 'depth', values: [2, 3], differs: true },
      { section: 'parameter', key: 'lr', values: [0.1, 0.1], differs: false },
      { section: 'parameter', key: 'name', values: ['a', null], differs: true }
    ]);
    expect(rows.find(r => r.key === 'f1')).toEqual({
      section: 'metric',
      key: 'f1',
      values: [null, 0.9],
      differs: true
    });
    expect(rows.find(r => r.key === 'numpy')?.values).toEqual([
      '2.1.0',
      '2.2.0'
    ]);
  });

  it('should keep only differences when asked', () => {
    const keys = compareExperiments([a, b], { onlyDifferences: true }).map(
      r => r.key
    );
    expect(keys).toEqual(['depth', 'name', 'accuracy', 'f1', 'numpy']);
  });

  it('should compare one experiment with itself as no differences', () => {
    expect(compareExperiments([a, a], { onlyDifferences: true })).toEqual([]);
  });
});

describe('comparisonCsv()', () => {
  it('should quote, escape and guard formulas', () => {
    const csv = comparisonCsv(
      ['run "1"', 'run,2'],
      [
        {
          section: 'parameter',
          key: 'cmd',
          values: ['=HYPERLINK("x")', '@SUM(A1)'],
          differs: true
        },
        { section: 'parameter', key: 'neg', values: [-1, '+3'], differs: true },
        {
          section: 'parameter',
          key: 'text',
          values: ['a\nb', null],
          differs: true
        }
      ]
    );
    expect(csv.split('\r\n')).toEqual([
      'section,key,"run ""1""","run,2"',
      `parameter,cmd,"'=HYPERLINK(""x"")",'@SUM(A1)`,
      'parameter,neg,-1,+3',
      'parameter,text,"a\nb",',
      ''
    ]);
  });
});
