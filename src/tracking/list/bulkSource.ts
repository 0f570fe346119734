import { IBridgeClient } from '../../bridge/tokens';
import { ReadManyResult } from '../../bridge/schemas';
import { whenNotBusy } from '../../bridge/busy';
import { askInPages } from '../../bridge/paging';
import { isMlopsError } from '../../errors';
import { brokenRow, IExperimentRow, IRowSource, readRow, rowOf } from './row';
import { mapLimited } from '../../util/limit';
import { newestFirst } from '../../util/ids';
import { entryOf, looseObject, packedRefs, treeOf } from '../store/gitObjects';
import { parseManifest } from '../store/manifest';
import { ExperimentStore } from '../store/store';
import { parseExperimentRef } from '../store/refs';

/**
 * Rows read one experiment at a time through isomorphic-git (any `fs`).
 */
export function storeSource(store: ExperimentStore): IRowSource {
  return {
    list: slug => store.list(slug),
    read: async (entries, onProgress) => {
      let done = 0;
      onProgress?.(0, entries.length);
      return mapLimited(entries, 8, async entry => {
        const row = await readRow(store, entry);
        onProgress?.(++done, entries.length);
        return row;
      });
    }
  };
}

/**
 * Rows read in bulk through the bridge: the refs with one `list` per
 * notebook and `read-many` of the ref files, then the commits, trees and
 * manifests of many experiments per request (loose objects, inflated
 * here). Anything not loose (a packed object after `git gc`) or unreadable
 * falls back to the store, one experiment at a time. A rebuild of 10,000
 * experiments is tens of requests instead of tens of thousands.
 *
 * The server caps the bytes of one `read-many` answer: files past the cap
 * are asked for again in the next request, and an object bigger than the
 * cap on its own falls back to the store like an unreadable one.
 */
export class BulkSource implements IRowSource {
  constructor(options: BulkSource.IOptions) {
    this._client = options.client;
    this._store = options.store;
    this._gitdir = (options.gitdir ?? 'experiments.git').replace(/^\/+/, '');
    this._batch = Math.max(1, options.batch ?? 500);
  }

  async list(slug?: string): Promise<ExperimentStore.IEntry[]> {
    const base = `refs/exps${slug === undefined ? '' : `/${slug}`}`;
    const slugs =
      slug === undefined
        ? (await this._listDir('refs/exps'))
            .filter(entry => entry.type === 'dir')
            .map(entry => entry.name)
        : [slug];
    const refs: string[] = [];
    await mapLimited(slugs, 8, async name => {
      for (const entry of await this._listDir(`refs/exps/${name}`)) {
        const ref = `refs/exps/${name}/${entry.name}`;
        if (entry.type === 'file' && parseExperimentRef(ref)) {
          refs.push(ref);
        }
      }
    });
    const oids = new Map<string, string>();
    // Packed refs (after `git pack-refs`) first; loose refs override them.
    const [packed] = await this._readMany([`${this._gitdir}/packed-refs`]);
    if ('error' in packed && packed.error.code === 'E_ANSWER_TOO_LARGE') {
      // Bigger than any answer (hundreds of thousands of refs).
      return this._store.list(slug);
    }
    if (!('error' in packed)) {
      for (const [ref, oid] of packedRefs(packed.data)) {
        if (ref.startsWith(`${base}/`) && parseExperimentRef(ref)) {
          oids.set(ref, oid);
        }
      }
    }
    const files = await this._readMany(
      refs.map(ref => `${this._gitdir}/${ref}`)
    );
    refs.forEach((ref, i) => {
      const file = files[i];
      if (file && !('error' in file)) {
        // A ref file that is not an oid is listed with an empty oid: its
        // row is read through the store, which says why it is broken.
        const oid = new TextDecoder().decode(file.data).trim();
        oids.set(ref, /^[0-9a-f]{40}$/.test(oid) ? oid : '');
      }
    });
    const entries: ExperimentStore.IEntry[] = [];
    for (const [ref, oid] of oids) {
      const parts = parseExperimentRef(ref);
      if (parts) {
        entries.push({ ref, oid, ...parts });
      }
    }
    return entries.sort(newestFirst);
  }

  async read(
    entries: readonly ExperimentStore.IEntry[],
    onProgress?: (done: number, total: number) => void
  ): Promise<IExperimentRow[]> {
    const rows: (IExperimentRow | undefined)[] = new Array(entries.length);
    let done = 0;
    onProgress?.(0, entries.length);
    const fallback: number[] = [];
    const loose: number[] = [];
    entries.forEach((entry, i) =>
      (/^[0-9a-f]{40}$/.test(entry.oid) ? loose : fallback).push(i)
    );
    const chunks: number[][] = [];
    for (let i = 0; i < loose.length; i += this._batch) {
      chunks.push(loose.slice(i, i + this._batch));
    }
    await mapLimited(chunks, 2, async chunk => {
      const commits = await this._objects(
        chunk.map(i => entries[i].oid),
        'commit'
      );
      const trees = await this._objects(
        commits.map(commit => (commit ? treeOf(commit) : null)),
        'tree'
      );
      const blobs = await this._objects(
        trees.map(tree => (tree ? entryOf(tree, 'manifest.json') : null)),
        'blob'
      );
      chunk.forEach((i, k) => {
        const entry = entries[i];
        const blob = blobs[k];
        if (!blob) {
          fallback.push(i);
          return;
        }
        try {
          rows[i] = rowOf(
            entry,
            parseManifest(blob, `${entry.ref}:manifest.json`)
          );
        } catch (reason) {
          rows[i] = brokenRow(entry, reason);
        }
      });
      done += chunk.length - chunk.filter(i => rows[i] === undefined).length;
      onProgress?.(done, entries.length);
    });
    await mapLimited(fallback, 8, async i => {
      rows[i] = await readRow(this._store, entries[i]);
      onProgress?.(++done, entries.length);
    });
    return rows as IExperimentRow[];
  }

  /**
   * A folder of the git dir; a missing one is empty.
   */
  private async _listDir(
    path: string
  ): Promise<{ name: string; type: string }[]> {
    try {
      return (await this._client.list(`${this._gitdir}/${path}`)).entries;
    } catch (reason) {
      if (isMlopsError(reason) && reason.code === 'E_NOT_FOUND') {
        return [];
      }
      throw reason;
    }
  }

  /**
   * Read many files in requests of at most `batch` paths, in order, asking
   * again for what an answer had no room for.
   */
  private _readMany(paths: readonly string[]): Promise<ReadManyResult[]> {
    return askInPages(paths, batch => this._ask(batch), this._batch);
  }

  /**
   * One `read-many` request (asked again while the server is busy).
   */
  private _ask(paths: string[]): Promise<ReadManyResult[]> {
    return whenNotBusy(() => this._client.readMany(paths));
  }

  /**
   * The contents of loose objects of one type; null where an oid is null,
   * the object is not loose, or it is not of that type.
   */
  private async _objects(
    oids: readonly (string | null)[],
    type: 'commit' | 'tree' | 'blob'
  ): Promise<(Uint8Array | null)[]> {
    const wanted = oids
      .map((oid, i) => ({ oid, i }))
      .filter((item): item is { oid: string; i: number } => item.oid !== null);
    const out: (Uint8Array | null)[] = oids.map(() => null);
    if (wanted.length === 0) {
      return out;
    }
    const files = await this._readMany(
      wanted.map(
        ({ oid }) =>
          `${this._gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`
      )
    );
    await Promise.all(
      wanted.map(async ({ i }, k) => {
        const file = files[k];
        if (file && !('error' in file)) {
          out[i] = await looseObject(file.data, type);
        }
      })
    );
    return out;
  }

  private _client: IBridgeClient;
  private _store: ExperimentStore;
  private _gitdir: string;
  private _batch: number;
}

export namespace BulkSource {
  export interface IOptions {
    client: IBridgeClient;
    /** The store the fallback reads through. */
    store: ExperimentStore;
    /** The bare repository, relative to the store folder. */
    gitdir?: string;
    /** Paths per `read-many` request (the server's limit is 1,000). */
    batch?: number;
  }
}
