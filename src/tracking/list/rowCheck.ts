/**
 * Whether `value` has the shape of an index row: what
 * `experimentRowSchema.extend({ oid: z.string() })` accepts (row.ts),
 * written out by hand. Reading 100,000 cached rows, zod took as long as
 * JSON.parse of them (~0.5 s); this takes a small part of that.
 * `test/tracking/list/rowCheck.spec.ts` keeps the two in step.
 */
export function isIndexedRowShape(value: unknown): boolean {
  if (!Private.isRecord(value)) {
    return false;
  }
  const v = value;
  return (
    Private.STRINGS.every(key => typeof v[key] === 'string') &&
    typeof v.starred === 'boolean' &&
    Private.optional(v.author, Private.isString) &&
    Private.optional(v.note, Private.isString) &&
    Private.optional(v.failed, x => typeof x === 'boolean') &&
    Array.isArray(v.tags) &&
    v.tags.every(Private.isString) &&
    Private.isRecordOf(v.parameters, Private.isParameter) &&
    Private.isRecordOf(v.metrics, Private.isNumber) &&
    Private.optional(v.series, x => Private.isRecordOf(x, Private.isRange)) &&
    Private.optional(
      v.broken,
      x =>
        Private.isRecord(x) &&
        typeof x.code === 'string' &&
        typeof x.message === 'string'
    )
  );
}

namespace Private {
  export const STRINGS = [
    'ref',
    'id',
    'slug',
    'name',
    'createdAt',
    'notebookPath',
    'oid'
  ] as const;

  /** Longest string parameter value (`parameterValue`). */
  const MAX_PARAMETER_STRING = 10_000;

  /** An object zod's `z.object`/`z.record` takes: plain, not an array. */
  export function isRecord(value: unknown): value is Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return false;
    }
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  }

  export function isString(value: unknown): boolean {
    return typeof value === 'string';
  }

  /** zod 4's `z.number()`: finite. */
  export function isNumber(value: unknown): boolean {
    return typeof value === 'number' && Number.isFinite(value);
  }

  export function isParameter(value: unknown): boolean {
    return (
      value === null ||
      typeof value === 'boolean' ||
      isNumber(value) ||
      (typeof value === 'string' && value.length <= MAX_PARAMETER_STRING)
    );
  }

  export function isRange(value: unknown): boolean {
    return (
      isRecord(value) &&
      isNumber(value.min) &&
      isNumber(value.max) &&
      isNumber(value.steps)
    );
  }

  export function isRecordOf(
    value: unknown,
    check: (item: unknown) => boolean
  ): boolean {
    if (!isRecord(value)) {
      return false;
    }
    for (const key in value) {
      if (!check(value[key])) {
        return false;
      }
    }
    return true;
  }

  export function optional(
    value: unknown,
    check: (item: unknown) => boolean
  ): boolean {
    return value === undefined || check(value);
  }
}
