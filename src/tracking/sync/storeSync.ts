import { TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import type { StoreSync } from '../../bridge/schemas';
import { MlopsError, toMlopsError } from '../../errors';

/**
 * Where a Sync of the experiment store stands.
 */
export type SyncState =
  | { kind: 'idle' }
  | { kind: 'syncing' }
  | { kind: 'done'; result: StoreSync }
  | { kind: 'failed'; error: MlopsError };

/**
 * Sync of the experiment store with its git remote, one at a time: a click
 * while one runs joins it. The server does the work (`POST
 * /mlops/store/sync`); this keeps its state for the panel and the palette.
 */
export class StoreSyncModel {
  constructor(options: StoreSyncModel.IOptions) {
    this._options = options;
  }

  /** Emitted when the state changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): SyncState {
    return this._state;
  }

  /**
   * Sync now (or join the sync that runs); the result, or null when it
   * failed (the state holds the error).
   */
  sync(): Promise<StoreSync | null> {
    if (!this._running) {
      this._running = this._run().finally(() => (this._running = null));
    }
    return this._running;
  }

  /** Forget the last result or error (the notice's close button). */
  dismiss(): void {
    if (this._state.kind !== 'syncing') {
      this._set({ kind: 'idle' });
    }
  }

  private async _run(): Promise<StoreSync | null> {
    this._set({ kind: 'syncing' });
    try {
      const result = await this._options.run(this._options.remote());
      this._set({ kind: 'done', result });
      this._options.onSynced(result);
      return result;
    } catch (reason) {
      this._set({ kind: 'failed', error: toMlopsError(reason) });
      return null;
    }
  }

  private _set(state: SyncState): void {
    this._state = state;
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _options: StoreSyncModel.IOptions;
  private _running: Promise<StoreSync | null> | null = null;
  private _state: SyncState = { kind: 'idle' };
}

/**
 * A namespace for StoreSyncModel statics.
 */
export namespace StoreSyncModel {
  export interface IOptions {
    /** Ask the server to sync with `remote` (empty: the server's choice). */
    run: (remote: string) => Promise<StoreSync>;
    /** The remote setting, read at each sync. */
    remote: () => string;
    /** After a sync that succeeded (read the store again). */
    onSynced: (result: StoreSync) => void;
  }
}

/**
 * "Pushed 3, fetched 12", then what needs the user's eye.
 */
export function syncSummary(
  result: StoreSync,
  trans: TranslationBundle
): { summary: string; details: string[] } {
  const summary =
    result.pushed === 0 && result.fetched === 0
      ? trans.__('Up to date: nothing to push or fetch')
      : trans.__('Pushed %1, fetched %2', result.pushed, result.fetched);
  const details: string[] = [];
  if (result.conflicts.length > 0) {
    details.push(
      trans._n(
        '%1 experiment was edited here and on the remote: yours is kept, the remote keeps its own',
        '%1 experiments were edited here and on the remote: yours are kept, the remote keeps its own',
        result.conflicts.length
      )
    );
  }
  const refused = result.rejected.filter(
    item => !result.conflicts.includes(item.ref)
  );
  if (refused.length > 0) {
    details.push(
      trans._n(
        '%1 experiment was refused by the remote (%2)',
        '%1 experiments were refused by the remote (%2)',
        refused.length,
        refused[0].reason
      )
    );
  }
  if (result.keptDeleted > 0) {
    details.push(
      trans._n(
        '%1 experiment deleted or moved here stays deleted (the remote still has it)',
        '%1 experiments deleted or moved here stay deleted (the remote still has them)',
        result.keptDeleted
      )
    );
  }
  if (result.changedMeanwhile > 0) {
    details.push(
      trans._n(
        '%1 experiment changed here during the sync: Sync again to fetch it',
        '%1 experiments changed here during the sync: Sync again to fetch them',
        result.changedMeanwhile
      )
    );
  }
  return { summary, details };
}
