import { describe, expect, it } from 'vitest';

import {
  completions,
  placeholderExamples,
  queryFields,
  unknownFields
} from '../../../src/tracking/list/queryHelp';
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
  row('01B', {
    parameters: { max_depth: 5, n_estimators: 100, test_size: 0.25 },
    metrics: { accuracy: 0.9555555555555556, f1_macro: 0.95 },
    tags: ['best']
  }),
  row('01A', {
    parameters: { max_depth: 3, n_estimators: 100, test_size: 0.25 },
    metrics: { accuracy: 0.9111111111111111, f1_macro: 0.9 }
  })
];
const fields = queryFields(rows);

describe('queryFields()', () => {
  it('should list parameters, metrics and tags once, sorted', () => {
    expect(fields).toEqual({
      parameters: ['max_depth', 'n_estimators', 'test_size'],
      metrics: ['accuracy', 'f1_macro'],
      tags: ['best']
    });
  });
});

describe('unknownFields()', () => {
  it('should name a word with a colon that is no filter word, with the comparison meant', () => {
    expect(unknownFields('max_depth:3', fields)).toEqual([
      { field: 'max_depth:', suggestions: ['max_depth=3'] }
    ]);
    expect(unknownFields('-depth:3 foo:bar', fields)).toEqual([
      { field: 'depth:', suggestions: ['max_depth'] },
      { field: 'foo:', suggestions: [] }
    ]);
    // The filter's own words, a comparison, and colons in free text are not.
    expect(
      unknownFields(
        'tag:x author:ann is:starred notebook:a max_depth>=3',
        fields
      )
    ).toEqual([]);
    expect(unknownFields('https://x 12:30 a:b:c', fields)).toEqual([]);
  });

  it('should name a field no row has, with what was probably meant', () => {
    expect(unknownFields('depth>=5', fields)).toEqual([
      { field: 'depth', suggestions: ['max_depth'] }
    ]);
    expect(unknownFields('criterion = gini', fields)).toEqual([
      { field: 'criterion', suggestions: [] }
    ]);
    expect(unknownFields('acuracy>0.9', fields)).toEqual([
      { field: 'acuracy', suggestions: ['accuracy'] }
    ]);
  });

  it('should not name known fields, dates, states or free words', () => {
    expect(
      unknownFields(
        'MAX_DEPTH>=5 accuracy > 0.9 created>2026 is:failed tag:x gini',
        fields
      )
    ).toEqual([]);
  });

  it('should name each unknown field once, negated or in any alternative', () => {
    expect(
      unknownFields('-foo=1 OR foo=2 OR bar<3', fields).map(u => u.field)
    ).toEqual(['foo', 'bar']);
  });
});

describe('completions()', () => {
  it('should complete the last word with fields, states and tags', () => {
    expect(completions('max_depth>=5 acc', fields)).toEqual([
      'max_depth>=5 accuracy'
    ]);
    expect(completions('is:', fields)).toEqual([
      'is:starred',
      'is:broken',
      'is:failed'
    ]);
    expect(completions('-is:f', fields)).toEqual(['-is:failed']);
    expect(completions('t', fields)).toEqual(['test_size', 'tag:best']);
  });

  it('should offer fields that contain the word, after the prefixes', () => {
    expect(completions('depth', fields)).toEqual(['max_depth']);
  });

  it('should offer OR after a finished word', () => {
    expect(completions('accuracy>0.9 ', fields)).toContain('accuracy>0.9 OR ');
  });

  it('should start every option with what is typed', () => {
    for (const query of ['', 'a', 'max_depth>=5 n', 'x y ']) {
      for (const option of completions(query, fields)) {
        expect(option.startsWith(query)).toBe(true);
      }
    }
  });

  it('should offer nothing once the word has an operator, or for huge input', () => {
    expect(completions('accuracy>', fields)).toEqual([]);
    expect(completions('a'.repeat(5000), fields)).toEqual([]);
  });

  it('should leave out keys with spaces and stop at the limit', () => {
    const many = queryFields([
      row('01A', {
        parameters: Object.fromEntries(
          Array.from({ length: 100 }, (_, i) => [`p${i}`, i])
        ),
        metrics: { 'has space': 1 }
      })
    ]);
    expect(completions('', many, 10)).toHaveLength(10);
    expect(completions('has', many)).toEqual([]);
  });
});

describe('placeholderExamples()', () => {
  it('should use fields and values the rows have', () => {
    expect(placeholderExamples(rows)).toEqual([
      'max_depth>=5',
      'accuracy>0.9556',
      'is:starred'
    ]);
  });

  it('should fall back to states when rows have no numeric fields', () => {
    expect(placeholderExamples([])).toEqual(['is:starred']);
    expect(
      placeholderExamples([row('01A', { parameters: { 'a b': 1, c: 'x' } })])
    ).toEqual(['is:starred']);
  });
});
