/**
 * One way to show numbers, times and sizes everywhere in the extension:
 * metrics to four significant digits (the full value goes in a title),
 * times relative to now (the full date goes in a title), sizes in binary
 * units. Pure; imports nothing of src/.
 */

/**
 * How many significant digits a metric or parameter shows.
 */
export const SIGNIFICANT_DIGITS = 4;

/**
 * A number as the tables show it: integers whole (`1`, `12261`), others to
 * four significant digits without trailing zeros (`0.9111`, `0.95`,
 * `0.0001235`); from 1,000 up, rounded to a whole number (`12346`) rather
 * than written with an exponent. Not-a-number and infinities read as
 * `NaN`, `∞`, `-∞`.
 */
export function formatNumber(
  value: number,
  digits = SIGNIFICANT_DIGITS
): string {
  if (Number.isNaN(value)) {
    return 'NaN';
  }
  if (!Number.isFinite(value)) {
    return value > 0 ? '∞' : '-∞';
  }
  if (Number.isInteger(value)) {
    return String(value);
  }
  if (Math.abs(value) >= 10 ** (digits - 1)) {
    return String(Math.round(value));
  }
  // Number() drops the trailing zeros toPrecision keeps (0.9500 → 0.95).
  return String(Number(value.toPrecision(digits)));
}

/**
 * A number's full value for a title (hover): every digit JavaScript keeps.
 */
export function fullNumber(value: number): string {
  return String(value);
}

/**
 * A size in bytes for people: `532 B`, `1.2 KiB`, `12 KiB`, `3.4 GiB`;
 * `?` for a size that is not a whole number of bytes.
 */
export function formatBytes(size: number): string {
  if (!Number.isFinite(size) || size < 0) {
    return '?';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) {
    return `${Math.round(value)} B`;
  }
  const shown = value < 10 ? value.toFixed(1) : String(Math.round(value));
  // 1023.6 KiB rounds to 1024: say 1.0 MiB instead.
  if (shown === '1024' && unit < units.length - 1) {
    return `1.0 ${units[unit + 1]}`;
  }
  return `${shown} ${units[unit]}`;
}

/**
 * A moment relative to `now`: `12 sec. ago`, `3 min. ago`, `yesterday`,
 * `in 2 hr.` (the locale's words, Intl.RelativeTimeFormat); an
 * unreadable date is returned as it is.
 */
export function formatRelativeTime(
  iso: string,
  now: Date = new Date(),
  locale?: string
): string {
  const time = new Date(iso).getTime();
  if (iso === '' || Number.isNaN(time)) {
    return iso;
  }
  const seconds = Math.round((time - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, {
    numeric: 'auto',
    style: 'short'
  });
  for (const [unit, size] of Private.UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return format.format(Math.trunc(seconds / size), unit);
    }
  }
  return iso;
}

/**
 * A moment in full, for a title: the locale's date and time with seconds.
 */
export function formatFullDate(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (iso === '' || Number.isNaN(date.getTime())) {
    return iso;
  }
  return date.toLocaleString(locale, {
    dateStyle: 'full',
    timeStyle: 'medium'
  });
}

namespace Private {
  /**
   * Units of a relative time, largest first, with their size in seconds.
   */
  export const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 24 * 3600],
    ['month', 30 * 24 * 3600],
    ['week', 7 * 24 * 3600],
    ['day', 24 * 3600],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1]
  ];
}
