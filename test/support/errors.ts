import { expect } from 'vitest';

import { MlopsError } from '../../src/errors';

/**
 * The code of the MlopsError a call fails with; fails the test when the
 * call succeeds or throws anything else.
 */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (reason) {
    expect(reason).toBeInstanceOf(MlopsError);
    return (reason as MlopsError).code;
  }
  throw new Error('expected the call to fail');
}
