import { ISignal, Signal } from '@lumino/signaling';

import type { IBridgeClient } from '../../bridge/tokens';
import type { ExperimentStore } from '../store/store';
import type { IExperimentStore } from '../store/tokens';
import { BulkSource } from './bulkSource';
import { ServerSource } from './serverSource';
import { ExperimentList } from './experimentList';
import type { IExperimentRow, IRowSource } from './row';
import { ExperimentIndex } from './rowCache';
import { IExperimentList } from './tokens';

/**
 * The experiment list of the shared store: an `ExperimentList` whose rows
 * come from the store of the configured folder (with a row cache per
 * folder), which remembers the slug it shows and says what changed with a
 * signal each. DOM-free.
 */
export class ExperimentListModel
  extends ExperimentList
  implements IExperimentList
{
  /**
   * Create the list over the shared store; nothing is read until the first
   * `refresh()`.
   */
  constructor(options: ExperimentListModel.IOptions) {
    const sources = new Private.Sources(options);
    super({
      source: () => sources.open().source,
      index: () => sources.open().index
    });
    this._sources = sources;
    this.changed.connect(this._onChanged, this);
  }

  get slug(): string | undefined {
    return this._slug;
  }

  get rowsChanged(): ISignal<this, readonly IExperimentRow[]> {
    return this._rowsChanged;
  }

  get loadingChanged(): ISignal<this, IExperimentList.ILoading> {
    return this._loadingChanged;
  }

  get errorChanged(): ISignal<this, IExperimentList.IError | null> {
    return this._errorChanged;
  }

  refresh(slug?: string): Promise<void> {
    this._slug = slug;
    return super.refresh(slug);
  }

  reload(): Promise<void> {
    return super.refresh(this._slug);
  }

  /**
   * Whether the list is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Close the row cache and stop signalling.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._sources.close();
    Signal.clearData(this);
  }

  private _onChanged(): void {
    const { rows, loading, progress, error } = this;
    const last = this._last.rows;
    if (rows !== last && (rows.length > 0 || last.length > 0)) {
      this._rowsChanged.emit(rows);
    }
    if (error !== this._last.error) {
      this._errorChanged.emit(error);
    }
    // Last: when loading ends, the rows and error are already told.
    if (loading !== this._last.loading || progress !== this._last.progress) {
      this._loadingChanged.emit({ loading, progress });
    }
    this._last = { rows, loading, progress, error };
  }

  private _sources: Private.Sources;
  private _slug: string | undefined = undefined;
  private _isDisposed = false;
  private _last: {
    rows: readonly IExperimentRow[];
    loading: boolean;
    progress: IExperimentList.IProgress | null;
    error: IExperimentList.IError | null;
  } = { rows: this.rows, loading: false, progress: null, error: null };
  private _rowsChanged = new Signal<this, readonly IExperimentRow[]>(this);
  private _loadingChanged = new Signal<this, IExperimentList.ILoading>(this);
  private _errorChanged = new Signal<this, IExperimentList.IError | null>(this);
}

/**
 * A namespace for ExperimentListModel statics.
 */
export namespace ExperimentListModel {
  /**
   * Options of the list.
   */
  export interface IOptions {
    /** The shared store; its current store is read at each refresh. */
    stores: IExperimentStore;
    /**
     * Where rows come from for a store (default: a `ServerSource`, the
     * server's git reading refs and manifests in bulk, falling back to a
     * `BulkSource`).
     */
    source?: (client: IBridgeClient, store: ExperimentStore) => IRowSource;
    /**
     * The row cache of a store folder (default: an IndexedDB
     * `ExperimentIndex` named after the folder), or null for none.
     */
    index?: ((name: string) => ExperimentIndex) | null;
  }
}

namespace Private {
  /**
   * The row source and cache of the current store, made anew when the
   * store is replaced (the old cache is closed).
   */
  export class Sources {
    constructor(options: ExperimentListModel.IOptions) {
      this._options = options;
    }

    open(): { source: IRowSource; index: ExperimentIndex | null } {
      const { stores, source, index } = this._options;
      const store = stores.current;
      if (this._current?.store !== store) {
        this._current?.index?.close();
        const client = stores.client;
        const name = client.store ?? '.mlops';
        this._current = {
          store,
          source: source
            ? source(client, store)
            : new ServerSource({
                client,
                store,
                fallback: new BulkSource({ client, store })
              }),
          index:
            index === null
              ? null
              : index
                ? index(name)
                : new ExperimentIndex({ name })
        };
      }
      return this._current;
    }

    close(): void {
      this._current?.index?.close();
      this._current = null;
    }

    private _options: ExperimentListModel.IOptions;
    private _current: {
      store: ExperimentStore;
      source: IRowSource;
      index: ExperimentIndex | null;
    } | null = null;
  }
}
