import { describe, expect, it } from 'vitest';

import { isErrorCode, isMlopsError, MlopsError } from '../src/errors';

describe('MlopsError', () => {
  describe('#constructor()', () => {
    it('should keep its code, message and data', () => {
      const error = new MlopsError('E_NOT_FOUND', 'No such file', {
        path: 'a'
      });
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe('E_NOT_FOUND');
      expect(error.message).toBe('No such file');
      expect(error.data).toEqual({ path: 'a' });
    });
  });

  describe('#toJSON()', () => {
    it('should serialize code, message and data', () => {
      const error = new MlopsError('E_LOCKED', 'Held', { by: 'x' });
      expect(JSON.parse(JSON.stringify(error))).toEqual({
        code: 'E_LOCKED',
        message: 'Held',
        data: { by: 'x' }
      });
    });
  });

  describe('#toString()', () => {
    it('should show the code for searching', () => {
      expect(String(new MlopsError('E_IO', 'Disk full'))).toBe(
        'Disk full [E_IO]'
      );
    });
  });
});

describe('isMlopsError()', () => {
  it('should filter by code', () => {
    const error = new MlopsError('E_EXISTS', 'x');
    expect(isMlopsError(error)).toBe(true);
    expect(isMlopsError(error, 'E_EXISTS', 'E_IO')).toBe(true);
    expect(isMlopsError(error, 'E_IO')).toBe(false);
    expect(isMlopsError(new Error('x'))).toBe(false);
  });
});

describe('isErrorCode()', () => {
  it('should accept known codes only', () => {
    expect(isErrorCode('E_PATH_OUTSIDE_ROOT')).toBe(true);
    expect(isErrorCode('E_MADE_UP')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});
