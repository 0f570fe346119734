import type { IDBPDatabase } from 'idb';

import { newestFirst } from '../../util/ids';
import { nextFrame } from '../../util/frames';
import { measureSince } from '../../util/timing';
import { IIndexSchema, openIndex } from './indexDb';
import {
  headKey,
  headsOf,
  IIndexedRow,
  REMEMBERED_VIEWS,
  isRow,
  unpack,
  unpackHead,
  viewKey,
  viewsHolding
} from './indexViews';
import { IRowSource } from './row';
import { ExperimentStore } from '../store/store';

export { INDEX_SCHEMA_VERSION } from './indexDb';
export { HEAD_ROWS, type IIndexedRow } from './indexViews';

/**
 * The IndexedDB cache of the Experiments panel: one row per experiment ref
 * with the commit it was read from. It is a cache, never the truth: the refs
 * are. A refresh reads only the manifests whose ref moved; a missing,
 * outdated or unreadable cache is rebuilt from the refs.
 */

/**
 * An experiment index over one store folder.
 */
export class ExperimentIndex {
  /**
   * Create an index; `name` tells stores apart (use the store folder).
   */
  constructor(options: { name: string }) {
    this._name = `jupyterlab-mlops:${options.name}`;
  }

  /**
   * The cached rows of one notebook slug, or of all, newest first; empty
   * when there is no usable cache.
   */
  async cached(slug?: string): Promise<IIndexedRow[]> {
    try {
      // A write under way (rows already shown) is waited for.
      await Private.writes.get(this._name);
      const db = await this._db();
      const key = viewKey(slug);
      const packed = await db.get('packed', key);
      const rows = packed ? unpack(packed.json) : null;
      if (packed && !rows) {
        // Unsound: drop it, the next refresh packs the view again.
        await db.delete('packed', key);
      }
      const found = rows ?? (await this._rows(slug));
      this._known.set(key, {
        rows: found,
        version: Private.version(this._name)
      });
      return found;
    } catch {
      return [];
    }
  }

  /**
   * The rows of a view this window listed lately (its last refresh's), if
   * nothing changed them since: a switch back to a notebook paints them at
   * once, with no IndexedDB read. The refresh then compares the refs with
   * them, as with rows painted from the cache.
   */
  remembered(slug?: string): IIndexedRow[] | null {
    const key = viewKey(slug);
    const version = Private.version(this._name);
    let view = this._views.get(key);
    const all = this._views.get(viewKey());
    if (!view && slug !== undefined && all?.version === version) {
      // One notebook's rows, from all notebooks' (as fresh).
      view = { rows: all.rows.filter(row => row.slug === slug), version };
    }
    if (!view || view.version !== version) {
      this._views.delete(key);
      return null;
    }
    // Most recently used last.
    this._views.delete(key);
    this._views.set(key, view);
    this._known.set(key, { rows: view.rows, version: view.version });
    return view.rows;
  }

  /**
   * The newest rows of a large view and how many rows it has, for the
   * first paint: reading and parsing 100,000 cached rows takes most of a
   * second, the newest few hundred a few milliseconds. Null when the view
   * has no head (a small view, or no cache): `cached()` is as quick then.
   */
  async head(
    slug?: string
  ): Promise<{ rows: IIndexedRow[]; count: number } | null> {
    try {
      await Private.writes.get(this._name);
      const db = await this._db();
      const head = await db.get('packed', headKey(slug));
      return head ? unpackHead(head.json) : null;
    } catch {
      return null;
    }
  }

  /**
   * The cached rows from the row store (the cache's own truth), newest
   * first; rows of the wrong shape are left out.
   */
  private async _rows(slug?: string): Promise<IIndexedRow[]> {
    try {
      const db = await this._db();
      const rows =
        slug === undefined
          ? await db.getAll('rows')
          : await db.getAllFromIndex('rows', 'slug', slug);
      return rows.filter(isRow).sort(newestFirst);
    } catch {
      return [];
    }
  }

  /**
   * Bring the cache in line with the refs: read the manifests of new or
   * moved refs only, drop rows of deleted refs. Returns the rows and how
   * many manifests had to be read; null when `superseded()` said so before
   * it began.
   */
  refresh(
    source: IRowSource,
    slug?: string,
    onProgress?: (done: number, total: number) => void
  ): Promise<{ rows: IIndexedRow[]; read: number }>;
  refresh(
    source: IRowSource,
    slug: string | undefined,
    onProgress: ((done: number, total: number) => void) | undefined,
    superseded: () => boolean
  ): Promise<{ rows: IIndexedRow[]; read: number } | null>;
  async refresh(
    source: IRowSource,
    slug?: string,
    onProgress?: (done: number, total: number) => void,
    superseded?: () => boolean
  ): Promise<{ rows: IIndexedRow[]; read: number } | null> {
    // One tab rebuilds at a time; the next one finds the cache warm. A
    // refresh that a newer one replaced while it waited for the lock (a
    // quick run of notebook switches) is dropped: null.
    //
    // The rows are given to the panel as soon as they are read; the lock
    // is held until the index is written (the next refresh reads it).
    return new Promise((resolve, reject) => {
      Private.exclusive(`${this._name}:refresh`, async () => {
        if (superseded?.()) {
          resolve(null);
          return;
        }
        const { rows, read, write } = await this._refresh(
          source,
          slug,
          onProgress
        );
        resolve({ rows, read });
        // After the panel has shown the rows.
        const written = nextFrame().then(write);
        Private.writes.set(this._name, written);
        await written;
        if (Private.writes.get(this._name) === written) {
          Private.writes.delete(this._name);
        }
      }).catch(reject);
    });
  }

  private async _refresh(
    source: IRowSource,
    slug?: string,
    onProgress?: (done: number, total: number) => void
  ): Promise<{
    rows: IIndexedRow[];
    read: number;
    write: () => Promise<void>;
  }> {
    let mark = performance.now();
    const entries = await source.list(slug);
    mark = measureSince('index-list', mark, { slug });
    // What this window painted from is compared with the refs (another
    // tab's change since then only means a few more manifests read or
    // rows dropped); else the rows are read from the row store.
    // Not when this window wrote rows since it painted (a rebuild under
    // way then): those would all look new.
    // By view: a refresh of another notebook still under way (a quick
    // switch) leaves this one's painted rows alone.
    const view = viewKey(slug);
    const painted = this._known.get(view);
    this._known.delete(view);
    const known =
      painted && painted.version === Private.version(this._name)
        ? painted.rows
        : await this._rows(slug);
    const cached = new Map(known.map(row => [row.ref, row]));
    mark = measureSince('index-cached', mark, { slug });
    const rows: IIndexedRow[] = [];
    const stale: ExperimentStore.IEntry[] = [];
    for (const entry of entries) {
      const row = cached.get(entry.ref);
      if (row && row.oid === entry.oid && !row.broken) {
        rows.push(row);
      } else {
        stale.push(entry);
      }
      cached.delete(entry.ref);
    }
    const fresh = (await source.read(stale, onProgress)).map((row, i) => ({
      ...row,
      oid: stale[i].oid
    }));
    measureSince('index-read', mark, { slug });
    for (const row of fresh) {
      rows.push(row);
    }
    // The connection the write will use (close() waits for the write).
    const db = await this._db();
    const sorted = rows.sort(newestFirst);
    // As of the version its write leaves (rows changed: one more).
    const changes = fresh.length > 0 || cached.size > 0 ? 1 : 0;
    this._remember(slug, sorted, Private.version(this._name) + changes);
    return {
      rows: sorted,
      read: stale.length,
      write: () => this._write(db, slug, sorted, fresh, [...cached.keys()])
    };
  }

  /**
   * Write what a refresh read: the new rows, the deletions, the packed view.
   * A failure is logged: the panel has its rows and reads them again
   * next time.
   */
  private async _write(
    db: IDBPDatabase<IIndexSchema>,
    slug: string | undefined,
    sorted: IIndexedRow[],
    fresh: IIndexedRow[],
    deleted: string[]
  ): Promise<void> {
    const mark = performance.now();
    const changed = fresh.length > 0 || deleted.length > 0;
    if (changed) {
      Private.versions.set(this._name, Private.version(this._name) + 1);
    }
    try {
      const key = viewKey(slug);
      // 10,000 rows are megabytes of JSON: pack a view only when its rows
      // changed or it has no (sound) packed copy. Nothing to write: no
      // read-write transaction (it would hold up other tabs' reads).
      const repack = changed || (await db.getKey('packed', key)) === undefined;
      if (!repack) {
        return;
      }
      // In slices, with a pause between them: 100,000 puts in one go hold
      // the page for seconds. The views that may hold what changed go first
      // (those of its notebooks and of all notebooks: they repack on their
      // next refresh; other notebooks' views keep theirs) and this one is
      // packed last, so a write cut short (the tab closed) leaves no view,
      // only rows: the next refresh reads the rest again.
      const stale = changed ? viewsHolding(fresh, deleted) : [];
      if (stale === null) {
        await db.clear('packed');
      } else if (stale.length > 0) {
        const tx = db.transaction('packed', 'readwrite');
        await Promise.all([
          ...stale.map(view => tx.store.delete(view)),
          tx.done
        ]);
      }
      const ops: (IIndexedRow | string)[] = [...deleted, ...fresh];
      for (let at = 0; at < ops.length; at += Private.WRITE_SLICE) {
        await Private.pause();
        const tx = db.transaction('rows', 'readwrite');
        await Promise.all([
          ...ops
            .slice(at, at + Private.WRITE_SLICE)
            .map(op =>
              typeof op === 'string' ? tx.store.delete(op) : tx.store.put(op)
            ),
          tx.done
        ]);
      }
      await Private.pause();
      // The view and its head in one transaction: a head is never newer or
      // older than its view.
      const tx = db.transaction('packed', 'readwrite');
      const puts: Promise<unknown>[] = [
        tx.store.put({ key, json: JSON.stringify(sorted) })
      ];
      for (const [head, json] of headsOf(slug, sorted)) {
        puts.push(
          json === null
            ? tx.store.delete(head)
            : tx.store.put({ key: head, json })
        );
      }
      await Promise.all([...puts, tx.done]);
    } catch (reason) {
      // The cache could not be written (quota, private mode): the panel
      // still has the rows, it will read them again next time.
      console.warn('jupyterlab-mlops: experiment index not updated', reason);
    } finally {
      measureSince('index-write', mark, { slug });
    }
  }

  /**
   * Forget everything (the next refresh rebuilds from the refs).
   */
  async clear(): Promise<void> {
    await this.flushed();
    const db = await this._db();
    await db.clear('rows');
    await db.clear('packed');
  }

  /**
   * Resolve once the index holds what the last refresh read (its write
   * comes after the rows are shown).
   */
  async flushed(): Promise<void> {
    await Private.writes.get(this._name)?.catch(() => undefined);
  }

  /**
   * Close the database (after a write under way).
   */
  close(): void {
    const open = this._open;
    this._open = null;
    void this.flushed()
      .then(() => open?.then(db => db.close()))
      .catch(() => undefined);
  }

  /**
   * Keep a view's rows, valid while this window's version of the index is
   * `version` (a write that changes rows bumps it: every view is read
   * again then, from the cache).
   */
  private _remember(
    slug: string | undefined,
    rows: IIndexedRow[],
    version: number
  ): void {
    const key = viewKey(slug);
    this._views.delete(key);
    while (this._views.size >= REMEMBERED_VIEWS) {
      this._views.delete(this._views.keys().next().value as string);
    }
    this._views.set(key, { rows, version });
  }

  private _db(): Promise<IDBPDatabase<IIndexSchema>> {
    if (!this._open) {
      this._open = openIndex(this._name);
    }
    return this._open;
  }

  private _name: string;
  private _open: Promise<IDBPDatabase<IIndexSchema>> | null = null;
  /**
   * Views listed lately in this window, least recently used first.
   */
  private _views = new Map<string, { rows: IIndexedRow[]; version: number }>();
  /**
   * The rows each view was last painted from in this window, by view key.
   */
  private _known = new Map<string, { rows: IIndexedRow[]; version: number }>();
}

namespace Private {
  /**
   * Run `work` under a Web Lock of this name when the browser has Web
   * Locks (other tabs of the same store wait), else directly.
   */
  export async function exclusive<T>(
    name: string,
    work: () => Promise<T>
  ): Promise<T> {
    const locks = (
      globalThis as {
        navigator?: {
          locks?: {
            request: (name: string, run: () => Promise<T>) => Promise<T>;
          };
        };
      }
    ).navigator?.locks;
    if (locks) {
      return locks.request(name, work);
    }
    // No Web Locks (node, old browsers): one at a time in this window.
    const run = (chains.get(name) ?? Promise.resolve()).then(work);
    const settled = run.then(
      () => undefined,
      () => undefined
    );
    chains.set(name, settled);
    void settled.then(() => {
      if (chains.get(name) === settled) {
        chains.delete(name);
      }
    });
    return run;
  }

  const chains = new Map<string, Promise<void>>();

  /**
   * Rows written per transaction, and the pause before each: the page
   * paints and answers between slices.
   */
  export const WRITE_SLICE = 2000;

  export function pause(): Promise<void> {
    return new Promise(resolve => setTimeout(resolve, 0));
  }

  /**
   * Index writes under way, by database name (rows already shown).
   */
  export const writes = new Map<string, Promise<void>>();

  /**
   * How many times this window changed rows of an index, by name.
   */
  export const versions = new Map<string, number>();

  export function version(name: string): number {
    return versions.get(name) ?? 0;
  }
}
