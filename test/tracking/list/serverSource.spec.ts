import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BridgeClient } from '../../../src/bridge/client';
import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { MlopsError } from '../../../src/errors';
import { BulkSource, storeSource } from '../../../src/tracking/list/bulkSource';
import { ServerSource } from '../../../src/tracking/list/serverSource';
import { notebookSlug, UlidFactory } from '../../../src/util/ids';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { experimentRef } from '../../../src/tracking/store/refs';
import { clientOf, isolatedClient } from '../../support/client';
import { gitCli, storeGitDir, writeManifestCommit } from '../../support/git';
import { IRunningServer, startServer } from '../../support/server';
import { makeManifest } from '../fixtures';

// The server's git reading refs and manifests in bulk, against a real
// jupyter_server and stores written by isomorphic-git (as the lab writes
// them: objects and refs only) and by the git CLI. Its rows must equal the
// ones read one experiment at a time through isomorphic-git.
const ids = new UlidFactory();

function sources(client: BridgeClient, batch?: number) {
  const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
  const fallback = new BulkSource({ client, store });
  return {
    store,
    server: new ServerSource({ client, store, fallback, batch }),
    plain: storeSource(store)
  };
}

function setup(batch?: number) {
  const client = isolatedClient('server-source');
  const gitDir = storeGitDir(client);
  return { client, gitDir, git: gitCli(gitDir), ...sources(client, batch) };
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

/** Count the calls of the client's bulk routes. */
function counting(client: BridgeClient) {
  const calls = { refs: 0, manifests: [] as number[], readMany: 0 };
  const refs = client.storeRefs.bind(client);
  const manifests = client.storeManifests.bind(client);
  const readMany = client.readMany.bind(client);
  client.storeRefs = async slug => {
    calls.refs++;
    return refs(slug);
  };
  client.storeManifests = async commits => {
    calls.manifests.push(commits.length);
    return manifests(commits);
  };
  client.readMany = async paths => {
    calls.readMany++;
    return readMany(paths);
  };
  return calls;
}

describe('ServerSource', () => {
  it('should list and read the same rows as the store, in one listing and a request per page', async () => {
    const { client, store, server, plain } = setup(7);
    const a = await saveMany(store, 12);
    const b = await saveMany(store, 5, 'other/notebook.ipynb');
    const calls = counting(client);

    expect(await server.list()).toEqual(await store.list());
    expect(await server.list(a[0].slug)).toEqual(await store.list(a[0].slug));
    expect(await server.list(b[0].slug)).toEqual(await store.list(b[0].slug));
    expect(await server.list('no-such-notebook-00000000')).toEqual([]);

    const entries = await server.list();
    const progress: [number, number][] = [];
    const rows = await server.read(entries, (done, total) =>
      progress.push([done, total])
    );
    expect(server.fellBack).toBe(false);
    expect(rows).toEqual(await plain.read(entries));
    expect(rows).toHaveLength(17);
    expect(rows.every(row => row.broken === undefined)).toBe(true);
    // 5 listings; 17 commits in pages of 7; nothing through read-many.
    expect(calls.refs).toBe(5);
    expect(calls.manifests).toEqual([7, 7, 3]);
    expect(calls.readMany).toBe(0);
    expect(progress.at(-1)).toEqual([17, 17]);
  });

  it('should not list the refs again when none changed since the last listing', async () => {
    const { client, store, server } = setup();
    const [a] = await saveMany(store, 3);
    // Refs changed within 2 s get no token (mtime granularity).
    await new Promise(resolve => setTimeout(resolve, 2100));
    const answers: { unchanged?: boolean; refs: number }[] = [];
    const refs = client.storeRefs.bind(client);
    client.storeRefs = async (slug, since) => {
      const answer = await refs(slug, since);
      answers.push({ unchanged: answer.unchanged, refs: answer.refs.length });
      return answer;
    };
    const first = await server.list(a.slug);
    expect(await server.list(a.slug)).toEqual(first);
    expect(await server.list()).toEqual(first);
    expect(await server.list()).toEqual(first);
    expect(answers).toEqual([
      { unchanged: undefined, refs: 3 },
      { unchanged: true, refs: 0 },
      { unchanged: undefined, refs: 3 },
      { unchanged: true, refs: 0 }
    ]);
    const [added] = await saveMany(store, 1);
    await new Promise(resolve => setTimeout(resolve, 2100));
    const after = await server.list(a.slug);
    expect(after.map(entry => entry.ref)).toEqual([
      added.ref,
      ...first.map(entry => entry.ref)
    ]);
    expect(answers.at(-1)).toEqual({ unchanged: undefined, refs: 4 });
  });

  it('should read packed refs and packed objects (after git gc) itself', async () => {
    const { client, store, git, server, plain } = setup();
    await saveMany(store, 4);
    git(['gc', '--quiet', '--prune=now']);
    expect(git(['count-objects', '-v'])).toMatch(/^count: 0$/m);
    const calls = counting(client);
    const entries = await server.list();
    expect(entries).toEqual(await store.list());
    const rows = await server.read(entries);
    expect(rows).toEqual(await plain.read(entries));
    expect(rows.every(row => row.broken === undefined)).toBe(true);
    expect(calls.readMany).toBe(0);
    // A loose ref overrides its packed value.
    const [first] = entries;
    await store.update(first.ref, { name: 'renamed' });
    const again = await server.read(await server.list());
    expect(again.find(row => row.ref === first.ref)?.name).toBe('renamed');
  });

  it('should show corrupt refs, objects and manifests as broken rows, not fail', async () => {
    const { client, store, git, gitDir } = setup();
    // A reader that has not cached the objects the writer wrote.
    const { server } = sources(client);
    const [good] = await saveMany(store, 1);
    const slug = good.slug;
    const garbageRef = experimentRef(slug, ids.next());
    writeFileSync(join(gitDir, garbageRef), '<img src=x onerror=alert(1)>\n');
    const blobRef = experimentRef(slug, ids.next());
    git(['update-ref', blobRef, git(['hash-object', '-w', '--stdin'], 'x')]);
    const badRef = experimentRef(slug, ids.next());
    writeManifestCommit(git, badRef, '{"schemaVersion"');
    const latinRef = experimentRef(slug, ids.next());
    writeManifestCommit(git, latinRef, '{"name": "caf\u00e9"}');
    const [torn] = await saveMany(store, 1);
    writeFileSync(
      join(gitDir, 'objects', torn.oid.slice(0, 2), torn.oid.slice(2)),
      'not zlib'
    );
    // Names that are not experiments are not listed.
    mkdirSync(join(gitDir, 'refs/exps', slug, 'nested'));
    writeFileSync(join(gitDir, 'refs/exps', slug, 'not-a-ulid'), good.oid);

    const entries = await server.list(slug);
    expect(entries.map(entry => entry.ref).sort()).toEqual(
      [good.ref, garbageRef, blobRef, badRef, latinRef, torn.ref].sort()
    );
    const rows = await server.read(entries);
    const byRef = new Map(rows.map(row => [row.ref, row]));
    expect(byRef.get(good.ref)?.broken).toBeUndefined();
    expect(byRef.get(good.ref)?.name).toBe('brave-otter');
    for (const ref of [garbageRef, blobRef, badRef, latinRef, torn.ref]) {
      expect(byRef.get(ref)?.broken?.code, ref).toMatch(/^E_/);
    }
    expect(byRef.get(badRef)?.broken?.code).toBe('E_MANIFEST_INVALID');
    expect(server.fellBack).toBe(false);
  });

  it('should fall back to the bulk reader for a store the server runs no git on', async () => {
    const { client, store, gitDir, server, plain } = setup();
    await saveMany(store, 3);
    // A store from elsewhere: its config is not the server's template.
    expect((await client.initStore()).configIsTemplate).toBe(true);
    appendFileSync(join(gitDir, 'config'), '[core]\n\tfsmonitor = false\n');
    const calls = counting(client);
    const entries = await server.list();
    expect(server.fellBack).toBe(true);
    expect(entries).toEqual(await store.list());
    expect(await server.read(entries)).toEqual(await plain.read(entries));
    expect(calls.refs).toBe(1);
    expect(calls.manifests).toEqual([]);
    expect(calls.readMany).toBeGreaterThan(0);
    expect(readFileSync(join(gitDir, 'config'), 'utf8')).toContain('fsmonitor');
  });

  it('should fall back when a symbolic link under refs/ would lead git elsewhere', async () => {
    const { store, gitDir, server } = setup();
    const [good] = await saveMany(store, 1);
    symlinkSync(
      '/etc/passwd',
      join(gitDir, 'refs/exps', good.slug, ids.next())
    );
    const entries = await server.list();
    expect(server.fellBack).toBe(true);
    expect(entries.map(entry => entry.ref)).toEqual([good.ref]);
  });

  it('should fall back for a server without the routes, and ask again when busy', async () => {
    const { client, store, server, plain } = setup();
    await saveMany(store, 2);
    const entries = await store.list();
    const manifests = client.storeManifests.bind(client);
    let calls = 0;
    client.storeManifests = async commits => {
      if (++calls === 1) {
        throw new MlopsError('E_BUSY', 'all heavy threads taken', {
          status: 429
        });
      }
      return manifests(commits);
    };
    expect(await server.read(entries)).toEqual(await plain.read(entries));
    expect(calls).toBe(2);

    const older = sources(client);
    client.storeRefs = async () => {
      throw new MlopsError('E_BRIDGE_HTTP', 'HTTP 404', { status: 404 });
    };
    expect(await older.server.list()).toEqual(entries);
    expect(older.server.fellBack).toBe(true);
    // Any other failure is the list's error, not a silent fallback.
    const other = sources(client);
    client.storeRefs = async () => {
      throw new MlopsError('E_BRIDGE_UNREACHABLE', 'down');
    };
    await expect(other.server.list()).rejects.toThrow('down');
    expect(other.server.fellBack).toBe(false);
  });

  it('should list nothing for a store that does not exist yet, and create nothing', async () => {
    const { server, gitDir } = setup();
    expect(await server.list()).toEqual([]);
    expect(await server.read([])).toEqual([]);
    expect(() => readFileSync(join(gitDir, 'HEAD'))).toThrow();
  });

  describe('against a server whose answers hold 2 KiB', () => {
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

    it('should ask again for what an answer had no room for', async () => {
      if (!server) {
        throw new Error('no server');
      }
      const client = clientOf(server, '.mlops-server-paging');
      const { store, server: source, plain } = sources(client);
      const git = gitCli(
        join(server.rootDir, '.mlops-server-paging', 'experiments.git')
      );
      const saved = await saveMany(store, 12);
      const [big] = await saveMany(store, 1);
      await store.update(big.ref, {
        name: 'big-one',
        note: randomBytes(3 * CAP).toString('hex')
      });
      // Two refs to one commit: asked for once.
      const twin = experimentRef(saved[0].slug, ids.next());
      git(['update-ref', twin, saved[0].oid]);
      const calls = counting(client);
      const entries = await source.list();
      expect(entries).toEqual(await store.list());
      expect(entries).toHaveLength(14);
      const rows = await source.read(entries);
      expect(rows).toEqual(await plain.read(entries));
      expect(rows.every(row => row.broken === undefined)).toBe(true);
      expect(rows.find(row => row.ref === big.ref)?.name).toBe('big-one');
      // 13 commits in answers of about 2 KiB: several requests, and the
      // big manifest (over the cap on its own) came alone.
      expect(calls.manifests.length).toBeGreaterThan(2);
      expect(calls.manifests[0]).toBe(13);
      expect(calls.readMany).toBe(0);
    });
  });
});
