import { isMlopsError } from '../errors';

/**
 * Call a heavy bridge route, asking again after a pause (longer each time)
 * while the server answers `E_BUSY` (its heavy threads all taken;
 * Retry-After: 1 s), a few times; any other failure is thrown at once.
 */
export async function whenNotBusy<T>(
  call: () => Promise<T>,
  tries = 5,
  delayMs = 1000
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (reason) {
      if (!isMlopsError(reason, 'E_BUSY') || attempt >= tries) {
        throw reason;
      }
      await new Promise(resolve => setTimeout(resolve, delayMs * attempt));
    }
  }
}
