/**
 * The experiment store's interface and token. `src/tokens.ts` lists it
 * with the others; it lives here so the store layer's own classes can
 * implement it without importing from above.
 */

import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import type { IBridgeClient } from '../../bridge/tokens';
import type { ExperimentStore } from './store';

/**
 * The experiment store of the configured store folder, shared by every
 * panel and tab: it follows the `storeDir` setting (a new store when the
 * bridge's client changes) and says when the store may have changed, here
 * or in another tab of the lab.
 */
export interface IExperimentStore {
  /**
   * The store of the configured folder. Read it for each use: it is
   * replaced when the folder changes.
   */
  readonly current: ExperimentStore;

  /**
   * The bridge client the current store goes through.
   */
  readonly client: IBridgeClient;

  /**
   * Emitted when the experiments may have changed: the bridge changed
   * (another store folder, the server answered or not), this tab wrote
   * the store, or another tab of the lab did.
   */
  readonly changed: ISignal<IExperimentStore, IExperimentStore.IChange>;

  /**
   * Say that this tab wrote the store (a snapshot, an edit, a deletion):
   * listeners here and in the lab's other tabs hear of it.
   */
  notifyWritten(): void;
}

/**
 * A namespace for IExperimentStore statics.
 */
export namespace IExperimentStore {
  /**
   * Why the store may have changed.
   */
  export interface IChange {
    /**
     * `bridge`: the bridge's client or status changed; `written`: this tab
     * wrote the store; `remote`: another tab of the lab did.
     */
    reason: 'bridge' | 'written' | 'remote';
  }
}

/**
 * The experiment store token.
 */
export const IExperimentStore = new Token<IExperimentStore>(
  'jupyterlab-mlops:IExperimentStore',
  'The experiment store of the configured store folder, and its changes.'
);
