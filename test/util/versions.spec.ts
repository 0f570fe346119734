import { describe, expect, it } from 'vitest';

import { compareVersions, parseVersion } from '../../src/util/versions';

describe('compareVersions()', () => {
  // Each list is in increasing order, as pip orders it.
  const ordered = [
    '1.0.dev1',
    '1.0a1',
    '1.0a2.dev1',
    '1.0a2',
    '1.0b1',
    '1.0rc1',
    '1.0',
    '1.0+local.1',
    '1.0.post1.dev1',
    '1.0.post1',
    '1.1',
    '1.9',
    '1.10',
    '2!0.1'
  ];

  it('should order versions as PEP 440 does', () => {
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        const expected = i < j ? -1 : i > j ? 1 : 0;
        expect(
          compareVersions(ordered[i], ordered[j]),
          `${ordered[i]} vs ${ordered[j]}`
        ).toBe(expected);
      }
    }
  });

  it('should compare numbers, not text', () => {
    expect(compareVersions('1.9.0', '1.10.0')).toBe(-1);
    expect(compareVersions('2.10', '2.9')).toBe(1);
    expect(compareVersions('0.0010', '0.9')).toBe(1);
  });

  it('should treat spellings of one version as equal', () => {
    expect(compareVersions('1.0', '1.0.0')).toBe(0);
    expect(compareVersions('1.0-RC1', '1.0rc1')).toBe(0);
    expect(compareVersions('v2.0', '2')).toBe(0);
    expect(compareVersions('1.0-1', '1.0.post1')).toBe(0);
    expect(compareVersions('1.0c1', '1.0rc1')).toBe(0);
  });

  it('should compare huge numbers without losing precision', () => {
    expect(
      compareVersions('1.99999999999999999998', '1.99999999999999999999')
    ).toBe(-1);
  });

  it('should answer null for versions it cannot order', () => {
    expect(compareVersions('unknown', '1.0')).toBeNull();
    expect(
      compareVersions('2024-01-15-custom', '2024-01-16-custom')
    ).toBeNull();
    expect(compareVersions('<img src=x>', '1')).toBeNull();
    expect(compareVersions('', '1.0')).toBeNull();
    expect(compareVersions('ABC', 'abc')).toBe(0);
  });

  it('should refuse absurdly long input quickly', () => {
    const long = '1.' + '0.'.repeat(5000) + '1';
    const started = Date.now();
    expect(parseVersion(long)).toBeNull();
    expect(compareVersions(long, `${long}.1`)).toBeNull();
    // A pathological pattern would take seconds here.
    expect(parseVersion('1' + '.1'.repeat(99))).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
