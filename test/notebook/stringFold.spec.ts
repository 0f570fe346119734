import { describe, expect, it } from 'vitest';

import { foldString, IFolded, MAX_VALUE } from '../../src/notebook/stringFold';

const str = (value: string): IFolded => ({ kind: 'str', value });
const names = new Map<string, IFolded>([
  ['base', str('data/')],
  ['root', { kind: 'path', value: 'data' }],
  ['name', str('test')]
]);

describe('foldString()', () => {
  it.each([
    ['"data/x.csv"', str('data/x.csv')],
    ["r'raw\\name.csv'", str('raw\\name.csv')],
    ['base + "test.csv"', str('data/test.csv')],
    ['(base) + name + ".csv"', str('data/test.csv')],
    ['f"{base}{name}.csv"', str('data/test.csv')],
    ["f'{{literal}}/{name}'", str('{literal}/test')],
    ['os.path.join(base, "raw", name + ".csv")', str('data/raw/test.csv')],
    ['os.path.join("a", "/abs", "b")', str('/abs/b')],
    ['Path("data") / "x.csv"', { kind: 'path', value: 'data/x.csv' }],
    [
      'pathlib.Path("data", "sub") / name',
      { kind: 'path', value: 'data/sub/test' }
    ],
    ['root / "x" / "y.csv"', { kind: 'path', value: 'data/x/y.csv' }],
    ['str(root / "y.csv")', str('data/y.csv')],
    ['Path()', { kind: 'path', value: '.' }]
  ])('should fold %s', (expression, folded) => {
    expect(foldString(expression, names)).toEqual(folded);
  });

  it.each([
    'unknown + ".csv"',
    'base + 1',
    '"a" / "b"',
    'root + "x"',
    'f"{base!r}"',
    'f"{name.upper()}"',
    'f"{missing}"',
    'base.upper()',
    'open("x")',
    '"a" "b"',
    '"""triple"""',
    "b'bytes'",
    '"unterminated',
    'base +',
    '(base',
    'os.path.join()',
    'config.DATA + "x"',
    ''
  ])('should leave %j unknown', expression => {
    expect(foldString(expression, names)).toBeUndefined();
  });

  it('should stop a value that doubles past its bound', () => {
    const known = new Map<string, IFolded>([['a0', str('x'.repeat(64))]]);
    let i = 0;
    for (; i < 20; i++) {
      const value = foldString(`a${i} + a${i}`, known);
      if (value === undefined) {
        break;
      }
      known.set(`a${i + 1}`, value);
    }
    expect(i).toBe(6);
    expect(known.get(`a${i}`)?.value.length).toBeLessThanOrEqual(MAX_VALUE);
  });

  it('should refuse over-long and deeply nested expressions quickly', () => {
    const started = Date.now();
    expect(
      foldString(`${'('.repeat(500)}"a"${')'.repeat(500)}`, names)
    ).toBeUndefined();
    expect(foldString(`"a"${' + "a"'.repeat(1000)}`, names)).toBeUndefined();
    expect(foldString('"' + 'a'.repeat(2000) + '"', names)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(500);
  });
});
