import git from 'isomorphic-git';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { BridgeClient } from '../../../src/bridge/client';
import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { MlopsError } from '../../../src/errors';
import { UlidFactory } from '../../../src/util/ids';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { makeManifest } from '../../tracking/fixtures';
import { isolatedClient } from '../../support/client';

const GITDIR = '/experiments.git';

function gitCli(store: string | undefined, ...args: string[]): string {
  const gitDir = join(
    inject('jupyterServer').rootDir,
    store ?? '',
    'experiments.git'
  );
  return execFileSync('git', ['--git-dir', gitDir, ...args], {
    encoding: 'utf8'
  });
}

function files(seed: string): ExperimentStore.IFile[] {
  return [
    {
      path: 'notebook.ipynb',
      data: new TextEncoder().encode(`{"s": "${seed}"}`)
    },
    { path: 'data/a.txt', data: new TextEncoder().encode(`a ${seed}\n`) }
  ];
}

/**
 * A client whose `write-many` (and `commit`, unless told otherwise) fails,
 * or that logs the order of writes; `beforeCommit` runs before each
 * `commit` is sent.
 */
class RecordingClient extends BridgeClient {
  constructor(
    store: string | undefined,
    private readonly _failWriteMany: MlopsError | null,
    private readonly _failCommit: MlopsError | null = _failWriteMany
  ) {
    super({ serverSettings: isolatedClient('rec').serverSettings, store });
  }

  readonly log: string[] = [];
  beforeCommit: (() => Promise<void>) | null = null;

  override async commit(
    entries: readonly { path: string; data: Uint8Array }[],
    ref: { name: string; oid: string; old: string | null },
    options?: { mirror?: boolean }
  ): ReturnType<BridgeClient['commit']> {
    this.log.push(
      `commit ${entries.length} ${ref.old ? 'move' : 'new'}` +
        (options?.mirror ? ' mirror' : '')
    );
    const before = this.beforeCommit;
    this.beforeCommit = null;
    await before?.();
    if (this._failCommit) {
      throw this._failCommit;
    }
    try {
      const answer = await super.commit(entries, ref, options);
      if (answer.mirror) {
        this.log.push(`mirror ${answer.mirror}`);
      }
      return answer;
    } catch (reason) {
      this.log.push(`refused ${(reason as MlopsError).code}`);
      throw reason;
    }
  }

  override async initStore(): ReturnType<BridgeClient['initStore']> {
    this.log.push('init');
    return super.initStore();
  }

  override async writeMany(
    entries: readonly { path: string; data: Uint8Array }[]
  ): ReturnType<BridgeClient['writeMany']> {
    this.log.push(`write-many ${entries.length}`);
    if (this._failWriteMany) {
      throw this._failWriteMany;
    }
    return super.writeMany(entries);
  }

  override async write(
    path: string,
    data: Uint8Array,
    options?: { exclusive?: boolean; parents?: boolean }
  ): ReturnType<BridgeClient['write']> {
    this.log.push(`write ${path.includes('/objects/') ? 'object' : path}`);
    return super.write(path, data, options);
  }
}

/**
 * A client in front of the real server that refuses `write-many` requests
 * of more than `most` objects as over the inflation budget (413), and
 * answers `E_BUSY` to the first `busy` requests.
 */
class BudgetClient extends BridgeClient {
  constructor(
    store: string | undefined,
    private readonly _most: number,
    private _busy: number
  ) {
    super({ serverSettings: isolatedClient('budget').serverSettings, store });
  }

  readonly log: string[] = [];

  override async writeMany(
    entries: readonly { path: string; data: Uint8Array }[]
  ): ReturnType<BridgeClient['writeMany']> {
    if (this._busy > 0) {
      this._busy--;
      this.log.push('busy');
      throw new MlopsError('E_BUSY', 'busy', { status: 429 });
    }
    if (entries.length > this._most) {
      this.log.push(`too large ${entries.length}`);
      throw new MlopsError('E_BODY_TOO_LARGE', 'over budget', {
        status: 413
      });
    }
    this.log.push(`write-many ${entries.length}`);
    return super.writeMany(entries);
  }
}

describe('GitWriteBatch', () => {
  describe('ExperimentStore#save()', () => {
    it('should write a commit in one bridge call that git fsck accepts', async () => {
      const client = isolatedClient('batch');
      const fs = new BridgeGitFs({ client });
      const store = new ExperimentStore({ fs });
      const ids = new UlidFactory();
      await store.save({
        manifest: makeManifest(ids.next()),
        files: files('0')
      });
      const before = { ...fs.calls };
      const entry = await store.save({
        manifest: makeManifest(ids.next()),
        files: files('1')
      });
      const calls = Object.fromEntries(
        Object.entries(fs.calls)
          .map(([k, v]) => [k, v - (before[k] ?? 0)])
          .filter(([, v]) => v !== 0)
      );
      // Every object and the ref at once.
      expect(calls).toEqual({ commit: 1 });
      gitCli(client.store, 'fsck', '--strict', '--no-dangling');
      expect(gitCli(client.store, 'show', `${entry.ref}:data/a.txt`)).toBe(
        'a 1\n'
      );
      expect(
        JSON.parse(gitCli(client.store, 'show', `${entry.ref}:manifest.json`))
          .id
      ).toBe(entry.id);
      // The objects it wrote are cached: reading back asks for nothing.
      const reads = fs.calls['readFile'] ?? 0;
      await store.readFile(entry.oid, 'data/a.txt');
      expect(fs.calls['readFile'] ?? 0).toBe(reads);
    });

    it('should write the same commit as git.commit did', async () => {
      // Committer = author and the same message: the commit id of a given
      // snapshot does not depend on how it was written.
      const client = isolatedClient('same');
      const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
      const manifest = makeManifest(new UlidFactory().next());
      const entry = await store.save({ manifest, files: [] });
      const raw = gitCli(client.store, 'cat-file', '-p', entry.oid);
      expect(raw).toMatch(
        /\nauthor jupyterlab-mlops <mlops@localhost> 1795435200 \+0000\ncommitter jupyterlab-mlops <mlops@localhost> 1795435200 \+0000\n\nsnapshot: brave-otter\n\nnotebook: examples\/wine_classifier\.ipynb\ncontent: a{64}\n$/
      );
    });

    it('should ask the server to queue the MLflow mirror in the commit itself, and only then', async () => {
      // The first snapshot of a store: the flag survives the repository's
      // creation; an edit of the experiment queues nothing.
      const store = isolatedClient('mirror').store;
      const client = new RecordingClient(store, null);
      const experiments = new ExperimentStore({
        fs: new BridgeGitFs({ client })
      });
      const ids = new UlidFactory();
      const entry = await experiments.save(
        { manifest: makeManifest(ids.next()), files: files('m') },
        { mirror: true }
      );
      await experiments.save({
        manifest: makeManifest(ids.next()),
        files: files('n')
      });
      await experiments.update(entry.ref, { name: 'renamed' });
      // This test server has no MLflow URI: stored, and the server says so.
      expect(client.log).toEqual([
        'commit 6 new mirror',
        'refused E_NOT_FOUND',
        'init',
        'commit 6 new mirror',
        'mirror unconfigured',
        'commit 6 new',
        'commit 3 move'
      ]);
      expect(gitCli(store, 'rev-parse', entry.ref).trim()).not.toBe(entry.oid);
    });

    it('should make the repository when the server finds none, then commit', async () => {
      const store = isolatedClient('first').store;
      const client = new RecordingClient(store, null);
      const experiments = new ExperimentStore({
        fs: new BridgeGitFs({ client })
      });
      const entry = await experiments.save({
        manifest: makeManifest(new UlidFactory().next()),
        files: files('f')
      });
      expect(client.log).toEqual([
        'commit 6 new',
        'refused E_NOT_FOUND',
        'init',
        'commit 6 new'
      ]);
      gitCli(store, 'fsck', '--strict', '--no-dangling');
      expect(gitCli(store, 'rev-parse', entry.ref).trim()).toBe(entry.oid);
    });

    it('should refuse an edit over an edit from another tab, keeping that one', async () => {
      const store = isolatedClient('tabs').store;
      const client = new RecordingClient(store, null);
      const tabA = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
      const tabB = new ExperimentStore({
        fs: new BridgeGitFs({
          client: new BridgeClient({
            serverSettings: isolatedClient('tabs').serverSettings,
            store
          })
        })
      });
      const entry = await tabA.save({
        manifest: makeManifest(new UlidFactory().next()),
        files: files('t')
      });
      // Tab A read the experiment; tab B edits it before A's edit lands.
      client.beforeCommit = async () => {
        await tabB.update(entry.ref, { name: 'from tab B' });
      };
      const error = await tabA
        .update(entry.ref, { name: 'from tab A' })
        .catch(reason => reason);
      expect((error as MlopsError).code).toBe('E_REF_CHANGED');
      expect((await tabA.read(entry.ref)).manifest.user.name).toBe(
        'from tab B'
      );
      expect(gitCli(store, 'rev-list', '--count', entry.ref).trim()).toBe('2');
    });

    it('should never write the ref when the objects did not reach the disk', async () => {
      const store = isolatedClient('fail').store;
      const client = new RecordingClient(
        store,
        new MlopsError('E_NO_SPACE', 'no space left on the device')
      );
      const experiments = new ExperimentStore({
        fs: new BridgeGitFs({ client })
      });
      await experiments.ensure();
      client.log.length = 0;
      const manifest = makeManifest(new UlidFactory().next());
      const error = await experiments
        .save({ manifest, files: files('x') })
        .catch(reason => reason);
      expect((error as { code?: string }).code).toBe('E_NO_SPACE');
      expect(client.log).toEqual(['commit 6 new']);
      expect(gitCli(store, 'for-each-ref')).toBe('');
    });

    it('should fall back to one write per object on a server without the route', async () => {
      const store = isolatedClient('old').store;
      const client = new RecordingClient(
        store,
        new MlopsError('E_BRIDGE_HTTP', 'HTTP 404', { status: 404 })
      );
      const experiments = new ExperimentStore({
        fs: new BridgeGitFs({ client })
      });
      await experiments.ensure();
      client.log.length = 0;
      const entry = await experiments.save({
        manifest: makeManifest(new UlidFactory().next()),
        files: files('y')
      });
      expect(client.log).toEqual([
        'commit 6 new',
        'write-many 6',
        ...Array(6).fill('write object'),
        `write experiments.git/${entry.ref}`
      ]);
      gitCli(store, 'fsck', '--strict', '--no-dangling');
    });
  });

  describe('ExperimentStore#remove()', () => {
    it('should delete a packed experiment with git, keeping the others', async () => {
      const client = isolatedClient('remove');
      const fs = new BridgeGitFs({ client });
      const store = new ExperimentStore({ fs });
      const ids = new UlidFactory();
      const gone = await store.save({
        manifest: makeManifest(ids.next()),
        files: files('g')
      });
      const kept = await store.save({
        manifest: makeManifest(ids.next()),
        files: files('k')
      });
      // As after a Sync or a clone: the refs live in packed-refs only.
      gitCli(client.store, 'pack-refs', '--all');
      await store.remove(gone.ref);
      expect(fs.calls['deleteRef']).toBe(1);
      expect(gitCli(client.store, 'for-each-ref', '--format=%(refname)')).toBe(
        `${kept.ref}\n`
      );
      gitCli(client.store, 'fsck', '--strict');
      const again = await store.remove(gone.ref).catch(reason => reason);
      expect((again as MlopsError).code).toBe('E_NOT_FOUND');
    });
  });

  describe('ExperimentStore#remove() in a store made by git init', () => {
    it('should delete through the file routes when the server runs no git there', async () => {
      // Not the server's template config (git init, an older version): the
      // server refuses to run git in it; the lab deletes as it used to.
      const client = isolatedClient('gitinit');
      const gitDir = join(
        inject('jupyterServer').rootDir,
        client.store ?? '',
        'experiments.git'
      );
      execFileSync('git', ['init', '--quiet', '--bare', gitDir]);
      const fs = new BridgeGitFs({ client });
      const store = new ExperimentStore({ fs });
      const entry = await store.save({
        manifest: makeManifest(new UlidFactory().next()),
        files: files('i')
      });
      await store.remove(entry.ref);
      expect(fs.calls['deleteRef']).toBe(1);
      expect(gitCli(client.store, 'for-each-ref')).toBe('');
    });
  });

  describe('#flush()', () => {
    it('should split a chunk the server finds too large, down to single writes', async () => {
      const store = isolatedClient('split').store;
      const client = new BudgetClient(store, 2, 0);
      const fs = new BridgeGitFs({ client });
      await fs.initRepository(GITDIR);
      const batch = fs.writeBatch();
      const oids = [];
      for (let i = 0; i < 5; i++) {
        oids.push(
          await git.writeBlob({
            fs: batch,
            gitdir: GITDIR,
            blob: new TextEncoder().encode(`blob ${i} ${store}\n`)
          })
        );
      }
      await batch.flush();
      expect(client.log).toEqual([
        'too large 5',
        'too large 3',
        'write-many 2',
        'write-many 1',
        'write-many 2'
      ]);
      for (const oid of oids) {
        expect(gitCli(store, 'cat-file', '-t', oid).trim()).toBe('blob');
      }

      const single = new BudgetClient(store, 0, 0);
      const one = new BridgeGitFs({ client: single }).writeBatch();
      const oid = await git.writeBlob({
        fs: one,
        gitdir: GITDIR,
        blob: new TextEncoder().encode(`alone ${store}\n`)
      });
      await one.flush();
      // Refused on its own: written through fs/write instead.
      expect(single.log).toEqual(['too large 1']);
      expect(gitCli(store, 'cat-file', '-p', oid)).toBe(`alone ${store}\n`);
      gitCli(store, 'fsck', '--strict');
    });

    it('should wait and retry while the server is busy', async () => {
      const store = isolatedClient('busy').store;
      const client = new BudgetClient(store, 10, 1);
      const fs = new BridgeGitFs({ client });
      await fs.initRepository(GITDIR);
      const batch = fs.writeBatch();
      const oid = await git.writeBlob({
        fs: batch,
        gitdir: GITDIR,
        blob: new TextEncoder().encode(`retried ${store}\n`)
      });
      await batch.flush();
      expect(client.log).toEqual(['busy', 'write-many 1']);
      expect(gitCli(store, 'cat-file', '-t', oid).trim()).toBe('blob');
    });
  });

  describe('#promises', () => {
    it('should answer reads and stats of buffered objects from memory', async () => {
      const client = isolatedClient('mem');
      const fs = new BridgeGitFs({ client });
      await fs.initRepository(GITDIR);
      const batch = fs.writeBatch();
      const oid = await git.writeBlob({
        fs: batch,
        gitdir: GITDIR,
        blob: new TextEncoder().encode('buffered\n')
      });
      const before = { ...fs.calls };
      const { blob } = await git.readBlob({ fs: batch, gitdir: GITDIR, oid });
      expect(new TextDecoder().decode(blob)).toBe('buffered\n');
      expect(batch.pending).toBe(1);
      expect(fs.calls['readFile'] ?? 0).toBe(before['readFile'] ?? 0);
      // Not on disk until flushed.
      expect(() => gitCli(client.store, 'cat-file', '-e', oid)).toThrow();
      await batch.flush();
      expect(batch.pending).toBe(0);
      expect(gitCli(client.store, 'cat-file', '-p', oid)).toBe('buffered\n');
    });
  });
});
