import 'fake-indexeddb/auto';

import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { storeSource } from '../../../src/tracking/list/bulkSource';
import { IRowSource } from '../../../src/tracking/list/row';
import { UlidFactory } from '../../../src/util/ids';
import {
  ExperimentIndex,
  INDEX_SCHEMA_VERSION
} from '../../../src/tracking/list/rowCache';
import { ExperimentList } from '../../../src/tracking/list/experimentList';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { isolatedClient } from '../../support/client';
import { makeManifest } from '../fixtures';

// IndexedDB here is fake-indexeddb (Node has none); the store and the refs
// are real, through a real jupyter_server. Chromium's IndexedDB is used by
// the galata tests.
const ids = new UlidFactory();
let dbCounter = 0;

function setup() {
  const client = isolatedClient('index');
  const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
  const name = `test-${process.pid}-${++dbCounter}`;
  let reads = 0;
  const inner = storeSource(store);
  const read: IRowSource = {
    list: slug => inner.list(slug),
    read: (entries, onProgress) => {
      reads += entries.length;
      return inner.read(entries, onProgress);
    }
  };
  return { store, name, read, reads: () => reads };
}

describe('ExperimentIndex', () => {
  describe('#refresh()', () => {
    it('should read only the manifests of new or moved refs', async () => {
      const { store, name, read, reads } = setup();
      const a = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      const b = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      const index = new ExperimentIndex({ name });

      const first = await index.refresh(read);
      expect(first.read).toBe(2);
      expect(first.rows.map(r => r.ref)).toEqual([b.ref, a.ref]);

      const again = await index.refresh(read);
      expect(again.read).toBe(0);
      expect(reads()).toBe(2);

      await store.update(a.ref, { name: 'renamed' });
      await store.remove(b.ref);
      const c = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      const moved = await index.refresh(read);
      expect(moved.read).toBe(2);
      expect(moved.rows.map(r => [r.ref, r.name])).toEqual([
        [c.ref, 'brave-otter'],
        [a.ref, 'renamed']
      ]);
      expect((await index.cached()).map(r => r.ref)).toEqual([c.ref, a.ref]);
      index.close();
    });

    it('should rebuild after the cache was deleted, and from an older schema version', async () => {
      const { store, name, read } = setup();
      await store.save({ manifest: makeManifest(ids.next()), files: [] });
      const index = new ExperimentIndex({ name });
      expect((await index.refresh(read)).read).toBe(1);
      await index.flushed();
      index.close();

      // An older version of the extension wrote this cache.
      const db = await openDB(`jupyterlab-mlops:${name}`);
      await db.put('meta', {
        key: 'schema',
        schemaVersion: INDEX_SCHEMA_VERSION - 1
      });
      db.close();
      const reopened = new ExperimentIndex({ name });
      expect(await reopened.cached()).toEqual([]);
      expect((await reopened.refresh(read)).read).toBe(1);

      await reopened.clear();
      expect((await reopened.refresh(read)).read).toBe(1);
      reopened.close();
    });

    it('should drop corrupt cached rows and read them again', async () => {
      const { store, name, read } = setup();
      const saved = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      const index = new ExperimentIndex({ name });
      await index.refresh(read);
      await index.flushed();
      index.close();
      const db = await openDB(`jupyterlab-mlops:${name}`);
      await db.put('rows', { ref: saved.ref, slug: saved.slug, name: 42 });
      db.close();
      const reopened = new ExperimentIndex({ name });
      const result = await reopened.refresh(read);
      expect(result.read).toBe(1);
      expect(result.rows[0]).toMatchObject({
        ref: saved.ref,
        name: 'brave-otter'
      });
      reopened.close();
    });
  });
});

describe('ExperimentIndex packed views', () => {
  it('should paint from the packed view, ignore a corrupt one, and drop views when rows change', async () => {
    const { store, name, read } = setup();
    const a = await store.save({
      manifest: makeManifest(ids.next()),
      files: []
    });
    const index = new ExperimentIndex({ name });
    await index.refresh(read);
    await index.refresh(read, a.slug);
    await index.flushed();
    index.close();

    const db = await openDB(`jupyterlab-mlops:${name}`);
    const views = (await db.getAllKeys('packed')).sort();
    expect(views).toEqual(['*', a.slug].sort());
    // The packed view is what the panel paints first: change it, and the
    // painted row shows the change.
    const packed = await db.get('packed', '*');
    await db.put('packed', {
      key: '*',
      json: packed.json.replace('brave-otter', 'from-the-packed-view')
    });
    // A corrupt view is ignored: the rows are read one by one.
    await db.put('packed', { key: a.slug, json: '[{"ref": 1}' });
    db.close();
    const reopened = new ExperimentIndex({ name });
    expect((await reopened.cached()).map(row => row.name)).toEqual([
      'from-the-packed-view'
    ]);
    expect((await reopened.cached(a.slug)).map(row => row.name)).toEqual([
      'brave-otter'
    ]);

    // A change of rows drops every view but the one just refreshed.
    await store.update(a.ref, { name: 'renamed' });
    expect((await reopened.refresh(read, a.slug)).read).toBe(1);
    await reopened.flushed();
    reopened.close();
    const after = await openDB(`jupyterlab-mlops:${name}`);
    expect(await after.getAllKeys('packed')).toEqual([a.slug]);
    after.close();
    const last = new ExperimentIndex({ name });
    expect((await last.cached()).map(row => row.name)).toEqual(['renamed']);
    last.close();
  });
});

describe('ExperimentList with an index', () => {
  it('should paint cached rows first, then the refreshed ones', async () => {
    const { store, name } = setup();
    await store.save({ manifest: makeManifest(ids.next()), files: [] });
    const index = new ExperimentIndex({ name });
    const list = new ExperimentList({
      source: () => storeSource(store),
      index: () => index
    });
    await list.refresh();
    expect(list.rows).toHaveLength(1);

    const second = await store.save({
      manifest: makeManifest(ids.next()),
      files: []
    });
    const painted: number[] = [];
    list.changed.connect(() => painted.push(list.rows.length));
    await list.refresh();
    // loading → cached (1 row) → refreshed (2 rows)
    expect(painted).toEqual([1, 1, 2]);
    expect(list.rows[0].ref).toBe(second.ref);
    index.close();
  });
});
