import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { experimentRowSchema } from '../../../src/tracking/list/row';
import { isIndexedRowShape } from '../../../src/tracking/list/rowCheck';

const schema = experimentRowSchema.extend({ oid: z.string() });

const row = (): Record<string, unknown> => ({
  ref: 'refs/exps/wine-12345678/01JB8X0000000000000000000A',
  id: '01JB8X0000000000000000000A',
  slug: 'wine-12345678',
  name: 'brave-otter',
  createdAt: '2026-11-30T12:00:00.000Z',
  notebookPath: 'wine.ipynb',
  author: 'alice',
  parameters: { alpha: 0.5, model: 'rf', deep: true, none: null },
  metrics: { accuracy: 0.9, loss: -1e-9 },
  starred: false,
  tags: ['a', 'b'],
  series: { loss: { min: 0.1, max: 2, steps: 10 } },
  note: 'n',
  failed: false,
  broken: { code: 'E_X', message: 'm' },
  oid: 'a'.repeat(40)
});

/** Values of every kind, good and bad, to put anywhere in a row (new each time). */
const values = (): unknown[] => [
  undefined,
  null,
  true,
  0,
  -1.5,
  NaN,
  Infinity,
  -Infinity,
  '',
  'text',
  'x'.repeat(10_000),
  'x'.repeat(10_001),
  [],
  ['a'],
  [1],
  {},
  { a: 1 },
  { a: 'x' },
  { a: null },
  { a: [] },
  { min: 1, max: 2, steps: 3 },
  { min: 1, max: 2 },
  { code: 'c', message: 'm' },
  { code: 1, message: 'm' },
  Object.create(null),
  new Date(0),
  new Map(),
  () => 1
];
const VALUES = values();

function agree(value: unknown): void {
  expect(
    isIndexedRowShape(value),
    JSON.stringify(value, (_, v) => (v === undefined ? '<undefined>' : v))
  ).toBe(schema.safeParse(value).success);
}

describe('isIndexedRowShape()', () => {
  it('should accept a full row and a minimal one', () => {
    expect(isIndexedRowShape(row())).toBe(true);
    const minimal = row();
    for (const key of ['author', 'series', 'note', 'failed', 'broken']) {
      delete minimal[key];
    }
    expect(isIndexedRowShape(minimal)).toBe(true);
    agree(minimal);
  });

  it('should judge every field set to every kind of value as zod does', () => {
    for (const key of Object.keys(row())) {
      for (const value of VALUES) {
        agree({ ...row(), [key]: value });
      }
      const without = row();
      delete without[key];
      agree(without);
    }
  });

  it('should judge values inside the records and lists as zod does', () => {
    for (const value of VALUES) {
      agree({ ...row(), parameters: { p: value } });
      agree({ ...row(), metrics: { m: value } });
      agree({ ...row(), tags: ['ok', value] });
      agree({ ...row(), series: { s: value } });
      agree({ ...row(), series: { s: { min: 0, max: 1, steps: value } } });
      agree({ ...row(), broken: { code: 'c', message: value } });
    }
  });

  it('should refuse what is not a row at all, and keep extra keys as zod does', () => {
    for (const value of [...VALUES, [row()], 'row']) {
      agree(value);
    }
    agree({ ...row(), extra: { anything: [1, 'x'] } });
    agree(Object.assign(Object.create(null), row()));
  });

  it('should agree with zod on random mutations of rows', () => {
    let seed = 7;
    const random = () =>
      ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const pick = <T>(items: readonly T[]): T =>
      items[Math.floor(random() * items.length)];
    const keys = Object.keys(row());
    for (let i = 0; i < 3000; i++) {
      const mutated = row();
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        const key = pick(keys);
        const target = mutated[key];
        if (
          typeof target === 'object' &&
          target !== null &&
          !Array.isArray(target) &&
          random() < 0.5
        ) {
          (target as Record<string, unknown>)[pick(['a', 'min', 'code'])] =
            pick(values());
        } else {
          mutated[key] = pick(values());
        }
      }
      agree(mutated);
    }
  });
});
