import { describe, expect, it } from 'vitest';

import { parseLiteral, parseParameters } from '../../src/notebook/parameters';

describe('parseParameters()', () => {
  it('should read the demo notebook parameters cell', () => {
    const source = [
      'n_estimators = 50',
      'max_depth = 2  # shallow on purpose',
      'test_size = 0.25',
      'random_state = 42',
      'data_path = "data/wine.csv"',
      "model_path = 'models/wine_rf.pkl'"
    ].join('\n');
    expect(parseParameters(source)).toEqual({
      values: {
        n_estimators: 50,
        max_depth: 2,
        test_size: 0.25,
        random_state: 42,
        data_path: 'data/wine.csv',
        model_path: 'models/wine_rf.pkl'
      },
      skipped: []
    });
  });

  it('should skip what is not a simple literal and say which lines', () => {
    const source = [
      '# comment',
      'layers = [64, 32]',
      'lr: float = 1e-3',
      'name = f"run-{lr}"',
      'import os',
      'seed = int(os.environ["SEED"])',
      'flag = True',
      'x = y = 3'
    ].join('\n');
    const parsed = parseParameters(source);
    expect(parsed.values).toEqual({ lr: 0.001, flag: true });
    expect(parsed.skipped).toEqual([2, 4, 5, 6, 8]);
  });

  it('should keep hostile strings as plain values', () => {
    const parsed = parseParameters('title = "<img src=x onerror=alert(1)>"');
    expect(parsed.values.title).toBe('<img src=x onerror=alert(1)>');
  });

  it('should handle a huge cell without blowing up', () => {
    const source = Array.from(
      { length: 20_000 },
      (_, i) => `p${i} = ${i}`
    ).join('\n');
    expect(Object.keys(parseParameters(source).values)).toHaveLength(20_000);
  });
});

describe('parseLiteral()', () => {
  it.each([
    ['1_000', 1000],
    ['-3', -3],
    ['+2.5', 2.5],
    ['.5', 0.5],
    ['1e-3', 0.001],
    ['None', null],
    ['False', false],
    ['"a\\nb"', 'a\nb'],
    ["r'C:\\path'", 'C:\\path'],
    ["''", '']
  ])('should read %s', (text, value) => {
    expect(parseLiteral(text)).toEqual(value);
  });

  it.each([
    '1__0',
    '1_',
    'nan',
    'inf',
    "b'bytes'",
    '"unterminated',
    '"a"b"',
    '[1]',
    'x',
    '"\\q"'
  ])('should refuse %s', text => {
    expect(parseLiteral(text)).toBeUndefined();
  });
});
