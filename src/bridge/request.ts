import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { z } from 'zod';

import { isErrorCode, MlopsError } from '../errors';
import { decodeBase64 } from '../util/base64';
import { BridgeSchemas } from './schemas';
import type { IBridgeClient } from './tokens';

/**
 * One request of a client to a route of `/mlops/`, its answer validated
 * with `schema`.
 * Fails with the bridge's own code when it sent one, else
 * `E_BRIDGE_UNREACHABLE`, `E_BRIDGE_HTTP` or `E_BRIDGE_BAD_RESPONSE`.
 */
export async function requestBridge<T extends z.ZodTypeAny>(
  client: Pick<IBridgeClient, 'serverSettings'>,
  route: string,
  schema: T,
  init: RequestInit
): Promise<z.infer<T>> {
  const { serverSettings } = client;
  const url = URLExt.join(serverSettings.baseUrl, 'mlops', route);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, serverSettings);
  } catch (reason) {
    throw new MlopsError(
      'E_BRIDGE_UNREACHABLE',
      'The Jupyter server did not answer. Is it still running?',
      { route, reason: String(reason) }
    );
  }
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: handled below as a bad answer.
  }
  if (!response.ok) {
    throw Private.httpError(route, response.status, body);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new MlopsError(
      'E_BRIDGE_BAD_RESPONSE',
      `The server's answer to ${route} has an unexpected shape. Is the jupyterlab_mlops Python package the same version as the lab extension?`,
      { route, issues: parsed.error.issues.slice(0, 5) }
    );
  }
  return parsed.data;
}

/**
 * A POST of a JSON body to a route, naming the client's store folder when
 * it has one (else the server uses its default store).
 */
export function postBridge<T extends z.ZodTypeAny>(
  client: Pick<IBridgeClient, 'serverSettings' | 'store'>,
  route: string,
  schema: T,
  body: Record<string, unknown>
): Promise<z.infer<T>> {
  const payload = client.store ? { store: client.store, ...body } : body;
  return requestBridge(client, route, schema, {
    method: 'POST',
    body: JSON.stringify(payload),
    headers: { 'Content-Type': 'application/json' }
  });
}

/**
 * The bytes of base64 file data the server sent.
 */
export function decodeFileData(data: string): Uint8Array {
  try {
    return decodeBase64(data);
  } catch {
    throw new MlopsError(
      'E_BRIDGE_BAD_RESPONSE',
      'The server sent file data that is not valid base64.'
    );
  }
}

namespace Private {
  /**
   * The error for a non-2xx answer: the bridge's own code when it sent one.
   */
  export function httpError(
    route: string,
    status: number,
    body: unknown
  ): MlopsError {
    const parsed = BridgeSchemas.errorBody.safeParse(body);
    if (parsed.success && isErrorCode(parsed.data.code)) {
      return new MlopsError(parsed.data.code, parsed.data.message, {
        route,
        status
      });
    }
    const hint =
      status === 404
        ? ' The server extension jupyterlab_mlops is not enabled on this server.'
        : status === 403 || status === 401
          ? ' The request was not authenticated.'
          : '';
    return new MlopsError(
      'E_BRIDGE_HTTP',
      `The server answered ${route} with HTTP ${status}.${hint}`,
      { route, status }
    );
  }
}
