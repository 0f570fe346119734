import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { MlopsError } from '../../../src/errors';
import { collectData, hashPaths } from '../../../src/tracking/capture/data';
import { isolatedClient } from '../../support/client';
import { codeOf } from '../../support/errors';

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

  it('should send back the bytes it hashed of small files, not of big ones or folders', async () => {
    const dir = project('data-c', {
      'small.csv': 'x,y\n3,4\n',
      'big.csv': Buffer.alloc(100, 1),
      'folder/inner.csv': 'tiny'
    });
    const client = isolatedClient('capture');
    const paths = ['small.csv', 'big.csv', 'folder'].map(p => `${dir}/${p}`);
    // Cached or not, a captured file is read again: its bytes are the ones hashed.
    await hashPaths(client, paths);
    const [small, big, folder] = await hashPaths(client, paths, {
      captureMaxBytes: 64
    });
    expect(small).toMatchObject({
      kind: 'file',
      sha256: sha('x,y\n3,4\n'),
      size: 8,
      cached: false,
      data: new TextEncoder().encode('x,y\n3,4\n')
    });
    expect(big).toMatchObject({
      kind: 'file',
      sha256: sha(Buffer.alloc(100, 1))
    });
    expect(big).not.toHaveProperty('data');
    expect(folder).toMatchObject({ kind: 'dir' });
    expect(folder).not.toHaveProperty('data');
  });

  it('should ask for no more than the bridge allows', async () => {
    // The setting goes up to 64 MiB; the bridge takes 8 MiB at most.
    const dir = project('data-d', { 'f.txt': 'f' });
    const [result] = await hashPaths(
      isolatedClient('clamp'),
      [`${dir}/f.txt`],
      {
        captureMaxBytes: 64 << 20
      }
    );
    expect(result).toMatchObject({ data: new TextEncoder().encode('f') });
  });

  it('should ask nothing for no paths', async () => {
    expect(await hashPaths(isolatedClient('none'), [])).toEqual([]);
  });
});

describe('collectData()', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const file = (path: string, size: number, data?: Uint8Array) => ({
    path,
    kind: 'file' as const,
    sha256: 'c'.repeat(64),
    size,
    cached: false,
    ...(data === undefined ? {} : { data })
  });

  it('should keep the files the bridge captured, record the others by hash and skip missing ones', () => {
    const { entries, files } = collectData(
      [
        file('d/small.csv', 8, bytes('a,b\n1,2\n')),
        file('d/big.csv', 5000),
        { path: 'd/x', error: { code: 'E_NOT_FOUND', message: 'no' } }
      ],
      new Map([['d/big.csv', ['settings' as const]]])
    );
    expect(files).toEqual([
      { path: 'data/d/small.csv', data: bytes('a,b\n1,2\n') }
    ]);
    expect(entries).toEqual([
      {
        path: 'd/small.csv',
        kind: 'file',
        sha256: 'c'.repeat(64),
        size: 8,
        stored: true,
        sources: ['code']
      },
      {
        path: 'd/big.csv',
        kind: 'file',
        sha256: 'c'.repeat(64),
        size: 5000,
        stored: false,
        sources: ['settings']
      }
    ]);
  });

  it('should refuse a captured file holding a secret', () => {
    const token = ['ghp', '_', 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'].join('');
    const data = bytes(`GITHUB_TOKEN=${token}\n`);
    let code = 'none';
    try {
      collectData([file('.env', data.length, data)], new Map());
    } catch (reason) {
      code = reason instanceof MlopsError ? reason.code : String(reason);
    }
    expect(code).toBe('E_SECRET_FOUND');
  });
});
