import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { collectData, hashPaths } from '../../src/tracking/data';
import { isolatedClient } from '../support/client';
import { codeOf } from '../support/errors';

const root = () => inject('jupyterServer').rootDir;
const sha = (data: Buffer | string) =>
  createHash('sha256').update(data).digest('hex');

function project(name: string, files: Record<string, Buffer | string>): string {
  for (const [path, data] of Object.entries(files)) {
    const full = join(root(), name, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, data);
  }
  return name;
}

describe('hashPaths()', () => {
  it('should hash files through the bridge like node does, and report missing ones', async () => {
    const dir = project('data-a', {
      'data/wine.csv': 'a,b\n1,2\n',
      'big.bin': Buffer.alloc(3 << 20, 7)
    });
    const client = isolatedClient('data');
    const results = await hashPaths(client, [
      `${dir}/data/wine.csv`,
      `${dir}/big.bin`,
      `${dir}/nope.csv`
    ]);
    expect(results[0]).toMatchObject({
      kind: 'file',
      sha256: sha('a,b\n1,2\n'),
      size: 8
    });
    expect(results[1]).toMatchObject({
      kind: 'file',
      sha256: sha(Buffer.alloc(3 << 20, 7))
    });
    expect(results[2]).toMatchObject({ error: { code: 'E_NOT_FOUND' } });
    const again = await hashPaths(client, [`${dir}/big.bin`]);
    expect(again[0]).toMatchObject({ cached: true });
  });

  it('should cancel a long job when the signal aborts', async () => {
    const dir = project('data-b', { 'huge.bin': Buffer.alloc(768 << 20, 1) });
    const controller = new AbortController();
    let seen = 0;
    const code = await codeOf(
      hashPaths(isolatedClient('cancel'), [`${dir}/huge.bin`], {
        pollMs: 20,
        signal: controller.signal,
        onProgress: () => {
          seen += 1;
          controller.abort();
        }
      })
    );
    // 768 MiB takes well over the 200 ms the first request waits.
    expect(seen).toBeGreaterThan(0);
    expect(code).toBe('E_CANCELLED');
  });

  it('should ask nothing for no paths', async () => {
    expect(await hashPaths(isolatedClient('none'), [])).toEqual([]);
  });
});

describe('collectData()', () => {
  const file = (path: string, size: number) => ({
    path,
    kind: 'file' as const,
    sha256: 'c'.repeat(64),
    size,
    cached: false
  });

  it('should keep small files, record big ones by hash and skip missing ones', async () => {
    const read: string[] = [];
    const { entries, files } = await collectData(
      [
        file('d/small.csv', 10),
        file('d/big.csv', 5000),
        { path: 'd/x', error: { code: 'E_NOT_FOUND', message: 'no' } }
      ],
      new Map(),
      1024,
      async path => {
        read.push(path);
        return new TextEncoder().encode('a,b\n1,2\n');
      }
    );
    expect(read).toEqual(['d/small.csv']);
    expect(files.map(f => f.path)).toEqual(['data/d/small.csv']);
    expect(entries).toEqual([
      {
        path: 'd/small.csv',
        kind: 'file',
        sha256: 'c'.repeat(64),
        size: 10,
        stored: true,
        sources: ['code']
      },
      {
        path: 'd/big.csv',
        kind: 'file',
        sha256: 'c'.repeat(64),
        size: 5000,
        stored: false,
        sources: ['code']
      }
    ]);
  });

  it('should refuse a small file holding a secret', async () => {
    const token = ['ghp', '_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'].join('');
    const code = await codeOf(
      collectData([file('.env', 50)], new Map(), 1024, async () =>
        new TextEncoder().encode(`GITHUB_TOKEN=${token}\n`)
      )
    );
    expect(code).toBe('E_SECRET_FOUND');
  });
});
