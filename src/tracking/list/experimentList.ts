import { ISignal, Signal } from '@lumino/signaling';

import { isMlopsError, toMlopsError } from '../../errors';
import { nextFrame } from '../../util/frames';
import { measureSince } from '../../util/timing';
import type { IExperimentRow, IRowSource } from './row';
import { ExperimentIndex, HEAD_ROWS } from './rowCache';

/**
 * Rows to read before the panel shows a progress bar.
 */
export const PROGRESS_FROM = 100;

/**
 * The experiments the panel shows, read from the store's refs. DOM-free.
 */
export class ExperimentList {
  /**
   * Create a list over a store getter (the store changes with `storeDir`).
   */
  constructor(options: {
    /** Where rows come from (it changes with `storeDir`). */
    source: () => IRowSource;
    /** The IndexedDB cache for the current store, if any. */
    index?: () => ExperimentIndex | null;
  }) {
    this._source = options.source;
    this._index = options.index ?? (() => null);
  }

  /**
   * The rows, newest first.
   */
  get rows(): readonly IExperimentRow[] {
    return this._rows;
  }

  /**
   * How many experiments there are while `rows` holds only the newest of
   * them (the first paint of a large list, from the cache's head); null
   * when `rows` is the whole list.
   */
  get total(): number | null {
    return this._total;
  }

  /**
   * Whether a refresh is under way.
   */
  get loading(): boolean {
    return this._loading;
  }

  /**
   * How far a rebuild of the index has read (manifests read, of total),
   * or null when none is under way.
   */
  get progress(): { done: number; total: number } | null {
    return this._progress;
  }

  /**
   * The last failure to list, or null.
   */
  get error(): { code: string; message: string } | null {
    return this._error;
  }

  /**
   * Emitted when rows, loading or error change.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Read the experiments of one notebook slug, or of all notebooks.
   */
  async refresh(slug?: string): Promise<void> {
    const generation = ++this._generation;
    this._loading = true;
    this._changed.emit();
    // User Timing entries (DevTools' Performance panel, the benchmarks).
    const start = performance.now();
    let read = 0;
    try {
      const source = this._source();
      const index = this._index();
      const onProgress = (done: number, total: number) => {
        // A few reads are quick: only rebuilds get a progress bar. A
        // rebuild goes on (under its lock) when a newer refresh starts, so
        // its progress is shown whatever the generation.
        if (total < PROGRESS_FROM) {
          return;
        }
        this._progress = done < total ? { done, total } : null;
        this._changed.emit();
      };
      let rows: IExperimentRow[];
      if (index) {
        // Paint at once: a view this window listed lately from memory;
        // else from the cache, the newest rows and the count of a large
        // list first, then all cached rows. Then read only what moved.
        const remembered = index.remembered(slug);
        // (Remembered rows get a head too: rendering 100,000 rows sorted
        // and filtered takes a few hundred milliseconds, 200 rows none.)
        const head = remembered
          ? remembered.length > HEAD_ROWS
            ? { rows: remembered.slice(0, HEAD_ROWS), count: remembered.length }
            : null
          : await index.head(slug);
        if (generation === this._generation && head) {
          this._rows = head.rows;
          this._total = head.count > head.rows.length ? head.count : null;
          this._changed.emit();
          measureSince('list-head', start, {
            slug,
            rows: head.rows.length,
            count: head.count
          });
          // Two frames: the panel renders the head in the first (React
          // commits after it), the second paints it; reading all cached rows
          // holds the page for a while (100,000 rows: about a second).
          await nextFrame();
          await nextFrame();
        }
        const cached = remembered ?? (await index.cached(slug));
        if (generation === this._generation && cached.length > 0) {
          this._rows = cached;
          this._total = null;
          this._changed.emit();
        }
        measureSince('list-cached', start, {
          slug,
          rows: cached.length
        });
        // Let the panel paint the cached rows before the refs are read.
        await nextFrame();
        const refreshed = await index.refresh(
          source,
          slug,
          onProgress,
          () => generation !== this._generation
        );
        if (refreshed === null) {
          return; // A newer refresh shows its own rows.
        }
        rows = refreshed.rows;
        read = refreshed.read;
      } else {
        const entries = await source.list(slug);
        rows = await source.read(entries, onProgress);
        read = entries.length;
      }
      measureSince('list-refresh', start, {
        slug,
        rows: rows.length,
        read
      });
      if (generation === this._generation) {
        this._rows = rows;
        this._total = null;
        this._error = null;
      }
    } catch (reason) {
      if (generation === this._generation) {
        this._error = Private.describe(reason);
      }
    } finally {
      if (generation === this._generation) {
        this._loading = false;
        this._progress = null;
        this._changed.emit();
      }
    }
  }

  private _source: () => IRowSource;
  private _progress: { done: number; total: number } | null = null;
  private _index: () => ExperimentIndex | null;
  private _rows: IExperimentRow[] = [];
  private _total: number | null = null;
  private _loading = false;
  private _error: { code: string; message: string } | null = null;
  private _generation = 0;
  private _changed = new Signal<this, void>(this);
}

namespace Private {
  /**
   * Why the list could not be read. A failure that is no MlopsError (a
   * network error, a bug) keeps the code `toMlopsError` finds for it (its
   * cause's, else `E_IO`): calling it a corrupt store would send the user
   * looking in the wrong place.
   */
  export function describe(reason: unknown): { code: string; message: string } {
    const error = isMlopsError(reason) ? reason : toMlopsError(reason);
    return { code: error.code, message: error.message };
  }
}
