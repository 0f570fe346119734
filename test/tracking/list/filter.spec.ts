import { describe, expect, it } from 'vitest';

import {
  comparedField,
  filterRows,
  parseQuery
} from '../../../src/tracking/list/filter';
import { IExperimentRow } from '../../../src/tracking/list/row';

function row(id: string, over: Partial<IExperimentRow> = {}): IExperimentRow {
  return {
    ref: `refs/exps/nb-00000000/${id}`,
    id,
    slug: 'nb-00000000',
    name: `run-${id}`,
    createdAt: '2026-11-23T12:00:00Z',
    notebookPath: 'examples/wine_classifier.ipynb',
    parameters: {},
    metrics: {},
    starred: false,
    tags: [],
    ...over
  };
}

const rows = [
  row('01A', {
    parameters: { max_depth: 3, criterion: 'gini' },
    metrics: { accuracy: 0.9111111111111111 },
    note: 'Baseline from the tutorial'
  }),
  row('01B', {
    parameters: { max_depth: 5, criterion: 'entropy' },
    metrics: { accuracy: 0.9555555555555556 },
    failed: true
  }),
  row('01C', {
    parameters: { max_depth: 8, criterion: 'gini' },
    metrics: { accuracy: 0.8 },
    tags: ['deep']
  })
];
const ids = (query: string) => filterRows(rows, query).map(r => r.id);

describe('filterRows()', () => {
  describe('spaces around operators', () => {
    it('should read `accuracy > 0.9` as `accuracy>0.9`', () => {
      expect(ids('accuracy>0.9')).toEqual(['01A', '01B']);
      expect(ids('accuracy > 0.9')).toEqual(['01A', '01B']);
      expect(ids('accuracy >0.9')).toEqual(['01A', '01B']);
      expect(ids('accuracy> 0.9')).toEqual(['01A', '01B']);
      expect(ids('max_depth >= 5')).toEqual(['01B', '01C']);
      expect(ids('criterion = gini')).toEqual(['01A', '01C']);
      expect(ids('criterion != gini')).toEqual(['01B']);
      expect(ids('tag: deep')).toEqual(['01C']);
    });

    it('should keep the negation and the AND around joined words', () => {
      expect(ids('-accuracy > 0.9')).toEqual(['01C']);
      expect(ids('accuracy > 0.9 criterion = gini')).toEqual(['01A']);
    });
  });

  describe('OR', () => {
    it('should make alternatives, with AND binding tighter', () => {
      expect(ids('criterion=entropy OR tag:deep')).toEqual(['01B', '01C']);
      expect(ids('criterion=entropy or tag:deep')).toEqual(['01B', '01C']);
      expect(ids('criterion=gini accuracy>0.9 OR is:failed')).toEqual([
        '01A',
        '01B'
      ]);
      expect(ids('max_depth = 3 | max_depth = 8')).toEqual(['01A', '01C']);
    });

    it('should keep AND as the default, and accept it spelled out', () => {
      expect(ids('criterion=gini AND tag:deep')).toEqual(['01C']);
      expect(ids('criterion=gini tag:deep')).toEqual(['01C']);
    });

    it('should ignore a dangling OR', () => {
      expect(ids('OR tag:deep OR')).toEqual(['01C']);
      expect(ids('OR')).toEqual(['01A', '01B', '01C']);
    });
  });

  describe('notes, states and phrases', () => {
    it('should search the note', () => {
      expect(ids('tutorial')).toEqual(['01A']);
      expect(ids('"from the tutorial"')).toEqual(['01A']);
      expect(ids('"the baseline"')).toEqual([]);
    });

    it('should find failed runs with is:failed', () => {
      expect(ids('is:failed')).toEqual(['01B']);
      expect(ids('-is:failed')).toEqual(['01A', '01C']);
    });

    it('should not take a failed flag of the wrong type', () => {
      const odd = [row('01X', { failed: 'yes' as unknown as boolean })];
      expect(filterRows(odd, 'is:failed')).toEqual([]);
    });
  });

  it('should match nothing for a field no row has', () => {
    expect(ids('depth>=5')).toEqual([]);
    expect(ids('criterion=gini')).toEqual(['01A', '01C']);
  });
});

describe('parseQuery()', () => {
  it('should split into alternatives of words', () => {
    expect(parseQuery('a  b OR c')).toEqual([['a', 'b'], ['c']]);
    expect(parseQuery('x >= 5 "two words"')).toEqual([['x>=5', '"two words']]);
    expect(parseQuery('')).toEqual([]);
    expect(parseQuery('   ')).toEqual([]);
  });

  it('should not join across OR or into a phrase', () => {
    expect(parseQuery('a = OR b')).toEqual([['a='], ['b']]);
    expect(parseQuery('"a" = b')).toEqual([['"a', '=b']]);
  });

  it('should keep only the first 20 words of a huge query', () => {
    const huge = Array.from({ length: 100_000 }, (_, i) => `w${i}`).join(' ');
    const started = performance.now();
    expect(parseQuery(huge).flat()).toHaveLength(20);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('should survive operators alone and unbalanced quotes', () => {
    for (const query of ['>', '= = =', '"', '"unclosed', '- -', '>= 5', '||']) {
      expect(() => filterRows(rows, query), query).not.toThrow();
    }
    expect(parseQuery('"unclosed phrase')).toEqual([['"unclosed phrase']]);
  });
});

describe('comparedField()', () => {
  it('should name the field of a comparison word', () => {
    expect(comparedField('max_depth>=5')).toBe('max_depth');
    expect(comparedField('-criterion=gini')).toBe('criterion');
    expect(comparedField('tag:x')).toBeUndefined();
    expect(comparedField('is:failed')).toBeUndefined();
    expect(comparedField('gini')).toBeUndefined();
  });
});

describe('filterRows author:', () => {
  const team = [
    row('01X', { author: 'Alice Liddell' }),
    row('01Y', { author: 'bob' }),
    row('01Z')
  ];
  const ids = (query: string) => filterRows(team, query).map(r => r.id);

  it('should keep the rows whose author holds the text, any case', () => {
    expect(ids('author:alice')).toEqual(['01X']);
    expect(ids('author:LIDDELL')).toEqual(['01X']);
    expect(ids('author: bob')).toEqual(['01Y']);
    expect(ids('author:carol')).toEqual([]);
  });

  it('should exclude with -author: and find authors by free words too', () => {
    expect(ids('-author:alice')).toEqual(['01Y', '01Z']);
    expect(ids('bob')).toEqual(['01Y']);
    // A row without an author (older snapshots) matches only `author:`.
    expect(ids('author:')).toEqual(['01X', '01Y', '01Z']);
  });

  it('should not read author: as a comparison', () => {
    expect(comparedField('author:alice')).toBeUndefined();
  });
});
