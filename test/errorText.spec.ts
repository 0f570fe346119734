import { describe, expect, it } from 'vitest';

import { describeError, MlopsError } from '../src/errors';

describe('describeError()', () => {
  const error = new MlopsError('E_NOT_FOUND', 'No experiment refs/exps/a/1.');

  it('should be the error’s own text: message and code', () => {
    expect(describeError(error)).toBe(error.toString());
    expect(describeError(error)).toBe(
      'No experiment refs/exps/a/1. [E_NOT_FOUND]'
    );
    expect(describeError(new Error('boom'))).toBe('Error: boom');
    expect(describeError('plain')).toBe('plain');
  });

  it('should cut a long message and keep the code whole', () => {
    const long = new MlopsError('E_NO_SPACE', 'x'.repeat(300));
    const text = describeError(long, 110);
    expect(text).toBe(`${'x'.repeat(109)}… [E_NO_SPACE]`);
    // Short enough: untouched.
    expect(describeError(error, 110)).toBe(error.toString());
    expect(describeError('y'.repeat(20), 10)).toBe(`${'y'.repeat(9)}…`);
  });
});
