import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import { BridgeClient } from './bridge/client';
import { BridgeStatus } from './bridge/schemas';
import { MlopsError } from './errors';

/**
 * The connection to the server extension, shared by every panel.
 */
export interface IMlopsBridge {
  /**
   * The client for the configured store (replaced when `storeDir` changes).
   */
  readonly client: BridgeClient;

  /**
   * The last status the server sent, or null before the first answer.
   */
  readonly status: BridgeStatus | null;

  /**
   * The last failure to reach the bridge, or null when it answered.
   */
  readonly error: MlopsError | null;

  /**
   * Emitted when the client, status or error changed.
   */
  readonly changed: ISignal<IMlopsBridge, void>;

  /**
   * Ask the server for its status again.
   */
  refresh(): Promise<void>;
}

/**
 * The bridge token.
 */
export const IMlopsBridge = new Token<IMlopsBridge>(
  'jupyterlab-mlops:IMlopsBridge',
  'The typed client of the jupyterlab_mlops server extension.'
);
