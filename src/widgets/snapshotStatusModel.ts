import { ISignal, Signal } from '@lumino/signaling';

import type { IExperimentList } from '../tokens';
import type { IExperimentRow } from '../tracking/list/row';
import { isExperimentDrivePath } from '../tracking/store/drive';
import { notebookSlug } from '../util/ids';

/**
 * What the status bar says about the current notebook's snapshots: the
 * newest experiment of that notebook (from the experiment list, which
 * follows the current notebook, also after a reload), or a snapshot of
 * this session that is being saved or failed. Kept per notebook, so
 * switching notebooks never shows another notebook's state. DOM-free.
 */
export class SnapshotStatusModel {
  /**
   * Create the model over the list and the current notebook.
   */
  constructor(options: SnapshotStatusModel.IOptions) {
    this._list = options.list;
    this._notebook = options.notebook;
    // A list that has rows or a notebook was read before this model.
    this._listRead =
      this._list.rows.length > 0 || this._list.slug !== undefined;
    this._list.changed.connect(this._onListChanged, this);
    this._notebook.changed.connect(this._emit, this);
  }

  /**
   * Emitted when what the status shows may have changed.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Record a snapshot of `path` starting, saved (with its name) or failed.
   */
  set(path: string, state: 'saving' | 'saved' | 'failed', name = ''): void {
    this._attempts.set(path, { state, name, time: new Date() });
    this._emit();
  }

  /**
   * What to show for the current notebook.
   */
  get view(): SnapshotStatusModel.IView {
    const path = this._notebook.path;
    if (path === null) {
      return { state: 'none', name: '', time: null };
    }
    if (isExperimentDrivePath(path)) {
      return { state: 'stored', name: '', time: null };
    }
    const attempt = this._attempts.get(path);
    if (attempt && attempt.state !== 'saved') {
      return attempt;
    }
    const newest = this._newestListed(notebookSlug(path));
    if (newest === undefined) {
      // The list is of another notebook, or still reading this one's.
      return attempt ?? { state: 'checking', name: '', time: null };
    }
    const listed =
      newest === null
        ? null
        : { state: 'saved' as const, name: newest.name, time: newest.time };
    if (attempt && (!listed || listed.time < attempt.time)) {
      return attempt;
    }
    return listed ?? { state: 'idle', name: '', time: null };
  }

  /**
   * Record the kernel's current values of the metrics of the notebook at
   * `path` (asked after an execution, see plugins/metricsHint.ts).
   */
  setKernelMetrics(path: string, metrics: Record<string, number>): void {
    this._kernelMetrics.set(path, { ...metrics });
    this._emit();
  }

  /**
   * Whether the kernel's values of the current notebook's metrics differ
   * from its newest experiment's: a snapshot is worth taking. False with
   * no experiment yet (the status says so already), while saving, and
   * when the kernel was not asked.
   */
  get metricsChanged(): boolean {
    const path = this._notebook.path;
    const live = path === null ? undefined : this._kernelMetrics.get(path);
    if (path === null || live === undefined || this.view.state !== 'saved') {
      return false;
    }
    const newest = this._newestListed(notebookSlug(path));
    if (!newest) {
      return false;
    }
    // Own keys only: a metric may be named `constructor`.
    const stored = new Map(Object.entries(newest.metrics));
    return Object.entries(live).some(
      ([name, value]) => !Object.is(stored.get(name), value)
    );
  }

  /**
   * Stop following the list and the notebook.
   */
  dispose(): void {
    this._list.changed.disconnect(this._onListChanged, this);
    this._notebook.changed.disconnect(this._emit, this);
    Signal.clearData(this);
  }

  /**
   * The newest listed experiment of `slug`, null when the list knows it
   * has none, undefined when the list does not cover that notebook (yet).
   */
  private _newestListed(
    slug: string
  ):
    | { name: string; time: Date; metrics: Record<string, number> }
    | null
    | undefined {
    const list = this._list;
    // Never read, the list's empty rows and undefined slug mean nothing.
    const covers =
      this._listRead && (list.slug === undefined || list.slug === slug);
    if (!covers || (list.loading && list.rows.length === 0)) {
      return undefined;
    }
    let newest: IExperimentRow | null = null;
    for (const row of list.rows) {
      // ULIDs sort by creation time.
      if (row.slug === slug && !row.broken && (!newest || row.id > newest.id)) {
        newest = row;
      }
    }
    if (newest === null) {
      return list.loading || list.error !== null ? undefined : null;
    }
    const time = new Date(newest.createdAt);
    return {
      name: newest.name,
      time: Number.isNaN(time.getTime()) ? new Date(0) : time,
      metrics: newest.metrics
    };
  }

  private _onListChanged(): void {
    if (this._list.loading) {
      this._listLoading = true;
    } else if (this._listLoading) {
      this._listRead = true;
    }
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _list: IExperimentList;
  private _listLoading = false;
  private _listRead: boolean;
  private _notebook: SnapshotStatusModel.INotebook;
  private _kernelMetrics = new Map<string, Record<string, number>>();
  private _attempts = new Map<
    string,
    SnapshotStatusModel.IView & { time: Date }
  >();
  private _changed = new Signal<this, void>(this);
}

/**
 * A namespace for SnapshotStatusModel statics.
 */
export namespace SnapshotStatusModel {
  /**
   * What the status bar shows: `none` (no notebook), `stored` (an
   * experiment's read-only notebook), `checking` (reading the list),
   * `idle` (no snapshot of this notebook), `saving`, `saved`, `failed`.
   */
  export type State =
    'none' | 'stored' | 'checking' | 'idle' | 'saving' | 'saved' | 'failed';

  /**
   * The state, the experiment's name and when (for saved and failed).
   */
  export interface IView {
    state: State;
    name: string;
    time: Date | null;
  }

  /**
   * The current notebook.
   */
  export interface INotebook {
    readonly path: string | null;
    readonly changed: ISignal<unknown, void>;
  }

  /**
   * Options of the model.
   */
  export interface IOptions {
    /** The experiment list, which follows the current notebook. */
    list: IExperimentList;
    notebook: INotebook;
  }
}
