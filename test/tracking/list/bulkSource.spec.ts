import { randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { MlopsError } from '../../../src/errors';
import { BulkSource, storeSource } from '../../../src/tracking/list/bulkSource';
import { notebookSlug, UlidFactory } from '../../../src/util/ids';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { experimentRef } from '../../../src/tracking/store/refs';
import { clientOf, isolatedClient } from '../../support/client';
import { gitCli, storeGitDir, writeManifestCommit } from '../../support/git';
import { IRunningServer, startServer } from '../../support/server';
import { makeManifest } from '../fixtures';

// The bulk reader against a real jupyter_server and stores written by
// isomorphic-git and by the git CLI; its rows must equal the ones read one
// experiment at a time through isomorphic-git.
const ids = new UlidFactory();

function setup(batch?: number) {
  const client = isolatedClient('bulk');
  const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
  const gitDir = storeGitDir(client);
  const git = gitCli(gitDir);
  return {
    client,
    store,
    gitDir,
    git,
    bulk: new BulkSource({ client, store, batch }),
    plain: storeSource(store)
  };
}

async function saveMany(
  store: ExperimentStore,
  count: number,
  path = 'examples/wine_classifier.ipynb'
) {
  const saved = [];
  for (let i = 0; i < count; i++) {
    const manifest = makeManifest(ids.next(), {
      notebook: {
        ...makeManifest('x').notebook,
        path,
        slug: notebookSlug(path)
      },
      metrics: { accuracy: i / count },
      parameters: { depth: i }
    });
    saved.push(await store.save({ manifest, files: [] }));
  }
  return saved;
}

describe('BulkSource', () => {
  it('should list and read the same rows as the store, in few requests', async () => {
    const { client, store, bulk, plain } = setup(7);
    const a = await saveMany(store, 12);
    const b = await saveMany(store, 5, 'other/notebook.ipynb');

    expect(await bulk.list()).toEqual(await store.list());
    expect(await bulk.list(a[0].slug)).toEqual(await store.list(a[0].slug));
    expect(await bulk.list(b[0].slug)).toEqual(await store.list(b[0].slug));
    expect(await bulk.list('no-such-notebook-00000000')).toEqual([]);

    const entries = await bulk.list();
    const calls: string[] = [];
    const readMany = client.readMany.bind(client);
    client.readMany = async paths => {
      calls.push(`${paths.length}`);
      return readMany(paths);
    };
    const progress: [number, number][] = [];
    const rows = await bulk.read(entries, (done, total) =>
      progress.push([done, total])
    );
    client.readMany = readMany;
    expect(rows).toEqual(await plain.read(entries));
    expect(rows).toHaveLength(17);
    expect(rows.every(row => row.broken === undefined)).toBe(true);
    // 17 experiments in batches of 7: 3 chunks × (commit, tree, blob).
    expect(calls).toHaveLength(9);
    expect(progress.at(-1)).toEqual([17, 17]);
    expect(progress.map(([done]) => done)).toEqual(
      [...progress.map(([done]) => done)].sort((x, y) => x - y)
    );
  });

  it('should read packed refs and packed objects (after git gc) through the fallback', async () => {
    const { store, git, bulk, plain } = setup();
    await saveMany(store, 4);
    git(['gc', '--quiet', '--prune=now']);
    expect(git(['count-objects', '-v'])).toMatch(/^count: 0$/m);
    const entries = await bulk.list();
    expect(entries).toEqual(await store.list());
    expect(entries).toHaveLength(4);
    const rows = await bulk.read(entries);
    expect(rows).toEqual(await plain.read(entries));
    expect(rows.every(row => row.broken === undefined)).toBe(true);
    // A loose ref overrides its packed value.
    const [first] = entries;
    await store.update(first.ref, { name: 'renamed' });
    const again = await bulk.read(await bulk.list());
    expect(again.find(row => row.ref === first.ref)?.name).toBe('renamed');
  });

  it('should show corrupt refs, objects and manifests as broken rows, not fail', async () => {
    const { client, store, git, gitDir } = setup();
    // A reader that has not cached the objects the writer wrote.
    const bulk = new BulkSource({
      client,
      store: new ExperimentStore({ fs: new BridgeGitFs({ client }) })
    });
    const [good] = await saveMany(store, 1);
    const slug = good.slug;
    // A ref file that is not an oid.
    const garbageRef = experimentRef(slug, ids.next());
    writeFileSync(join(gitDir, garbageRef), '<img src=x onerror=alert(1)>\n');
    // A ref to a blob, not a commit.
    const blobRef = experimentRef(slug, ids.next());
    git(['update-ref', blobRef, git(['hash-object', '-w', '--stdin'], 'x')]);
    // A manifest that is not JSON.
    const badRef = experimentRef(slug, ids.next());
    writeManifestCommit(git, badRef, '{"schemaVersion"');
    // A commit whose loose object is not zlib data.
    const [torn] = await saveMany(store, 1);
    const tornPath = join(
      gitDir,
      'objects',
      torn.oid.slice(0, 2),
      torn.oid.slice(2)
    );
    writeFileSync(tornPath, 'not zlib');
    // Names that are not experiments, and a symlink, are not listed.
    mkdirSync(join(gitDir, 'refs/exps', slug, 'nested'));
    writeFileSync(join(gitDir, 'refs/exps', slug, 'not-a-ulid'), good.oid);
    symlinkSync('/etc/passwd', join(gitDir, 'refs/exps', slug, ids.next()));

    const entries = await bulk.list(slug);
    expect(entries.map(entry => entry.ref).sort()).toEqual(
      [good.ref, garbageRef, blobRef, badRef, torn.ref].sort()
    );
    const rows = await bulk.read(entries);
    const byRef = new Map(rows.map(row => [row.ref, row]));
    expect(byRef.get(good.ref)?.broken).toBeUndefined();
    expect(byRef.get(good.ref)?.name).toBe('brave-otter');
    for (const ref of [garbageRef, blobRef, badRef, torn.ref]) {
      expect(byRef.get(ref)?.broken?.code, ref).toMatch(/^E_/);
    }
    expect(byRef.get(badRef)?.broken?.code).toBe('E_MANIFEST_INVALID');
  });

  it('should ask again when the server is busy', async () => {
    const { client, store, bulk, plain } = setup();
    await saveMany(store, 2);
    const entries = await store.list();
    const readMany = client.readMany.bind(client);
    let calls = 0;
    client.readMany = async paths => {
      if (++calls === 1) {
        throw new MlopsError('E_BUSY', 'all heavy threads taken', {
          status: 429
        });
      }
      return readMany(paths);
    };
    expect(await bulk.read(entries)).toEqual(await plain.read(entries));
    expect(calls).toBe(4);
  });

  it('should list nothing for a store that does not exist yet', async () => {
    const { bulk } = setup();
    expect(await bulk.list()).toEqual([]);
    expect(await bulk.read([])).toEqual([]);
  });

  describe('against a server whose read-many answers hold 2 KiB', () => {
    // A server of its own (`--MlopsExtension.max_read_many_bytes=2048`).
    const CAP = 2048;
    let server: IRunningServer | undefined;
    beforeAll(async () => {
      server = await startServer({
        args: [`--MlopsExtension.max_read_many_bytes=${CAP}`]
      });
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('should page through answers and fall back for an object above the cap', async () => {
      if (!server) {
        throw new Error('no server');
      }
      const client = clientOf(server, '.mlops-paging');
      const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
      const git = gitCli(
        join(server.rootDir, '.mlops-paging', 'experiments.git')
      );
      const saved = await saveMany(store, 12);
      // A manifest that deflates to more than the cap: read through the store.
      const [big] = await saveMany(store, 1);
      const note = randomBytes(3 * CAP).toString('hex');
      await store.update(big.ref, { name: 'big-one', note });
      // Two refs to one commit: the same objects twice in one request.
      const twin = experimentRef(saved[0].slug, ids.next());
      git(['update-ref', twin, saved[0].oid]);

      const answered: number[] = [];
      const asked = new Map<string, number>();
      const readMany = client.readMany.bind(client);
      client.readMany = async paths => {
        const files = await readMany(paths);
        new Set(paths).forEach(path =>
          asked.set(path, (asked.get(path) ?? 0) + 1)
        );
        answered.push(
          files
            .filter((file, i) => paths.indexOf(file.path) === i)
            .reduce((sum, file) => sum + ('data' in file ? file.size : 0), 0)
        );
        return files;
      };
      const bulk = new BulkSource({ client, store });
      const entries = await bulk.list();
      expect(entries).toEqual(await store.list());
      expect(entries).toHaveLength(14);
      const rows = await bulk.read(entries);
      client.readMany = readMany;

      expect(rows).toEqual(await storeSource(store).read(entries));
      expect(rows.every(row => row.broken === undefined)).toBe(true);
      expect(rows.find(row => row.ref === big.ref)?.name).toBe('big-one');
      // Without paging: packed-refs, refs, then commits, trees, blobs.
      expect(answered.length).toBeGreaterThan(5);
      // Deferred paths were asked for again.
      expect([...asked.values()].filter(n => n > 1).length).toBeGreaterThan(3);
      expect(Math.max(...answered)).toBeLessThanOrEqual(CAP);
    });
  });
});
