import { nullTranslator } from '@jupyterlab/translation';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import type { StoreSync } from '../../../src/bridge/schemas';
import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { MlopsError } from '../../../src/errors';
import { ExperimentStore } from '../../../src/tracking/store/store';
import {
  StoreSyncModel,
  syncSummary
} from '../../../src/tracking/sync/storeSync';
import { UlidFactory } from '../../../src/util/ids';
import { isolatedClient } from '../../support/client';
import { codeOf } from '../../support/errors';
import { gitCli, storeGitDir } from '../../support/git';
import { makeManifest } from '../fixtures';

const trans = nullTranslator.load('jupyterlab_mlops');
const ids = new UlidFactory();

/** A lab user's store: the bridge client and the isomorphic-git store over it. */
function user(name: string) {
  const client = isolatedClient(`sync-${name}`);
  const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
  return { client, store };
}

/**
 * The server's own Sync remote (`experiments_remote`, test/support/server.ts),
 * a bare repository beside the root, made empty for a test.
 */
function serverRemote(): string {
  const path = `${inject('jupyterServer').rootDir}.team.git`;
  rmSync(path, { recursive: true, force: true });
  execFileSync('git', ['init', '-q', '--bare', path]);
  return path;
}

/** A bare repository under the Jupyter root: one the lab may not name. */
function localRepository(name: string): string {
  const root = inject('jupyterServer').rootDir;
  const path = join(root, `remote-${name}-${process.pid}.git`);
  execFileSync('git', ['init', '-q', '--bare', path]);
  return pathToFileURL(path).href;
}

function result(over: Partial<StoreSync> = {}): StoreSync {
  return {
    remote: 'https://example.com/team.git',
    pushed: 0,
    fetched: 0,
    upToDate: 0,
    keptDeleted: 0,
    changedMeanwhile: 0,
    conflicts: [],
    rejected: [],
    ...over
  };
}

describe('Sync of the experiment store (real server, real git)', () => {
  it('should let two lab users see each other’s experiments, author included', async () => {
    serverRemote();
    // Empty: the server's own remote.
    const remote = '';
    const alice = user('alice');
    const bob = user('bob');
    const mine = await alice.store.save({
      manifest: makeManifest(ids.next(), {
        author: { username: 'alice', name: 'Alice Liddell' }
      }),
      files: []
    });
    const theirs = await bob.store.save({
      manifest: makeManifest(ids.next(), {
        author: { username: 'bob', name: 'Bob <Builder>\nx' }
      }),
      files: []
    });
    expect(await alice.client.syncStore(remote)).toMatchObject({
      pushed: 1,
      fetched: 0
    });
    expect(await bob.client.syncStore(remote)).toMatchObject({
      pushed: 1,
      fetched: 1
    });
    expect(await alice.client.syncStore(remote)).toMatchObject({
      pushed: 0,
      fetched: 1,
      upToDate: 2
    });
    // The lab's own store reads what git fetched.
    for (const { store } of [alice, bob]) {
      const refs = (await store.list()).map(entry => entry.ref).sort();
      expect(refs).toEqual([mine.ref, theirs.ref].sort());
    }
    const read = await alice.store.read(theirs.ref);
    expect(read.manifest.author).toEqual({
      username: 'bob',
      name: 'Bob <Builder>\nx'
    });
    // The commit names the author too, without what would break its header.
    const git = gitCli(storeGitDir(alice.client));
    expect(git(['log', '-1', '--format=%an|%ae', read.oid])).toBe(
      'Bob Builderx|bob@jupyterlab'
    );
  });

  it('should answer a coded error for a remote it may not use, and change nothing', async () => {
    const { client, store } = user('refused');
    await store.save({ manifest: makeManifest(ids.next()), files: [] });
    const before = (await store.list()).map(entry => entry.ref);
    expect(await codeOf(client.syncStore('ext::sh -c id'))).toBe(
      'E_REMOTE_INVALID'
    );
    expect(await codeOf(client.syncStore('file:///etc'))).toBe(
      'E_REMOTE_INVALID'
    );
    // git would run receive-pack in it with its own config and hooks.
    expect(await codeOf(client.syncStore(localRepository('inside')))).toBe(
      'E_REMOTE_INVALID'
    );
    expect(await codeOf(client.syncStore('http://127.0.0.1:9/team.git'))).toBe(
      'E_REMOTE_UNREACHABLE'
    );
    expect((await store.list()).map(entry => entry.ref)).toEqual(before);
  });
});

describe('StoreSyncModel', () => {
  it('should run one sync at a time and keep its result', async () => {
    let release: (value: StoreSync) => void = () => undefined;
    const asked: string[] = [];
    const synced: StoreSync[] = [];
    const model = new StoreSyncModel({
      run: remote => {
        asked.push(remote);
        return new Promise(resolve => (release = resolve));
      },
      remote: () => 'https://example.com/team.git',
      onSynced: answer => synced.push(answer)
    });
    const first = model.sync();
    const second = model.sync();
    expect(model.state.kind).toBe('syncing');
    release(result({ pushed: 2 }));
    expect(await first).toEqual(await second);
    expect(asked).toHaveLength(1);
    expect(model.state).toEqual({
      kind: 'done',
      result: result({ pushed: 2 })
    });
    expect(synced).toHaveLength(1);
    model.dismiss();
    expect(model.state.kind).toBe('idle');
  });

  it('should keep the error of a failed sync, and not call onSynced', async () => {
    const synced: StoreSync[] = [];
    const model = new StoreSyncModel({
      run: () =>
        Promise.reject(new MlopsError('E_REMOTE_AUTH', 'refused the login')),
      remote: () => '',
      onSynced: answer => synced.push(answer)
    });
    expect(await model.sync()).toBeNull();
    expect(model.state.kind).toBe('failed');
    expect(model.state.kind === 'failed' ? model.state.error.code : '').toBe(
      'E_REMOTE_AUTH'
    );
    expect(synced).toEqual([]);
  });
});

describe('syncSummary', () => {
  it('should say what was pushed and fetched', () => {
    expect(syncSummary(result({ pushed: 3, fetched: 12 }), trans)).toEqual({
      summary: 'Pushed 3, fetched 12',
      details: []
    });
    expect(syncSummary(result(), trans).summary).toMatch(/up to date/i);
  });

  it('should name conflicts, refusals, kept deletions and changes meanwhile once each', () => {
    const ref = 'refs/exps/nb/01JD0000000000000000000001';
    const { details } = syncSummary(
      result({
        conflicts: [ref],
        rejected: [
          { ref, reason: 'fetch first' },
          { ref: `${ref}x`, reason: 'pre-receive hook declined' }
        ],
        keptDeleted: 2,
        changedMeanwhile: 1
      }),
      trans
    );
    expect(details).toHaveLength(4);
    expect(details[0]).toMatch(/edited here and on the remote/);
    expect(details[1]).toMatch(/1 experiment was refused.*hook declined/);
    expect(details[2]).toMatch(/2 experiments deleted or moved here/);
    expect(details[3]).toMatch(/Sync again/);
  });
});
