import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  ERROR_CODES,
  errorAdvice,
  isErrorCode,
  isMlopsError,
  MlopsError,
  toMlopsError
} from '../src/errors';

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

describe('toMlopsError()', () => {
  it('should find the bridge error behind a wrapped fs error', () => {
    const bridge = new MlopsError('E_NO_SPACE', "no space left: 'a/b'", {
      route: 'fs/write'
    });
    const wrapped = new Error('E_NO_SPACE: writeFile /a/b', { cause: bridge });
    const error = toMlopsError(new Error('git.commit', { cause: wrapped }));
    expect(error.code).toBe('E_NO_SPACE');
    expect(error.message).toBe(errorAdvice('E_NO_SPACE'));
    expect(error.data).toEqual({
      route: 'fs/write',
      detail: "no space left: 'a/b'"
    });
    // Twice is the same as once.
    expect(toMlopsError(error)).toBe(error);
  });

  it('should keep errors without advice as they are', () => {
    const error = new MlopsError('E_LOCKED', 'Held');
    expect(toMlopsError(error)).toBe(error);
    expect(toMlopsError(new Error('x', { cause: error }))).toBe(error);
  });

  it('should make anything else E_IO with its text', () => {
    for (const reason of [new Error('boom'), 'boom', null, { cause: 1 }]) {
      const error = toMlopsError(reason);
      expect(error.code).toBe('E_IO');
      expect(error.message).toBe(String(reason));
    }
  });

  it('should not loop on a cyclic cause chain', () => {
    const a: { cause?: unknown } = {};
    a.cause = a;
    expect(toMlopsError(a).code).toBe('E_IO');
  });
});

describe('errorAdvice()', () => {
  it('should fit the notification with the code', () => {
    for (const code of ['E_NO_SPACE', 'E_READ_ONLY'] as const) {
      expect(errorAdvice(code)?.length).toBeLessThanOrEqual(110);
      expect(isErrorCode(code)).toBe(true);
    }
    expect(errorAdvice('E_IO')).toBeUndefined();
  });
});

describe('ERROR_CODES', () => {
  it('should hold every code the Python bridge answers with, once', () => {
    // `STATUS` in jupyterlab_mlops/errors.py: one `"E_…": status,` line each.
    const python = readFileSync(
      join(__dirname, '..', 'jupyterlab_mlops', 'errors.py'),
      'utf8'
    );
    const table = python.slice(
      python.indexOf('STATUS'),
      python.indexOf('}', python.indexOf('STATUS'))
    );
    const bridge = [...table.matchAll(/"(E_[A-Z_]+)":\s*\d{3}/g)].map(
      match => match[1]
    );
    expect(bridge.length).toBeGreaterThan(20);
    for (const code of bridge) {
      expect(isErrorCode(code), code).toBe(true);
    }
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });
});
