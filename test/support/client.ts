import { ServerConnection } from '@jupyterlab/services';
import { inject } from 'vitest';

import { BridgeClient } from '../../src/bridge/client';
import type { IRunningServer } from './server';

/**
 * Server settings for the run's real jupyter_server.
 */
export function serverSettings(token?: string): ServerConnection.ISettings {
  const server = inject('jupyterServer');
  return ServerConnection.makeSettings({
    baseUrl: server.baseUrl,
    token: token ?? server.token,
    appendToken: false
  });
}

let counter = 0;

/**
 * A client on a store folder of its own, so specs never share state.
 */
export function isolatedClient(prefix: string): BridgeClient {
  counter += 1;
  return new BridgeClient({
    serverSettings: serverSettings(),
    store: `.mlops-${prefix}-${process.pid}-${counter}`
  });
}

/**
 * A client of a server of the spec's own, on a store folder of its own.
 */
export function clientOf(server: IRunningServer, store: string): BridgeClient {
  return new BridgeClient({
    serverSettings: ServerConnection.makeSettings({
      baseUrl: server.baseUrl,
      token: server.token,
      appendToken: false
    }),
    store
  });
}
