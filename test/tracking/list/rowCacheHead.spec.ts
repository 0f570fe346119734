import 'fake-indexeddb/auto';

import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';

import { ExperimentList } from '../../../src/tracking/list/experimentList';
import { IExperimentRow, IRowSource } from '../../../src/tracking/list/row';
import {
  ExperimentIndex,
  HEAD_ROWS
} from '../../../src/tracking/list/rowCache';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { UlidFactory } from '../../../src/util/ids';

// The head of a large cached view (its newest rows and count), painted
// before all cached rows are read. IndexedDB is fake-indexeddb; the rows
// come from an in-memory source (rowCache.spec.ts reads a real store).
const ids = new UlidFactory();
let dbCounter = 0;

function source(
  count: number
): IRowSource & { entries: ExperimentStore.IEntry[] } {
  const entries = Array.from({ length: count }, () => {
    const id = ids.next();
    return {
      ref: `refs/exps/nb-1/${id}`,
      oid: id
        .toLowerCase()
        .padEnd(40, '0')
        .replace(/[^0-9a-f]/g, 'a'),
      slug: 'nb-1',
      id
    };
  }).reverse(); // newest first, as a store lists them
  return {
    entries,
    list: async () => entries,
    read: async list =>
      list.map((entry): IExperimentRow => ({
        ref: entry.ref,
        id: entry.id,
        slug: entry.slug,
        name: `run-${entry.id.slice(-6)}`,
        createdAt: '2026-12-01T12:00:00.000Z',
        notebookPath: 'nb.ipynb',
        author: 'alice',
        parameters: {},
        metrics: { accuracy: 0.5 },
        starred: false,
        tags: [],
        note: '',
        failed: false
      }))
  };
}

async function built(
  count: number
): Promise<{ name: string; rows: IRowSource }> {
  const name = `head-${process.pid}-${++dbCounter}`;
  const rows = source(count);
  const index = new ExperimentIndex({ name });
  await index.refresh(rows);
  await index.flushed();
  index.close();
  return { name, rows };
}

describe('ExperimentIndex heads', () => {
  it('should keep the newest rows and the count of a large view', async () => {
    const { name, rows } = await built(450);
    const index = new ExperimentIndex({ name });
    const head = await index.head();
    expect(head?.count).toBe(450);
    const all = await index.cached();
    expect(head?.rows).toEqual(all.slice(0, HEAD_ROWS));
    expect(all[0].ref).toBe((await rows.list())[0].ref);
    index.close();
  });

  it("should give each large notebook a head when all notebooks' view is written", async () => {
    const { name } = await built(450); // all notebooks, every row of nb-1
    const index = new ExperimentIndex({ name });
    const head = await index.head('nb-1');
    expect(head?.count).toBe(450);
    expect(head?.rows).toEqual((await index.cached()).slice(0, HEAD_ROWS));
    expect(await index.head('nb-2')).toBeNull();
    index.close();
  });

  it('should have no head for a small view', async () => {
    const { name } = await built(HEAD_ROWS);
    const index = new ExperimentIndex({ name });
    expect(await index.head()).toBeNull();
    expect(await index.cached()).toHaveLength(HEAD_ROWS);
    index.close();
  });

  it.each([
    ['not JSON', '{"count": 3, "rows": ['],
    ['no rows', '{"count": 3}'],
    ['a count below its rows', null],
    ['a count that is no integer', '{"count": 1.5, "rows": []}'],
    ['a row of the wrong shape', '{"count": 9, "rows": [{"ref": 1}]}'],
    ['not an object', '[1, 2, 3]']
  ])('should ignore a head with %s', async (_, json) => {
    const { name } = await built(300);
    const db = await openDB(`jupyterlab-mlops:${name}`);
    const head = await db.get('packed', 'head:*');
    const value = JSON.parse(head.json);
    await db.put('packed', {
      key: 'head:*',
      json: json ?? JSON.stringify({ ...value, count: value.rows.length - 1 })
    });
    db.close();
    const index = new ExperimentIndex({ name });
    expect(await index.head()).toBeNull();
    expect(await index.cached()).toHaveLength(300); // the view itself is sound
    index.close();
  });

  it('should drop the head with the views when rows change, and write it again', async () => {
    const { name, rows } = await built(300);
    const index = new ExperimentIndex({ name });
    const fewer: IRowSource = {
      list: async () => (await rows.list()).slice(1),
      read: rows.read
    };
    const db = await openDB(`jupyterlab-mlops:${name}`);
    await index.refresh(fewer);
    // The write under way: the head waits for it, then is the new one.
    const head = await index.head();
    expect(head?.count).toBe(299);
    expect(head?.rows[0].ref).toBe((await fewer.list())[0].ref);
    expect((await db.getAllKeys('packed')).sort()).toEqual([
      '*',
      'head:*',
      'head:nb-1'
    ]);
    db.close();
    index.close();
  });
});

describe('ExperimentList with a head', () => {
  it('should paint the head and the count, then all rows, then the refreshed ones', async () => {
    const { name, rows } = await built(450);
    const index = new ExperimentIndex({ name });
    const list = new ExperimentList({ source: () => rows, index: () => index });
    const painted: [number, number | null][] = [];
    list.changed.connect(() => painted.push([list.rows.length, list.total]));
    await list.refresh();
    // loading → head (HEAD_ROWS of 450) → cached (450) → refreshed (450)
    expect(painted).toEqual([
      [0, null],
      [HEAD_ROWS, 450],
      [450, null],
      [450, null]
    ]);
    index.close();
  });

  it('should keep the count when the refresh after a head fails', async () => {
    const { name, rows } = await built(450);
    const db = await openDB(`jupyterlab-mlops:${name}`);
    await db.delete('packed', '*'); // no view: the rows are read one by one
    await db.clear('rows');
    db.close();
    const index = new ExperimentIndex({ name });
    const failing: IRowSource = {
      list: async () => {
        throw new Error('the server went away');
      },
      read: rows.read
    };
    const list = new ExperimentList({
      source: () => failing,
      index: () => index
    });
    await list.refresh();
    expect(list.rows).toHaveLength(HEAD_ROWS);
    expect(list.total).toBe(450);
    expect(list.error?.message).toContain('the server went away');
    index.close();
  });
});

describe('ExperimentIndex remembered views', () => {
  it('should paint a view this window listed lately from memory, until rows change', async () => {
    const { name, rows } = await built(450);
    const index = new ExperimentIndex({ name });
    expect(index.remembered()).toBeNull(); // a new window remembers nothing
    const list = new ExperimentList({ source: () => rows, index: () => index });
    await list.refresh();
    await index.flushed();
    // Gone from IndexedDB: a switch back still paints at once, from memory.
    const db = await openDB(`jupyterlab-mlops:${name}`);
    await db.clear('packed');
    const painted: [number, number | null][] = [];
    list.changed.connect(() => painted.push([list.rows.length, list.total]));
    await list.refresh();
    expect(painted).toEqual([
      [450, null], // loading, the rows still shown
      [HEAD_ROWS, 450], // the remembered rows' head
      [450, null], // all remembered rows
      [450, null] // refreshed
    ]);
    // Rows changed (one deleted): every remembered view is read again.
    const fewer: IRowSource = {
      list: async () => (await rows.list()).slice(1),
      read: rows.read
    };
    const other = new ExperimentList({
      source: () => fewer,
      index: () => index
    });
    await other.refresh();
    await index.flushed();
    expect(index.remembered()).toHaveLength(449); // this refresh's own rows
    const afterChange = new ExperimentList({
      source: () => rows,
      index: () => index
    });
    await afterChange.refresh('nb-1'); // another view: not remembered
    expect(afterChange.rows).toHaveLength(450);
    db.close();
    index.close();
  });

  it("should paint one notebook from all notebooks' remembered rows", async () => {
    const { name, rows } = await built(300);
    const index = new ExperimentIndex({ name });
    expect(index.remembered('nb-1')).toBeNull();
    await index.refresh(rows); // all notebooks
    expect(index.remembered('nb-1')).toHaveLength(300);
    expect(index.remembered('nb-2')).toEqual([]);
    index.close();
  });

  it("should compare with a view's painted rows though another view's refresh ran meanwhile", async () => {
    const { name, rows } = await built(300);
    const index = new ExperimentIndex({ name });
    await index.refresh(rows, 'nb-1');
    await index.flushed();
    // A refresh of all notebooks, still listing when nb-1 is painted.
    let release = () => undefined as void;
    const listed = new Promise<void>(resolve => (release = resolve));
    const slow: IRowSource = {
      list: async slug => {
        await listed;
        return rows.list(slug);
      },
      read: rows.read
    };
    // nb-1's refresh finds the row store empty: compared with it instead
    // of the rows painted, every row would look new.
    const emptied: IRowSource = {
      list: async slug => {
        const db = await openDB(`jupyterlab-mlops:${name}`);
        await db.clear('rows');
        db.close();
        return rows.list(slug);
      },
      read: rows.read
    };
    const other = index.refresh(slow);
    expect(index.remembered('nb-1')).toHaveLength(300);
    const mine = index.refresh(emptied, 'nb-1');
    release();
    await other;
    expect((await mine).read).toBe(0);
    await index.flushed();
    index.close();
  });

  it('should keep at most three views', async () => {
    const { name, rows } = await built(10);
    const index = new ExperimentIndex({ name });
    for (const slug of [undefined, 'nb-1', 'nb-2', 'nb-3']) {
      await index.refresh(rows, slug);
    }
    await index.flushed();
    expect(index.remembered()).toBeNull(); // the oldest, dropped
    expect(index.remembered('nb-3')).not.toBeNull();
    index.close();
  });
});

describe('ExperimentIndex views after a change', () => {
  it("should keep other notebooks' views and heads when one notebook changes", async () => {
    const name = `head-${process.pid}-${++dbCounter}`;
    const big = source(450);
    const other: ExperimentStore.IEntry[] = [];
    const entries = async (slug?: string) =>
      [...other, ...big.entries].filter(
        e => slug === undefined || e.slug === slug
      );
    const both: IRowSource = { list: entries, read: big.read };
    const index = new ExperimentIndex({ name });
    await index.refresh(both);
    await index.refresh(both, 'nb-1');
    await index.flushed();
    // A snapshot in another notebook.
    const id = ids.next();
    other.push({
      ref: `refs/exps/nb-2/${id}`,
      oid: 'b'.repeat(40),
      slug: 'nb-2',
      id
    });
    expect((await index.refresh(both, 'nb-2')).read).toBe(1);
    await index.flushed();
    const db = await openDB(`jupyterlab-mlops:${name}`);
    expect((await db.getAllKeys('packed')).sort()).toEqual([
      'head:nb-1',
      'nb-1',
      'nb-2'
    ]);
    db.close();
    const reopened = new ExperimentIndex({ name });
    expect((await reopened.head('nb-1'))?.count).toBe(450);
    expect(await reopened.cached('nb-1')).toHaveLength(450);
    expect(await reopened.cached()).toHaveLength(451); // from the rows, then packed again
    reopened.close();
    index.close();
  });
});
