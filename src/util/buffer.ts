import { Buffer } from 'buffer';

/**
 * isomorphic-git calls Node's global `Buffer`, which browsers lack: provide
 * the `buffer` package's implementation once, before any git call.
 */
export function ensureBufferGlobal(): void {
  const scope = globalThis as typeof globalThis & { Buffer?: typeof Buffer };
  if (scope.Buffer === undefined) {
    scope.Buffer = Buffer;
  }
}
