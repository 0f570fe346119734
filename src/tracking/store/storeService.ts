import { ISignal, Signal } from '@lumino/signaling';

import { BridgeGitFs } from '../../bridge/gitfs/gitfs';
import type { IBridgeClient, IMlopsBridge } from '../../bridge/tokens';
import { ExperimentStore } from './store';
import { IExperimentStore } from './tokens';

/**
 * The BroadcastChannel on which the tabs of a lab tell each other that a
 * store changed (`{type: 'store-changed', store}`).
 */
export const STORE_CHANNEL = 'jupyterlab-mlops:store';

/**
 * The experiment store of the bridge's store folder: a new store when the
 * bridge's client changes (the `storeDir` setting), and the news of
 * changes to it, from this tab and, over a BroadcastChannel, from the
 * lab's other tabs. DOM-free.
 */
export class ExperimentStoreService implements IExperimentStore {
  /**
   * Create the service over the shared bridge.
   */
  constructor(options: ExperimentStoreService.IOptions) {
    this._bridge = options.bridge;
    this._bridge.changed.connect(this._onBridgeChanged, this);
    const name =
      options.channel === undefined ? STORE_CHANNEL : options.channel;
    this._channel =
      name === null || typeof BroadcastChannel === 'undefined'
        ? null
        : new BroadcastChannel(name);
    if (this._channel) {
      this._channel.onmessage = (event: MessageEvent) => {
        const data = event.data as { type?: unknown; store?: unknown } | null;
        if (data?.type === 'store-changed' && data.store === this._key()) {
          this._changed.emit({ reason: 'remote' });
        }
      };
    }
  }

  get current(): ExperimentStore {
    return this._open().store;
  }

  get client(): IBridgeClient {
    return this._open().client;
  }

  get changed(): ISignal<IExperimentStore, IExperimentStore.IChange> {
    return this._changed;
  }

  notifyWritten(): void {
    this._channel?.postMessage({ type: 'store-changed', store: this._key() });
    this._changed.emit({ reason: 'written' });
  }

  /**
   * Whether the service is disposed.
   */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Stop following the bridge and close the channel.
   */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._bridge.changed.disconnect(this._onBridgeChanged, this);
    this._channel?.close();
    Signal.clearData(this);
  }

  private _onBridgeChanged(): void {
    this._changed.emit({ reason: 'bridge' });
  }

  /**
   * The store folder as the other tabs name it.
   */
  private _key(): string {
    return this._bridge.client.store ?? '';
  }

  /**
   * One store per bridge client: the client changes with `storeDir`.
   */
  private _open(): { client: IBridgeClient; store: ExperimentStore } {
    const client = this._bridge.client;
    if (this._current?.client !== client) {
      this._current = {
        client,
        store: new ExperimentStore({ fs: new BridgeGitFs({ client }) })
      };
    }
    return this._current;
  }

  private _bridge: IMlopsBridge;
  private _channel: BroadcastChannel | null;
  private _current: { client: IBridgeClient; store: ExperimentStore } | null =
    null;
  private _isDisposed = false;
  private _changed = new Signal<IExperimentStore, IExperimentStore.IChange>(
    this
  );
}

/**
 * A namespace for ExperimentStoreService statics.
 */
export namespace ExperimentStoreService {
  /**
   * Options of the service.
   */
  export interface IOptions {
    /** The shared bridge: its client names the store folder. */
    bridge: IMlopsBridge;
    /**
     * The BroadcastChannel shared with the lab's other tabs (default
     * `STORE_CHANNEL`), or null for none.
     */
    channel?: string | null;
  }
}
