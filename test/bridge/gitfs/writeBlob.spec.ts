import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { BridgeClient } from '../../../src/bridge/client';
import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { MlopsError } from '../../../src/errors';
import { UlidFactory } from '../../../src/util/ids';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { LARGE_BLOB_BYTES } from '../../../src/tracking/store/storeTree';
import { makeManifest } from '../../tracking/fixtures';
import { isolatedClient } from '../../support/client';
import { codeOf } from '../../support/errors';

/** A digest to compare large contents by (toEqual of MBs is slow). */
function sha(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function gitCli(store: string | undefined, ...args: string[]): Buffer {
  const gitDir = join(
    inject('jupyterServer').rootDir,
    store ?? '',
    'experiments.git'
  );
  return execFileSync('git', ['--git-dir', gitDir, ...args], {
    maxBuffer: 256 * 1024 ** 2
  });
}

/** A large notebook and data file, and a small file. */
function files(): ExperimentStore.IFile[] {
  const image = randomBytes(LARGE_BLOB_BYTES).toString('base64');
  const notebook = `{"cells": [{"outputs": [{"image/png": "${image}"}]}]}\n`;
  return [
    { path: 'notebook.ipynb', data: new TextEncoder().encode(notebook) },
    { path: 'data/big.bin', data: new Uint8Array(randomBytes(1536 * 1024)) },
    { path: 'data/a.txt', data: new TextEncoder().encode('a\n') }
  ];
}

/** A client in front of the real server whose `write-blob` fails first. */
class FailingBlobClient extends BridgeClient {
  constructor(
    store: string | undefined,
    private readonly _failures: MlopsError[]
  ) {
    super({ serverSettings: isolatedClient('blob').serverSettings, store });
  }

  readonly log: string[] = [];

  override async writeBlob(
    data: Uint8Array
  ): ReturnType<BridgeClient['writeBlob']> {
    const failure = this._failures.shift();
    this.log.push(failure ? failure.code : 'write-blob');
    if (failure) {
      throw failure;
    }
    return super.writeBlob(data);
  }
}

describe('write-blob', () => {
  describe('BridgeClient#writeBlob()', () => {
    it('should answer the oid git gives the same bytes', async () => {
      const client = isolatedClient('blob-client');
      await client.initStore();
      const data = new Uint8Array(randomBytes(100_000));
      const answer = await client.writeBlob(data);
      const oid = execFileSync('git', ['hash-object', '--stdin'], {
        input: data,
        encoding: 'utf8'
      }).trim();
      expect(answer).toEqual({ oid, size: data.length, written: true });
      expect(sha(gitCli(client.store, 'cat-file', 'blob', oid))).toBe(
        sha(data)
      );
      expect((await client.writeBlob(data)).written).toBe(false);
    });

    it('should say why when the store has no repository', async () => {
      const client = isolatedClient('blob-none');
      expect(await codeOf(client.writeBlob(new Uint8Array(3)))).toBe(
        'E_NOT_FOUND'
      );
    });
  });

  describe('ExperimentStore#save()', () => {
    it('should send each large file once, as it is, and git read the experiment', async () => {
      const client = isolatedClient('blob-save');
      const fs = new BridgeGitFs({ client });
      const store = new ExperimentStore({ fs });
      const saved = files();
      const entry = await store.save({
        manifest: makeManifest(new UlidFactory().next()),
        files: saved
      });
      // The notebook and the data file; the rest, and the ref, in one commit.
      expect(fs.calls['writeBlob']).toBe(2);
      expect(fs.calls['commit']).toBe(1);
      gitCli(client.store, 'fsck', '--strict', '--no-dangling');
      for (const file of saved) {
        expect(
          sha(gitCli(client.store, 'show', `${entry.ref}:${file.path}`))
        ).toBe(sha(file.data));
      }
      // isomorphic-git reads it back too.
      expect(sha(await store.readFile(entry.oid, 'data/big.bin'))).toBe(
        sha(saved[1].data)
      );
    });

    it('should write through isomorphic-git on a server without the route, and ask it once', async () => {
      const store = isolatedClient('blob-old').store;
      const client = new FailingBlobClient(store, [
        new MlopsError('E_BRIDGE_HTTP', 'HTTP 404', { status: 404 })
      ]);
      const experiments = new ExperimentStore({
        fs: new BridgeGitFs({ client })
      });
      const ids = new UlidFactory();
      for (let i = 0; i < 2; i++) {
        const saved = files();
        const entry = await experiments.save({
          manifest: makeManifest(ids.next()),
          files: saved
        });
        expect(sha(gitCli(store, 'show', `${entry.ref}:notebook.ipynb`))).toBe(
          sha(saved[0].data)
        );
      }
      expect(client.log).toEqual(['E_BRIDGE_HTTP']);
      gitCli(store, 'fsck', '--strict', '--no-dangling');
    });

    it('should retry while the server is busy, and fall back for a file over its limit', async () => {
      const store = isolatedClient('blob-busy').store;
      const client = new FailingBlobClient(store, [
        new MlopsError('E_BUSY', 'busy', { status: 429 }),
        new MlopsError('E_BODY_TOO_LARGE', 'over', { status: 413 })
      ]);
      const experiments = new ExperimentStore({
        fs: new BridgeGitFs({ client })
      });
      const saved = files();
      const entry = await experiments.save({
        manifest: makeManifest(new UlidFactory().next()),
        files: saved
      });
      // busy → retried → over the limit (isomorphic-git writes it) → the
      // data file goes through the route.
      expect(client.log).toEqual(['E_BUSY', 'E_BODY_TOO_LARGE', 'write-blob']);
      expect(sha(gitCli(store, 'show', `${entry.ref}:notebook.ipynb`))).toBe(
        sha(saved[0].data)
      );
    });

    it('should fail the save, with no ref, when the server cannot write the blob', async () => {
      const store = isolatedClient('blob-fail').store;
      const client = new FailingBlobClient(store, [
        new MlopsError('E_NO_SPACE', 'no space left on the device')
      ]);
      const experiments = new ExperimentStore({
        fs: new BridgeGitFs({ client })
      });
      const error = await experiments
        .save({
          manifest: makeManifest(new UlidFactory().next()),
          files: files()
        })
        .catch(reason => reason);
      expect((error as { code?: string }).code).toBe('E_NO_SPACE');
      expect(gitCli(store, 'for-each-ref').toString()).toBe('');
    });
  });
});
