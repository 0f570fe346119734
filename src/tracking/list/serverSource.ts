import { IBridgeClient } from '../../bridge/tokens';
import { StoreManifest } from '../../bridge/schemas';
import { whenNotBusy } from '../../bridge/busy';
import { askInPages } from '../../bridge/paging';
import { isMlopsError } from '../../errors';
import { mapLimited } from '../../util/limit';
import { newestFirst } from '../../util/ids';
import { parseManifestText } from '../store/manifest';
import { ExperimentStore } from '../store/store';
import { parseExperimentRef } from '../store/refs';
import { brokenRow, IExperimentRow, IRowSource, readRow, rowOf } from './row';

/**
 * Rows read by the server's git: the refs from one `store/refs`
 * (`git for-each-ref`), the manifests in pages of `store/manifests` (one
 * `git cat-file --batch` each). The bytes are all the server does: each
 * manifest is still parsed and validated here, and rows are made as
 * before. A rebuild of 10,000 experiments is one listing and ten or twenty
 * pages, with git (not JavaScript) finding and inflating the objects.
 *
 * A manifest the server cannot carry (missing, not a file, not UTF-8, too
 * big) is read through the store, which says exactly what is wrong. A
 * server without these routes, a store the server will not run git on (a
 * store from elsewhere) or a server without git: the `fallback` source
 * (`BulkSource`) does everything, from then on.
 */
export class ServerSource implements IRowSource {
  constructor(options: ServerSource.IOptions) {
    this._client = options.client;
    this._store = options.store;
    this._fallback = options.fallback;
    this._batch = Math.max(1, options.batch ?? Private.BATCH);
  }

  /**
   * Whether the fallback source does the work (the server cannot).
   */
  get fellBack(): boolean {
    return this._fellBack;
  }

  async list(slug?: string): Promise<ExperimentStore.IEntry[]> {
    if (!this._fellBack) {
      try {
        // The last listing of this view is named: if no ref changed since,
        // the server says so instead of listing them all again.
        const key = slug ?? '';
        const last = this._listings.get(key);
        const answer = await whenNotBusy(() =>
          this._client.storeRefs(slug, last?.token)
        );
        if (answer.unchanged && last && answer.token === last.token) {
          return [...last.entries];
        }
        const entries: ExperimentStore.IEntry[] = [];
        for (const [ref, oid] of answer.refs) {
          const parts = parseExperimentRef(ref);
          if (parts && Private.OID.test(oid)) {
            entries.push({ ref, oid, ...parts });
          }
        }
        // Listed with no oid: the store reads the row and says why.
        for (const ref of answer.broken) {
          const parts = parseExperimentRef(ref);
          if (parts) {
            entries.push({ ref, oid: '', ...parts });
          }
        }
        entries.sort(newestFirst);
        if (answer.token) {
          this._listings.set(key, { token: answer.token, entries });
        } else {
          this._listings.delete(key);
        }
        return [...entries];
      } catch (reason) {
        if (!Private.unavailable(reason)) {
          throw reason;
        }
        this._fellBack = true;
      }
    }
    return this._fallback.list(slug);
  }

  async read(
    entries: readonly ExperimentStore.IEntry[],
    onProgress?: (done: number, total: number) => void
  ): Promise<IExperimentRow[]> {
    if (this._fellBack) {
      return this._fallback.read(entries, onProgress);
    }
    const rows: (IExperimentRow | undefined)[] = new Array(entries.length);
    let done = 0;
    onProgress?.(0, entries.length);
    // One request per commit, however many refs point at it.
    const byOid = new Map<string, number[]>();
    const store: number[] = [];
    entries.forEach((entry, i) => {
      if (Private.OID.test(entry.oid)) {
        const at = byOid.get(entry.oid);
        if (at) {
          at.push(i);
        } else {
          byOid.set(entry.oid, [i]);
        }
      } else {
        store.push(i);
      }
    });
    const oids = [...byOid.keys()];
    const pages: string[][] = [];
    for (let i = 0; i < oids.length; i += this._batch) {
      pages.push(oids.slice(i, i + this._batch));
    }
    await mapLimited(pages, Private.IN_FLIGHT, async page => {
      const answers = await this._manifests(page);
      page.forEach((oid, k) => {
        const answer = answers[k];
        for (const i of byOid.get(oid) ?? []) {
          if (!answer || 'error' in answer) {
            store.push(i);
            continue;
          }
          const entry = entries[i];
          try {
            rows[i] = rowOf(
              entry,
              parseManifestText(answer.text, `${entry.ref}:manifest.json`)
            );
          } catch (reason) {
            rows[i] = brokenRow(entry, reason);
          }
          done++;
        }
      });
      onProgress?.(done, entries.length);
    });
    await mapLimited(store, 8, async i => {
      rows[i] = await readRow(this._store, entries[i]);
      onProgress?.(++done, entries.length);
    });
    return rows as IExperimentRow[];
  }

  /**
   * The manifests of one page of commits, in order, asking again for what
   * an answer had no room for. Undefined entries (the server could not run
   * git after all) are read through the store.
   */
  private async _manifests(
    oids: readonly string[]
  ): Promise<(StoreManifest | undefined)[]> {
    try {
      const answers = await askInPages(oids, batch =>
        whenNotBusy(() => this._client.storeManifests(batch))
      );
      return answers.map((answer, i) =>
        answer?.commit === oids[i] ? answer : undefined
      );
    } catch (reason) {
      if (Private.unavailable(reason)) {
        return oids.map(() => undefined);
      }
      throw reason;
    }
  }

  private _client: IBridgeClient;
  private _store: ExperimentStore;
  private _fallback: IRowSource;
  private _batch: number;
  private _fellBack = false;
  private _listings = new Map<
    string,
    { token: string; entries: ExperimentStore.IEntry[] }
  >();
}

export namespace ServerSource {
  export interface IOptions {
    client: IBridgeClient;
    /** The store a manifest the server cannot carry is read through. */
    store: ExperimentStore;
    /** What lists and reads when the server cannot (`BulkSource`). */
    fallback: IRowSource;
    /** Commits per `store/manifests` request (the server's limit: 1,000). */
    batch?: number;
  }
}

namespace Private {
  export const OID = /^[0-9a-f]{40}$/;

  /**
   * Commits per page, and pages asked for at once: git reads the next
   * pages while this window parses one.
   */
  export const BATCH = 1000;
  export const IN_FLIGHT = 3;

  /**
   * Whether a failure means the server cannot list this store (for good):
   * an older server without the routes (404), a store it runs no git on,
   * or no git on the server.
   */
  export function unavailable(reason: unknown): boolean {
    if (!isMlopsError(reason)) {
      return false;
    }
    if (reason.code === 'E_BRIDGE_HTTP') {
      return reason.data.status === 404;
    }
    return reason.code === 'E_UNSAFE_REPOSITORY' || reason.code === 'E_IO';
  }
}
