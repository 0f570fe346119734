import { ISignal, Signal } from '@lumino/signaling';

import type {
  ExperimentsSettings,
  PluginSettings,
  SettingsSchemas
} from '../settings';
import type { IExperimentList, IExperimentStore } from '../tokens';
import { metricDirection } from '../tracking/compare/baseline';
import type { IExperimentRow } from '../tracking/list/row';
import { defaultDescending } from '../tracking/list/rows';
import type { FieldKey, ISort } from '../tracking/list/rows';
import { StepValue, withStepValues } from '../tracking/list/stepValues';
import { notebookSlug } from '../util/ids';

/**
 * The state of the Experiments panel and of the Experiments table tab,
 * which share it: which experiments they list (the active notebook's, or
 * all), which rows are selected, the one sort order, the table's columns
 * (a setting), and when to read the list again. DOM-free.
 */
export class ExperimentsPanelModel {
  /**
   * Create the model; the list is read when the panel shows, the notebook
   * changes, or the store does.
   */
  constructor(options: ExperimentsPanelModel.IOptions) {
    this._list = options.list;
    this._stores = options.stores;
    this._notebook = options.notebook;
    this._settings = options.settings;
    this._notebook.changed.connect(this._onNotebookChanged, this);
    this._settings.changed.connect(this._emit, this);
    // A snapshot or an edit here, another tab, another store folder.
    this._stores.changed.connect(this._onStoreChanged, this);
    Private.models.set(this._list, this);
  }

  /**
   * The panel model over a list, if one was made: the Experiments table
   * tab shares the sidebar's (selection, sort, columns, scope).
   */
  static forList(list: IExperimentList): ExperimentsPanelModel | undefined {
    const model = Private.models.get(list);
    return model && !model.isDisposed ? model : undefined;
  }

  /**
   * The experiments listed.
   */
  get list(): IExperimentList {
    return this._list;
  }

  /**
   * The file name of the notebook the panel follows, if any.
   */
  get notebookName(): string | null {
    return this._notebook.name;
  }

  /**
   * Whether the experiments of all notebooks are listed.
   */
  get allNotebooks(): boolean {
    return this._allNotebooks;
  }

  /**
   * List the experiments of all notebooks, or of the active one.
   */
  setAllNotebooks(all: boolean): Promise<void> {
    this._allNotebooks = all;
    this._emit();
    return this.refresh();
  }

  /**
   * The refs of the selected experiments.
   */
  get selected(): ReadonlySet<string> {
    return this._selected;
  }

  /**
   * Select or unselect one experiment.
   */
  select(ref: string, on: boolean): void {
    if (on) {
      this._selected.add(ref);
    } else {
      this._selected.delete(ref);
    }
    this._emit();
  }

  /**
   * The refs of the selected experiments among these rows (those the
   * filter shows): what Compare compares.
   */
  selectedAmong(rows: readonly IExperimentRow[]): string[] {
    return rows.filter(row => this._selected.has(row.ref)).map(row => row.ref);
  }

  /**
   * How the experiments are sorted, in the sidebar and the table alike.
   */
  get sort(): ISort {
    return this._sort;
  }

  /**
   * Sort by a field: a new field sorts in its natural direction (newest,
   * best metric, A to Z first); the same field again flips it.
   */
  sortBy(key: FieldKey): void {
    this._sort =
      this._sort.key === key
        ? { key, descending: !this._sort.descending }
        : { key, descending: defaultDescending(key) };
    this._emit();
  }

  /**
   * Set the sort order as it is.
   */
  setSort(sort: ISort): void {
    this._sort = { ...sort };
    this._emit();
  }

  /**
   * The table's columns after the name.
   */
  get columns(): readonly FieldKey[] {
    return this._settings.value.columns;
  }

  /**
   * Change the columns (shown at once, saved in the settings).
   */
  setColumns(columns: FieldKey[]): Promise<void> {
    return this._settings.set('columns', columns);
  }

  /**
   * Which way each metric is better, by name (setting `metricDirections`).
   */
  get metricDirections(): Readonly<Record<string, 'higher' | 'lower'>> {
    return this._settings.value.metricDirections;
  }

  /**
   * Which value of a step-wise metric the list shows (setting
   * `stepMetricValue`): the last logged, or the run's best.
   */
  get stepValue(): StepValue {
    return this._settings.value.stepMetricValue;
  }

  /**
   * Show step-wise metrics at their last or best value (saved in the
   * settings).
   */
  setStepValue(value: StepValue): Promise<void> {
    return this._settings.set('stepMetricValue', value);
  }

  /**
   * The list's rows as the panel and the table show, sort and filter them:
   * step-wise metrics at their last value, or their best.
   */
  get rows(): readonly IExperimentRow[] {
    const rows = this._list.rows;
    const mode = this.stepValue;
    const directions = this.metricDirections;
    let memo = this._rows;
    if (
      memo?.source !== rows ||
      memo.mode !== mode ||
      memo.directions !== directions
    ) {
      memo = {
        source: rows,
        mode,
        directions,
        rows: withStepValues(rows, mode, key =>
          metricDirection(key, directions)
        )
      };
      this._rows = memo;
    }
    return memo.rows;
  }

  /**
   * Whether any listed experiment logged a metric step by step (the
   * last/best choice only matters then).
   */
  get hasStepMetrics(): boolean {
    return this._list.rows.some(row => row.series !== undefined);
  }

  /** Whether snapshots are mirrored to MLflow tracking (setting). */
  get tracking(): 'local' | 'mlflow' {
    return this._settings.value.tracking;
  }

  /** The git remote Sync uses (setting; empty: the server's choice). */
  get syncRemote(): string {
    return this._settings.value.syncRemote;
  }

  /**
   * What a snapshot captures besides the notebook (settings).
   */
  get capture(): Pick<ExperimentsSettings, 'captureMaxBytes' | 'dataPaths'> {
    const { captureMaxBytes, dataPaths } = this._settings.value;
    return { captureMaxBytes, dataPaths };
  }

  /**
   * Emitted when the notebook, the selection, the scope or the columns
   * change (the list has its own signals).
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Read the list again, of the active notebook or of all.
   */
  refresh(): Promise<void> {
    const path = this._notebook.path;
    this._shownPath = path;
    return this._list.refresh(
      this._allNotebooks || path === null ? undefined : notebookSlug(path)
    );
  }

  /**
   * Star or unstar an experiment; the list and other tabs hear of it.
   */
  async toggleStar(row: IExperimentRow): Promise<void> {
    try {
      await this._stores.current.update(row.ref, { starred: !row.starred });
      this._stores.notifyWritten();
    } catch (reason) {
      console.error('jupyterlab-mlops: star failed', reason);
    }
  }

  /**
   * Whether the model is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Stop following the notebook, the settings and the store.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._notebook.changed.disconnect(this._onNotebookChanged, this);
    this._settings.changed.disconnect(this._emit, this);
    this._stores.changed.disconnect(this._onStoreChanged, this);
    Signal.clearData(this);
  }

  private _onNotebookChanged(): void {
    if (this._notebook.path !== this._shownPath) {
      void this.refresh();
    }
    this._emit();
  }

  private _onStoreChanged(): void {
    void this.refresh();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _list: IExperimentList;
  private _stores: IExperimentStore;
  private _notebook: ExperimentsPanelModel.INotebook;
  private _settings: PluginSettings<typeof SettingsSchemas.experiments>;
  private _allNotebooks = false;
  private _sort: ISort = { key: 'created', descending: true };
  private _selected = new Set<string>();
  // The notebook path last listed; undefined before the first refresh.
  private _shownPath: string | null | undefined = undefined;
  private _rows: {
    source: readonly IExperimentRow[];
    mode: StepValue;
    directions: Readonly<Record<string, 'higher' | 'lower'>>;
    rows: readonly IExperimentRow[];
  } | null = null;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}

namespace Private {
  /**
   * The model of each list (one list, one panel, in a lab).
   */
  export const models = new WeakMap<IExperimentList, ExperimentsPanelModel>();
}

/**
 * A namespace for ExperimentsPanelModel statics.
 */
export namespace ExperimentsPanelModel {
  /**
   * The notebook the panel follows (`ActiveNotebook` in the lab).
   */
  export interface INotebook {
    /** Its path from the Jupyter root, or null when none is open. */
    readonly path: string | null;
    /** Its file name, or null. */
    readonly name: string | null;
    /** Emitted when the notebook or its content changes. */
    readonly changed: ISignal<unknown, void>;
  }

  /**
   * Options of the model.
   */
  export interface IOptions {
    list: IExperimentList;
    stores: IExperimentStore;
    notebook: INotebook;
    /** The experiments plugin's settings (the columns live there). */
    settings: PluginSettings<typeof SettingsSchemas.experiments>;
  }
}
