import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import {
  entryOf,
  looseObject,
  packedRefs,
  treeOf
} from '../../../src/tracking/store/gitObjects';

describe('git objects', () => {
  const object = (header: string, body: Uint8Array | string) =>
    new Uint8Array(
      deflateSync(
        Buffer.concat([Buffer.from(`${header}\0`), Buffer.from(body)])
      )
    );

  it('should read a well-formed loose object of the asked type only', async () => {
    const blob = object('blob 5', 'hello');
    const body = await looseObject(blob, 'blob');
    expect(body && new TextDecoder().decode(body)).toBe('hello');
    expect(await looseObject(blob, 'commit')).toBeNull();
  });

  it('should refuse malformed, lying and oversized objects', async () => {
    const cases: Uint8Array[] = [
      new Uint8Array([1, 2, 3]),
      new Uint8Array(0),
      object('blob 6', 'hello'), // size says 6
      object('blob five', 'hello'),
      object('blobby 5', 'hello'),
      new Uint8Array(deflateSync(Buffer.from('blob 5hello'))), // no NUL
      new Uint8Array(deflateSync(Buffer.alloc(100, 0x61))), // no header
      // A zlib bomb: 64 MiB of zeros in a few kilobytes.
      object(`blob ${64 * 1024 ** 2}`, new Uint8Array(64 * 1024 ** 2))
    ];
    for (const bytes of cases) {
      expect(await looseObject(bytes, 'blob')).toBeNull();
    }
  });

  it('should find the tree of a commit and a blob in a tree', () => {
    const tree = 'a'.repeat(40);
    expect(treeOf(new TextEncoder().encode(`tree ${tree}\nauthor x\n`))).toBe(
      tree
    );
    expect(treeOf(new TextEncoder().encode('parent x\n'))).toBe(null);
    const oid = (byte: number) => Buffer.alloc(20, byte);
    const entries = Buffer.concat([
      Buffer.from('40000 data\0'),
      oid(1),
      Buffer.from('100644 manifest.json\0'),
      oid(0xab),
      Buffer.from('100644 notebook.ipynb\0'),
      oid(2)
    ]);
    expect(entryOf(new Uint8Array(entries), 'manifest.json')).toBe(
      'ab'.repeat(20)
    );
    expect(entryOf(new Uint8Array(entries), 'data')).toBeNull();
    expect(entryOf(new Uint8Array(entries), 'missing')).toBeNull();
    // Truncated in the middle of an oid.
    expect(
      entryOf(
        new Uint8Array(entries.subarray(0, entries.length - 5)),
        'notebook.ipynb'
      )
    ).toBeNull();
  });

  it('should parse packed-refs, skipping comments, peeled and hostile lines', () => {
    const text = [
      '# pack-refs with: peeled fully-peeled sorted',
      `${'1'.repeat(40)} refs/exps/nb-00000000/01JDZ0000000000000000000AA`,
      `^${'2'.repeat(40)}`,
      `${'3'.repeat(40)} refs/heads/main`,
      `${'4'.repeat(39)} refs/exps/short`,
      `${'5'.repeat(40)} refs/exps/a b`,
      ''
    ].join('\n');
    expect(packedRefs(new TextEncoder().encode(text))).toEqual([
      ['refs/exps/nb-00000000/01JDZ0000000000000000000AA', '1'.repeat(40)],
      ['refs/heads/main', '3'.repeat(40)]
    ]);
  });
});
