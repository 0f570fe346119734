import { describe, expect, it } from 'vitest';

import {
  formatBytes,
  formatFullDate,
  formatNumber,
  formatRelativeTime,
  fullNumber
} from '../../src/util/format';

describe('format', () => {
  describe('#formatNumber()', () => {
    it('should round metrics to four significant digits', () => {
      expect(formatNumber(0.9111111111111111)).toBe('0.9111');
      expect(formatNumber(0.95555)).toBe('0.9556');
      expect(formatNumber(-0.123456)).toBe('-0.1235');
      expect(formatNumber(0.000123456)).toBe('0.0001235');
    });

    it('should drop trailing zeros and keep integers whole', () => {
      expect(formatNumber(0.95)).toBe('0.95');
      expect(formatNumber(1)).toBe('1');
      expect(formatNumber(0)).toBe('0');
      expect(formatNumber(12261)).toBe('12261');
      expect(formatNumber(-7)).toBe('-7');
    });

    it('should round large non-integers to a whole number, not an exponent', () => {
      expect(formatNumber(12345.678)).toBe('12346');
      expect(formatNumber(1234.5)).toBe('1235');
      expect(formatNumber(999.94)).toBe('999.9');
    });

    it('should name values that are not finite', () => {
      expect(formatNumber(Number.NaN)).toBe('NaN');
      expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
      expect(formatNumber(Number.NEGATIVE_INFINITY)).toBe('-∞');
    });

    it('should take another number of digits', () => {
      expect(formatNumber(Math.PI, 2)).toBe('3.1');
    });
  });

  describe('#fullNumber()', () => {
    it('should keep every digit', () => {
      expect(fullNumber(0.9111111111111111)).toBe('0.9111111111111111');
    });
  });

  describe('#formatBytes()', () => {
    it('should use binary units with one decimal under ten', () => {
      expect(formatBytes(0)).toBe('0 B');
      expect(formatBytes(532)).toBe('532 B');
      expect(formatBytes(1023)).toBe('1023 B');
      expect(formatBytes(1024)).toBe('1.0 KiB');
      expect(formatBytes(1229)).toBe('1.2 KiB');
      expect(formatBytes(12261)).toBe('12 KiB');
      expect(formatBytes(3.4 * 1024 ** 3)).toBe('3.4 GiB');
    });

    it('should carry 1024 of a unit into the next one', () => {
      expect(formatBytes(1024 * 1024 - 100)).toBe('1.0 MiB');
    });

    it('should refuse sizes that are not sizes', () => {
      expect(formatBytes(-1)).toBe('?');
      expect(formatBytes(Number.NaN)).toBe('?');
      expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('?');
    });

    it('should stop at the largest unit', () => {
      expect(formatBytes(2 * 1024 ** 6)).toBe('2048 PiB');
    });
  });

  describe('#formatRelativeTime()', () => {
    const now = new Date('2026-11-30T12:00:00Z');

    it('should say how long ago, in the largest whole unit', () => {
      expect(formatRelativeTime('2026-11-30T11:57:00Z', now, 'en')).toBe(
        '3 min. ago'
      );
      expect(formatRelativeTime('2026-11-30T11:59:30Z', now, 'en')).toBe(
        '30 sec. ago'
      );
      expect(formatRelativeTime('2026-11-30T09:00:00Z', now, 'en')).toBe(
        '3 hr. ago'
      );
      expect(formatRelativeTime('2026-11-29T12:00:00Z', now, 'en')).toBe(
        'yesterday'
      );
      expect(formatRelativeTime('2026-11-16T12:00:00Z', now, 'en')).toBe(
        '2 wk. ago'
      );
      expect(formatRelativeTime('2024-11-01T12:00:00Z', now, 'en')).toBe(
        '2 yr. ago'
      );
    });

    it('should tell apart five runs of the same minute', () => {
      const times = [10, 20, 30, 40, 50].map(s =>
        formatRelativeTime(`2026-11-30T11:59:${s}Z`, now, 'en')
      );
      expect(new Set(times).size).toBe(5);
    });

    it('should say now, and the future', () => {
      expect(formatRelativeTime('2026-11-30T12:00:00Z', now, 'en')).toBe('now');
      expect(formatRelativeTime('2026-11-30T14:00:00Z', now, 'en')).toBe(
        'in 2 hr.'
      );
    });

    it('should leave a date it cannot read as it is', () => {
      expect(formatRelativeTime('not a date', now, 'en')).toBe('not a date');
      expect(formatRelativeTime('', now, 'en')).toBe('');
    });
  });

  describe('#formatFullDate()', () => {
    it('should give the date and the time with seconds', () => {
      const text = formatFullDate('2026-11-30T11:21:07Z', 'en');
      expect(text).toMatch(/2026/);
      expect(text).toMatch(/November/);
      expect(text).toMatch(/:07/);
    });

    it('should leave a date it cannot read as it is', () => {
      expect(formatFullDate('garbage', 'en')).toBe('garbage');
    });
  });
});
