import { describe, expect, it } from 'vitest';

import {
  overrideText,
  parseOverride,
  readOverrides
} from '../../src/pipeline/overrides';

describe('parseOverride()', () => {
  it('should read each type as the runner does', () => {
    expect(parseOverride('int', ' 42 ')).toEqual({ ok: true, value: 42 });
    expect(parseOverride('int', '-3')).toEqual({ ok: true, value: -3 });
    expect(parseOverride('float', '0.25')).toEqual({ ok: true, value: 0.25 });
    expect(parseOverride('float', '1e-3')).toEqual({ ok: true, value: 0.001 });
    expect(parseOverride('bool', 'Yes')).toEqual({ ok: true, value: true });
    expect(parseOverride('bool', '0')).toEqual({ ok: true, value: false });
    expect(parseOverride('none', 'None')).toEqual({ ok: true, value: null });
    expect(parseOverride('str', ' keep spaces ')).toEqual({
      ok: true,
      value: ' keep spaces '
    });
  });

  it('should refuse what is not of the type, and never evaluate', () => {
    for (const [type, text] of [
      ['int', '1.5'],
      ['int', '1e3'],
      ['int', '0x10'],
      ['int', ''],
      ['int', '9'.repeat(400)],
      ['int', "__import__('os').system('touch PWNED')"],
      ['float', 'nan'],
      ['float', 'Infinity'],
      ['float', ''],
      ['float', '2 + 2'],
      ['bool', 'maybe']
    ] as const) {
      expect(parseOverride(type, text).ok, `${type} ${text}`).toBe(false);
    }
    // Code in a str parameter is that text, nothing more.
    expect(parseOverride('str', "'); import os #")).toEqual({
      ok: true,
      value: "'); import os #"
    });
    expect(parseOverride('str', 'x'.repeat(10_001)).ok).toBe(false);
  });
});

describe('readOverrides()', () => {
  const parameters = [
    { name: 'n', type: 'int' as const, default: 100 },
    { name: 'rate', type: 'float' as const, default: 0.1 },
    { name: 'path', type: 'str' as const, default: 'data/x.csv' }
  ];

  it('should keep only changed values and name the bad ones', () => {
    expect(
      readOverrides(parameters, { n: '100', rate: '0.5', path: 'data/x.csv' })
    ).toEqual({ params: { rate: 0.5 }, errors: {} });
    expect(readOverrides(parameters, { n: 'ten', ghost: '1' })).toEqual({
      params: {},
      errors: { n: '"ten" is not a whole number' }
    });
    expect(overrideText(null)).toBe('None');
    expect(overrideText(0.1)).toBe('0.1');
  });
});
