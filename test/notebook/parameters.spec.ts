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
      skipped: [],
      notes: []
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
    expect(parsed.notes.map(note => note.reason)).toEqual([
      'not-a-literal',
      'not-a-literal',
      'not-an-assignment',
      'not-a-literal',
      'not-a-literal'
    ]);
  });

  it('should read annotated assignments, quoted annotations too', () => {
    const source = [
      'c: "NoneType" = None',
      'lr: float = 0.1',
      "name: 'str' = 'run'",
      'ratio:Optional[float]=.5  # comment',
      'seen: int'
    ].join('\n');
    const parsed = parseParameters(source);
    expect(parsed.values).toEqual({
      c: null,
      lr: 0.1,
      name: 'run',
      ratio: 0.5
    });
    expect(parsed.notes).toEqual([
      { line: 5, text: 'seen: int', reason: 'no-value' }
    ]);
  });

  it('should list every line of papermill complex_parameters cell it skips, with why', () => {
    // The cell of papermill/tests/notebooks/complex_parameters.ipynb.
    const source = [
      'msg = None',
      'a: float = 2.25 # Variable a',
      'b = [',
      "    'Hello', # First element",
      '# Dummy comment',
      "    'World'",
      '] # type: List[str] Nice list',
      '',
      '# Interesting c variable',
      'c: "NoneType" = None',
      '# Not introspectable line',
      'd = a == 3',
      '# Broken name definition',
      '= 2'
    ].join('\n');
    const parsed = parseParameters(source);
    expect(parsed.values).toEqual({ msg: null, a: 2.25, c: null });
    expect(parsed.notes).toEqual([
      { line: 3, text: 'b = [', reason: 'multi-line' },
      { line: 4, text: "'Hello', # First element", reason: 'multi-line' },
      { line: 6, text: "'World'", reason: 'multi-line' },
      { line: 7, text: '] # type: List[str] Nice list', reason: 'multi-line' },
      { line: 12, text: 'd = a == 3', reason: 'not-a-literal' },
      { line: 14, text: '= 2', reason: 'not-an-assignment' }
    ]);
  });

  it('should end a backslash continuation and keep reading after it', () => {
    const parsed = parseParameters(
      'x = 1 + \\\n    2\ny = 3\nz = (\n4)\nw = 5'
    );
    expect(parsed.values).toEqual({ y: 3, w: 5 });
    expect(parsed.skipped).toEqual([1, 2, 4, 5]);
  });

  it('should cut the text of a huge skipped line and stay linear on hostile lines', () => {
    const long = `x: ${'"a'.repeat(50_000)} = ${"'".repeat(50_000)}`;
    const started = Date.now();
    const parsed = parseParameters(
      [long, `y: ${"'".repeat(100_000)}`].join('\n')
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(parsed.values).toEqual({});
    expect(parsed.notes).toHaveLength(2);
    expect(parsed.notes[0].text).toHaveLength(200);
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
