import { ISignal, Signal } from '@lumino/signaling';

import { MlopsError, toMlopsError } from '../../errors';
import { INotebookCell, readCells } from '../../notebook/cells';
import type { Manifest } from '../store/manifest';
import type { ExperimentStore } from '../store/store';
import {
  compareExperiments,
  comparisonCsv,
  ICompareRow,
  IMetricSeries,
  metricSeries
} from './compare';
import { compareMetrics, IMetricComparison, MetricDirection } from './baseline';
import { diffData, IDataRow } from './dataDiff';
import { diffEnvironments, IEnvironmentDiff } from './envDiff';
import { diffNotebooks, ICellDiff } from './notebookDiff';
import { ILearningCurve, learningCurves } from './learningCurves';

/**
 * A comparison of experiments (given oldest first): their manifests and
 * notebooks read from the store, and what differs between them (parameters
 * and metrics, metric series, data, environment, and the code of two of
 * the notebooks). DOM-free.
 */
export class CompareModel {
  /**
   * Create the model; call `load()` to read the experiments.
   */
  constructor(options: CompareModel.IOptions) {
    this._refs = [...options.refs];
    this._store = options.store;
    this._directions = options.directions ?? {};
    this._baseline = Math.max(0, Math.trunc(options.baseline ?? 0));
  }

  /**
   * The refs compared, oldest first.
   */
  get refs(): readonly string[] {
    return this._refs;
  }

  /**
   * The compared refs deleted since the comparison was opened (it still
   * shows them as they were read).
   */
  get removed(): readonly string[] {
    return this._refs.filter(ref => this._removed.has(ref));
  }

  /**
   * Note that `ref`, one of the compared, was deleted.
   */
  markRemoved(ref: string): void {
    if (this._refs.includes(ref) && !this._removed.has(ref)) {
      this._removed.add(ref);
      this._changed.emit();
    }
  }

  /**
   * `loading` until the experiments are read, then `ready`, or `failed`
   * (see `error`).
   */
  get status(): CompareModel.Status {
    return this._status;
  }

  /**
   * Why the experiments could not be read, or null.
   */
  get error(): MlopsError | null {
    return this._error;
  }

  /**
   * The manifests, in the order of `refs` (empty until read).
   */
  get manifests(): readonly Manifest[] {
    return this._manifests;
  }

  /**
   * The experiments' names, in the order of `refs`.
   */
  get names(): readonly string[] {
    return this._manifests.map(manifest => manifest.user.name);
  }

  /**
   * Whether only what differs is shown.
   */
  get onlyDifferences(): boolean {
    return this._onlyDifferences;
  }

  set onlyDifferences(value: boolean) {
    if (value !== this._onlyDifferences) {
      this._onlyDifferences = value;
      this._diffs = null;
      this._changed.emit();
    }
  }

  /**
   * The two experiments whose code is compared (indices into `refs`).
   */
  get pair(): readonly [number, number] {
    return this._pair;
  }

  /**
   * Compare the code of two other experiments.
   */
  setPair(from: number, to: number): void {
    const last = this._manifests.length - 1;
    const clamp = (i: number) => Math.max(0, Math.min(last, Math.trunc(i)));
    const next: [number, number] = [clamp(from), clamp(to)];
    if (next[0] !== this._pair[0] || next[1] !== this._pair[1]) {
      this._pair = next;
      this._code = undefined;
      this._changed.emit();
    }
  }

  /**
   * The column the metrics are compared against (the oldest by default;
   * "compare with previous/best" makes it the previous or best run).
   */
  get baseline(): number {
    return Math.min(this._baseline, Math.max(0, this._manifests.length - 1));
  }

  set baseline(column: number) {
    const next = Math.max(0, Math.trunc(column));
    if (next !== this._baseline) {
      this._baseline = next;
      this._changed.emit();
    }
  }

  /**
   * Each metric against the baseline: deltas (absolute and relative, good
   * or bad by the metric's direction) and the best columns.
   */
  get metrics(): IMetricComparison[] {
    return compareMetrics(this.metricSeries, this.baseline, this._directions);
  }

  /**
   * One row per parameter, metric and package, a value per experiment.
   */
  get rows(): ICompareRow[] {
    return this._computed().rows;
  }

  /**
   * The metrics as series over the experiments, for the plots.
   */
  get metricSeries(): IMetricSeries[] {
    return this._computed().series;
  }

  /**
   * Each step-wise metric's curves, one per experiment (for uPlot).
   */
  get learningCurves(): readonly ILearningCurve[] {
    return learningCurves(this._manifests);
  }

  /**
   * What changed in the data, path by path.
   */
  get data(): IDataRow[] {
    return this._computed().data;
  }

  /**
   * What changed in the environment.
   */
  get environment(): IEnvironmentDiff {
    return this._computed().environment;
  }

  /**
   * The code diff of the pair's notebooks, or null when either notebook is
   * missing or unreadable.
   */
  get notebookDiff(): ICellDiff[] | null {
    if (this._code === undefined) {
      const before = this._cells[this._pair[0]];
      const after = this._cells[this._pair[1]];
      this._code = before && after ? diffNotebooks(before, after) : null;
    }
    return this._code;
  }

  /**
   * The comparison as CSV (every row, whatever is shown).
   */
  csv(): string {
    return comparisonCsv(this.names, this.rows);
  }

  /**
   * Emitted when the experiments are read (or fail to be), and when what
   * is shown changes.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Read (or read again) the manifests and notebooks of the experiments.
   */
  async load(): Promise<void> {
    try {
      const store = this._store();
      const read = await Promise.all(
        this._refs.map(async ref => {
          const { oid, manifest } = await store.read(ref);
          let cells: INotebookCell[] | null = null;
          try {
            const bytes = await store.readFile(oid, 'notebook.ipynb');
            cells = readCells(JSON.parse(new TextDecoder().decode(bytes)));
          } catch {
            // A missing or unreadable notebook leaves the code diff out;
            // the rest of the comparison still stands.
          }
          return { manifest, cells };
        })
      );
      this._manifests = read.map(r => r.manifest);
      this._cells = read.map(r => r.cells);
      this._pair = [0, Math.min(1, read.length - 1)];
      this._status = 'ready';
      this._error = null;
    } catch (reason) {
      this._status = 'failed';
      this._error = toMlopsError(reason);
    }
    this._diffs = null;
    this._code = undefined;
    this._changed.emit();
  }

  private _computed(): Private.IDiffs {
    if (this._diffs === null) {
      const options = { onlyDifferences: this._onlyDifferences };
      const manifests = this._manifests;
      this._diffs = {
        rows: compareExperiments(manifests, options),
        series: metricSeries(manifests, options),
        data: diffData(manifests, options),
        environment: diffEnvironments(manifests, options)
      };
    }
    return this._diffs;
  }

  private _refs: string[];
  private _removed = new Set<string>();
  private _store: () => CompareModel.IStore;
  private _status: CompareModel.Status = 'loading';
  private _error: MlopsError | null = null;
  private _manifests: Manifest[] = [];
  private _cells: (INotebookCell[] | null)[] = [];
  private _pair: [number, number] = [0, 1];
  private _baseline: number;
  private _directions: Readonly<Record<string, MetricDirection>>;
  private _onlyDifferences = false;
  private _diffs: Private.IDiffs | null = null;
  private _code: ICellDiff[] | null | undefined = undefined;
  private _changed = new Signal<this, void>(this);
}

/**
 * A namespace for CompareModel statics.
 */
export namespace CompareModel {
  /**
   * What the model reads experiments with.
   */
  export type IStore = Pick<ExperimentStore, 'read' | 'readFile'>;

  /**
   * Whether the experiments are read.
   */
  export type Status = 'loading' | 'ready' | 'failed';

  /**
   * Options of the model.
   */
  export interface IOptions {
    /** Experiment refs, oldest first. */
    refs: readonly string[];
    /** The store to read them from (it changes with `storeDir`). */
    store: () => IStore;
    /** The baseline column (default 0, the oldest). */
    baseline?: number;
    /** Which way metrics are better, by name (setting `metricDirections`). */
    directions?: Readonly<Record<string, MetricDirection>>;
  }
}

namespace Private {
  /**
   * The comparisons that depend on the manifests and `onlyDifferences`.
   */
  export interface IDiffs {
    rows: ICompareRow[];
    series: IMetricSeries[];
    data: IDataRow[];
    environment: IEnvironmentDiff;
  }
}
