import { describe, expect, it } from 'vitest';

import {
  notebookSlug,
  ULID_PATTERN,
  ulidTime,
  UlidFactory
} from '../../src/util/ids';

describe('UlidFactory', () => {
  describe('#next()', () => {
    it('should encode time and randomness as the ULID spec does', () => {
      // The spec's example time 1469918176385 encodes as 01ARYZ6S41.
      const factory = new UlidFactory({
        now: () => 1469918176385,
        random: bytes => bytes.fill(0)
      });
      const id = factory.next();
      expect(id).toBe('01ARYZ6S41' + '0'.repeat(16));
      expect(id).toMatch(ULID_PATTERN);
      expect(ulidTime(id)).toBe(1469918176385);
    });

    it('should increase strictly within one millisecond and across a clock step back', () => {
      let now = 1_700_000_000_000;
      const factory = new UlidFactory({
        now: () => now,
        random: bytes => bytes.fill(255, 0, 9)
      });
      const a = factory.next();
      const b = factory.next();
      now -= 5000;
      const c = factory.next();
      expect(a < b && b < c).toBe(true);
      expect(ulidTime(c)).toBe(1_700_000_000_000);
    });

    it('should make distinct sortable ids by default', () => {
      const factory = new UlidFactory();
      const made = Array.from({ length: 1000 }, () => factory.next());
      expect(new Set(made).size).toBe(1000);
      expect([...made].sort()).toEqual(made);
    });

    it('should refuse a time outside 48 bits', () => {
      expect(() => new UlidFactory({ now: () => 2 ** 48 }).next()).toThrow(
        RangeError
      );
      expect(() => new UlidFactory({ now: () => -1 }).next()).toThrow(
        RangeError
      );
    });
  });
});

describe('notebookSlug()', () => {
  it('should be readable, ref-safe and unique per path', () => {
    const slug = notebookSlug('examples/Wine Classifier.ipynb');
    expect(slug).toMatch(/^examples-wine-classifier-[0-9a-f]{8}$/);
    expect(notebookSlug('a/b.ipynb')).not.toBe(notebookSlug('a-b.ipynb'));
    expect(notebookSlug('a/b.ipynb')).toBe(notebookSlug('a/b.ipynb'));
  });

  it.each([
    '../../etc/passwd',
    '日本語.ipynb',
    '....ipynb',
    'x'.repeat(500),
    '<img src=x>.ipynb'
  ])('should make a safe slug of %j', path => {
    expect(notebookSlug(path)).toMatch(
      /^[a-z0-9]([a-z0-9-]{0,47})?-[0-9a-f]{8}$/
    );
  });
});
