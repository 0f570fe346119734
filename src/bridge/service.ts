import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { isMlopsError, MlopsError } from '../errors';
import { BridgeClient } from './client';
import { BridgeStatus } from './schemas';
import { IMlopsBridge } from './tokens';

/**
 * The shared bridge: one client for the configured store, its status, and a
 * signal panels listen to.
 */
export class BridgeService implements IMlopsBridge {
  /**
   * Create the service.
   */
  constructor(options: BridgeService.IOptions = {}) {
    this._serverSettings = options.serverSettings;
    this._client = new BridgeClient({
      serverSettings: this._serverSettings,
      store: options.store
    });
  }

  get client(): BridgeClient {
    return this._client;
  }

  get status(): BridgeStatus | null {
    return this._status;
  }

  get error(): MlopsError | null {
    return this._error;
  }

  get changed(): ISignal<IMlopsBridge, void> {
    return this._changed;
  }

  /**
   * Point the client at another store folder and refresh the status.
   */
  async setStore(store: string): Promise<void> {
    if (store === this._client.store) {
      return;
    }
    this._client = new BridgeClient({
      serverSettings: this._serverSettings,
      store
    });
    await this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this._status = await this._client.status();
      this._error = null;
    } catch (reason) {
      this._status = null;
      this._error = isMlopsError(reason)
        ? reason
        : new MlopsError('E_BRIDGE_UNREACHABLE', String(reason));
    }
    this._changed.emit();
  }

  private _serverSettings: ServerConnection.ISettings | undefined;
  private _client: BridgeClient;
  private _status: BridgeStatus | null = null;
  private _error: MlopsError | null = null;
  private _changed = new Signal<IMlopsBridge, void>(this);
}

/**
 * A namespace for BridgeService statics.
 */
export namespace BridgeService {
  /**
   * Options of the service.
   */
  export interface IOptions {
    serverSettings?: ServerConnection.ISettings;
    store?: string;
  }
}
