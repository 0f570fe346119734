import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';

import { BridgeClient } from '../../../src/bridge/client';
import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { errorAdvice, MlopsError, toMlopsError } from '../../../src/errors';
import { UlidFactory } from '../../../src/util/ids';
import { takeSnapshot } from '../../../src/tracking/capture/snapshot';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { serverSettings } from '../../support/client';
import {
  Filler,
  mountTmpfs,
  mountUnavailable,
  remountReadOnly,
  unmount
} from '../../support/mounts';
import { makeManifest } from '../fixtures';

/**
 * Snapshots into a store on a real full tmpfs and on a read-only one,
 * through the run's real server, checked with the git CLI: the snapshot
 * fails with the bridge's code, and the repository shows nothing of it.
 */

const unavailable = mountUnavailable();

let mounts = 0;

function setup(size = '1m') {
  mounts += 1;
  const name = `disk-${process.pid}-${mounts}`;
  const mountPoint = join(inject('jupyterServer').rootDir, name);
  mountTmpfs(mountPoint, size);
  mounted.push(mountPoint);
  const client = new BridgeClient({
    serverSettings: serverSettings(),
    store: `${name}/.mlops`
  });
  const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
  const gitDir = join(mountPoint, '.mlops', 'experiments.git');
  const git = (...args: string[]) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });
  return {
    mountPoint,
    client,
    store,
    git,
    refs: () =>
      git('for-each-ref', '--format=%(refname)', 'refs/exps')
        .split('\n')
        .filter(line => line !== '')
  };
}

const mounted: string[] = [];

afterEach(() => {
  for (const where of mounted.splice(0)) {
    unmount(where);
  }
});

/** The notebook files of a snapshot: a few blobs, so it needs a few pages. */
function files(seed: number): ExperimentStore.IFile[] {
  return [0, 1, 2, 3].map(n => ({
    path: `data/part-${n}.txt`,
    data: new TextEncoder().encode(`${seed}:${n}:`.repeat(300))
  }));
}

/** Names of in-flight temp files anywhere under `folder`. */
function tempFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter(
    path => path.split('/').pop()?.startsWith('.mlops-tmp-')
  );
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (reason) {
    return reason;
  }
  throw new Error('expected the call to fail');
}

function expectCode(reason: unknown, code: 'E_NO_SPACE' | 'E_READ_ONLY') {
  // What isomorphic-git passes on: the fs adapter's node-style error...
  expect((reason as { code?: unknown }).code).toBe(code);
  // ...and what the UI shows: the bridge's code with advice.
  const error = toMlopsError(reason);
  expect(error).toBeInstanceOf(MlopsError);
  expect(error.code).toBe(code);
  expect(error.message).toBe(errorAdvice(code));
  expect(String(error.data.detail)).toMatch(/\.mlops|experiments\.git|'/);
}

describe.skipIf(unavailable !== null)('ExperimentStore on a full disk', () => {
  it('should fail with E_NO_SPACE at every stage and leave a clean repository', async () => {
    const { mountPoint, store, git, refs } = setup('1m');
    const ids = new UlidFactory();
    const first = await store.save({
      manifest: makeManifest(ids.next()),
      files: files(0)
    });
    const filler = new Filler(join(mountPoint, 'filler'));
    const saved = [first.ref];
    const failedAt = new Set<string>();
    try {
      // 0 free pages fails on the first object; each extra page lets one
      // more file through, so the failure moves from blobs to trees, the
      // commit and finally the ref.
      for (let pages = 0; pages <= 12; pages++) {
        filler.leave(pages);
        const manifest = makeManifest(ids.next());
        try {
          saved.push((await store.save({ manifest, files: files(pages) })).ref);
        } catch (reason) {
          expectCode(reason, 'E_NO_SPACE');
          // The adapter's path, or the server's (fs/commit) in its message.
          const where = /'\/?experiments\.git\/([a-z]+)\//.exec(
            String((reason as Error).message)
          );
          failedAt.add(where?.[1] ?? String(reason));
          expect(refs()).not.toContain(
            `refs/exps/${manifest.notebook.slug}/${manifest.id}`
          );
        }
      }
    } finally {
      filler.close();
    }
    expect(failedAt).toEqual(new Set(['objects', 'refs']));
    expect(saved.length).toBeGreaterThan(1);
    expect(refs().sort()).toEqual([...saved].sort());
    for (const ref of saved) {
      expect(JSON.parse(git('show', `${ref}:manifest.json`)).id).toBe(
        ref.split('/').pop()
      );
    }
    git('fsck', '--strict');
    expect(tempFiles(join(mountPoint, '.mlops'))).toEqual([]);
  }, 60_000);

  it('should reject takeSnapshot with E_NO_SPACE, then save once space is back', async () => {
    const { mountPoint, client, store, git, refs } = setup('512k');
    const filler = new Filler(join(mountPoint, 'filler'));
    const options = {
      notebook: {
        cells: [{ cell_type: 'code', source: 'x = 1', metadata: {} }],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5
      },
      path: 'full.ipynb',
      kernel: null,
      kernelSpecName: null,
      store,
      ids: new UlidFactory(),
      client,
      captureMaxBytes: 1024
    };
    try {
      filler.leave(0);
      expectCode(await failure(takeSnapshot(options)), 'E_NO_SPACE');
      expect(tempFiles(join(mountPoint, '.mlops'))).toEqual([]);
      filler.leave(64);
      const saved = await takeSnapshot(options);
      expect(refs()).toEqual([saved.ref]);
      git('fsck', '--strict');
    } finally {
      filler.close();
    }
  }, 60_000);
});

describe.skipIf(unavailable !== null)(
  'ExperimentStore on a read-only disk',
  () => {
    it('should fail with E_READ_ONLY to save, edit and delete, and keep reading', async () => {
      const { mountPoint, store, git, refs } = setup('1m');
      const ids = new UlidFactory();
      const first = await store.save({
        manifest: makeManifest(ids.next()),
        files: files(0)
      });
      const before = git('rev-parse', first.ref);
      remountReadOnly(mountPoint);

      expectCode(
        await failure(
          store.save({ manifest: makeManifest(ids.next()), files: files(1) })
        ),
        'E_READ_ONLY'
      );
      expectCode(
        await failure(store.update(first.ref, { name: 'renamed' })),
        'E_READ_ONLY'
      );
      expectCode(await failure(store.remove(first.ref)), 'E_READ_ONLY');

      expect(refs()).toEqual([first.ref]);
      expect(git('rev-parse', first.ref)).toBe(before);
      expect((await store.list()).map(entry => entry.ref)).toEqual([first.ref]);
      expect((await store.read(first.ref)).manifest.user.name).toBe(
        'brave-otter'
      );
      git('fsck', '--strict');
      expect(tempFiles(join(mountPoint, '.mlops'))).toEqual([]);
    }, 60_000);

    it('should fail with E_READ_ONLY to create a store on a read-only disk', async () => {
      const { mountPoint, store } = setup('64k');
      remountReadOnly(mountPoint);
      expectCode(
        await failure(
          store.save({
            manifest: makeManifest(new UlidFactory().next()),
            files: []
          })
        ),
        'E_READ_ONLY'
      );
      expect(readdirSync(mountPoint)).toEqual([]);
    });
  }
);

if (unavailable !== null) {
  describe('ExperimentStore on a full or read-only disk', () => {
    it.skip(`is not tested: ${unavailable}`, () => undefined);
  });
}
