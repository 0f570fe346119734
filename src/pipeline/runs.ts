import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import {
  ExportInfo,
  ExportTarget,
  IStartOptions,
  PipelineRoutes,
  RunStatus
} from '../bridge/pipeline';
import type { IBridgeClient } from '../bridge/tokens';
import { isMlopsError, MlopsError } from '../errors';

/**
 * The runs of the followed notebook's pipeline, kept fresh: listed when
 * the notebook changes, polled while one is running (the runner outlives
 * the tab; a reopened lab reattaches by listing). A newer notebook or
 * refresh makes an older answer stale: it is dropped. DOM-free.
 */
export class PipelineRuns implements IDisposable {
  /**
   * Create a model; `client` is read on every request (the bridge replaces
   * its client when the store changes).
   */
  constructor(options: PipelineRuns.IOptions) {
    this._client = options.client;
    this._pollMs = options.pollMs ?? 1000;
  }

  /** Emitted when runs, exports, busy or error changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The notebook whose runs these are (path from the Jupyter root). */
  get notebook(): string | null {
    return this._notebook;
  }

  /** Its runs, newest first. */
  get runs(): readonly RunStatus[] {
    return this._runs;
  }

  /** Where its exports are (null per target without one). */
  get exports(): Partial<Record<ExportTarget, ExportInfo | null>> {
    return this._exports;
  }

  /** What the model is doing for the user, if anything. */
  get busy(): 'exporting' | 'starting' | 'cancelling' | null {
    return this._busy;
  }

  /** The last failure (cleared by the next success). */
  get error(): MlopsError | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Follow another notebook (null: none). */
  setNotebook(path: string | null): void {
    if (path === this._notebook) {
      return;
    }
    this._notebook = path;
    this._runs = [];
    this._exports = {};
    this._error = null;
    this._stopPolling();
    this._changed.emit();
    void this.refresh();
  }

  /** List the runs and exports again. */
  async refresh(): Promise<void> {
    const notebook = this._notebook;
    const generation = ++this._generation;
    if (notebook === null || this._disposed) {
      return;
    }
    try {
      const client = this._client();
      const [runs, exports] = await Promise.all([
        PipelineRoutes.runs(client, notebook),
        PipelineRoutes.exports(client, notebook)
      ]);
      if (generation !== this._generation || this._disposed) {
        return;
      }
      this._runs = runs.runs;
      this._exports = exports.targets;
      this._error = null;
    } catch (reason) {
      if (generation !== this._generation || this._disposed) {
        return;
      }
      this._error = Private.asError(reason);
    }
    this._changed.emit();
    this._pollIfRunning();
  }

  /**
   * Write an export of the notebook, then list again; answers the folder.
   */
  async writeExport(
    target: ExportTarget,
    files: Record<string, string>
  ): Promise<string> {
    const notebook = this._require();
    return this._doing('exporting', async () => {
      const written = await PipelineRoutes.writeExport(
        this._client(),
        notebook,
        target,
        files
      );
      return written.folder;
    });
  }

  /**
   * Write the `local` export and start a run of it; answers the run id.
   */
  async start(
    files: Record<string, string>,
    options: IStartOptions = {}
  ): Promise<string> {
    const notebook = this._require();
    await this.writeExport('local', files);
    return this._doing('starting', async () => {
      const started = await PipelineRoutes.start(
        this._client(),
        notebook,
        options
      );
      return started.run;
    });
  }

  /** Cancel a run. */
  async cancel(run: string): Promise<void> {
    const notebook = this._require();
    await this._doing('cancelling', () =>
      PipelineRoutes.cancel(this._client(), notebook, run)
    );
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._stopPolling();
    Signal.clearData(this);
  }

  private _require(): string {
    if (this._notebook === null) {
      throw new MlopsError('E_BAD_REQUEST', 'No notebook is open.');
    }
    return this._notebook;
  }

  private async _doing<T>(
    what: 'exporting' | 'starting' | 'cancelling',
    work: () => Promise<T>
  ): Promise<T> {
    this._busy = what;
    this._changed.emit();
    try {
      const result = await work();
      this._error = null;
      return result;
    } catch (reason) {
      this._error = Private.asError(reason);
      throw this._error;
    } finally {
      this._busy = null;
      await this.refresh();
    }
  }

  private _pollIfRunning(): void {
    this._stopPolling();
    if (this._runs.some(run => run.state === 'running') && !this._disposed) {
      this._timer = setTimeout(() => {
        this._timer = null;
        void this.refresh();
      }, this._pollMs);
    }
  }

  private _stopPolling(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _client: () => Pick<IBridgeClient, 'serverSettings'>;
  private _pollMs: number;
  private _notebook: string | null = null;
  private _runs: RunStatus[] = [];
  private _exports: Partial<Record<ExportTarget, ExportInfo | null>> = {};
  private _busy: 'exporting' | 'starting' | 'cancelling' | null = null;
  private _error: MlopsError | null = null;
  private _generation = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
  private _changed = new Signal<this, void>(this);
}

/**
 * A namespace for PipelineRuns statics.
 */
export namespace PipelineRuns {
  export interface IOptions {
    client: () => Pick<IBridgeClient, 'serverSettings'>;
    /** How often a running run is polled (default 1 s). */
    pollMs?: number;
  }
}

namespace Private {
  export function asError(reason: unknown): MlopsError {
    return isMlopsError(reason)
      ? reason
      : new MlopsError('E_INTERNAL', String(reason));
  }
}
