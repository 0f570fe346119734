import 'fake-indexeddb/auto';

import { describe, expect, it } from 'vitest';

import { BridgeService } from '../../../src/bridge/service';
import { MlopsError } from '../../../src/errors';
import { storeSource } from '../../../src/tracking/list/bulkSource';
import { ExperimentListModel } from '../../../src/tracking/list/experimentListModel';
import { ExperimentIndex } from '../../../src/tracking/list/rowCache';
import { IExperimentList } from '../../../src/tracking/list/tokens';
import { ExperimentStoreService } from '../../../src/tracking/store/storeService';
import { notebookSlug, UlidFactory } from '../../../src/util/ids';
import { serverSettings } from '../../support/client';
import { makeManifest } from '../fixtures';

// The store is real, through the run's jupyter_server; IndexedDB is
// fake-indexeddb (Node has none).
const ids = new UlidFactory();
let counter = 0;

function setup(options: Partial<ExperimentListModel.IOptions> = {}) {
  counter += 1;
  const bridge = new BridgeService({
    serverSettings: serverSettings(),
    store: `.mlops-listmodel-${process.pid}-${counter}`
  });
  const stores = new ExperimentStoreService({ bridge, channel: null });
  const list = new ExperimentListModel({ stores, ...options });
  const events: string[] = [];
  list.rowsChanged.connect((_, rows) => events.push(`rows ${rows.length}`));
  list.loadingChanged.connect((_, { loading, progress }) =>
    events.push(`loading ${loading}${progress ? ` ${progress.done}` : ''}`)
  );
  list.errorChanged.connect((_, error) => events.push(`error ${error?.code}`));
  return { bridge, stores, list, events };
}

async function save(
  stores: ExperimentStoreService,
  path: string
): Promise<string> {
  const manifest = makeManifest(ids.next());
  manifest.notebook = { ...manifest.notebook, path, slug: notebookSlug(path) };
  return (await stores.current.save({ manifest, files: [] })).ref;
}

describe('ExperimentListModel', () => {
  it('should list one notebook, remember it, and say what changed', async () => {
    const { stores, list, events } = setup({ index: null });
    const a = await save(stores, 'a.ipynb');
    const b = await save(stores, 'b.ipynb');
    const typed: IExperimentList = list;
    expect(typed.slug).toBeUndefined();

    await list.refresh(notebookSlug('a.ipynb'));
    expect(list.slug).toBe(notebookSlug('a.ipynb'));
    expect(list.rows.map(row => row.ref)).toEqual([a]);
    expect(events).toEqual(['loading true', 'rows 1', 'loading false']);

    // Reload: the same notebook, read again.
    const c = await save(stores, 'a.ipynb');
    events.length = 0;
    await list.reload();
    expect(list.rows.map(row => row.ref)).toEqual([c, a]);
    expect(events).toEqual(['loading true', 'rows 2', 'loading false']);

    await list.refresh();
    expect(list.slug).toBeUndefined();
    expect(list.rows.map(row => row.ref).sort()).toEqual([a, b, c].sort());
    list.dispose();
  });

  it('should read the new store when the store folder changes', async () => {
    const { bridge, stores, list } = setup();
    await save(stores, 'a.ipynb');
    await list.refresh();
    expect(list.rows).toHaveLength(1);

    await bridge.setStore(`${bridge.client.store}-empty`);
    await list.reload();
    expect(list.rows).toEqual([]);
    list.dispose();
    expect(list.isDisposed).toBe(true);
  });

  it('should name the row cache after the store folder', async () => {
    const names: string[] = [];
    const { bridge, list } = setup({
      index: name => {
        names.push(name);
        return new ExperimentIndex({ name: `${name}-${process.pid}` });
      },
      source: (_, store) => storeSource(store)
    });
    await list.refresh();
    expect(names).toEqual([bridge.client.store]);
    // The same store: the same cache.
    await list.reload();
    expect(names).toHaveLength(1);
    list.dispose();
  });

  it('should say when listing fails, and when it works again', async () => {
    let fail = true;
    const { list, events } = setup({
      index: null,
      source: (_, store) => ({
        list: async slug => {
          if (fail) {
            throw new MlopsError('E_STORE_CORRUPT', 'bad refs');
          }
          return storeSource(store).list(slug);
        },
        read: (entries, onProgress) =>
          storeSource(store).read(entries, onProgress)
      })
    });
    await list.refresh();
    expect(list.error).toEqual({
      code: 'E_STORE_CORRUPT',
      message: 'bad refs'
    });
    expect(events).toEqual([
      'loading true',
      'error E_STORE_CORRUPT',
      'loading false'
    ]);
    fail = false;
    events.length = 0;
    await list.reload();
    expect(list.error).toBeNull();
    // No rows before, none now: only the error and the loading change.
    expect(events).toEqual([
      'loading true',
      'error undefined',
      'loading false'
    ]);
    list.dispose();
  });
});
