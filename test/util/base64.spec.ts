import { describe, expect, it } from 'vitest';

import { decodeBase64, encodeBase64 } from '../../src/util/base64';

describe('base64', () => {
  describe('#encodeBase64()', () => {
    it('should match Node for every byte value and beyond one chunk', () => {
      const data = new Uint8Array(100_003).map((_, i) => (i * 7) % 256);
      expect(encodeBase64(data)).toBe(Buffer.from(data).toString('base64'));
    });

    it('should encode the empty array as the empty string', () => {
      expect(encodeBase64(new Uint8Array())).toBe('');
    });
  });

  describe('#decodeBase64()', () => {
    it('should invert encodeBase64', () => {
      const data = new Uint8Array(70_000).map((_, i) => (i * 13) % 256);
      expect(decodeBase64(encodeBase64(data))).toEqual(data);
    });

    it('should throw on malformed input', () => {
      expect(() => decodeBase64('not base64!')).toThrow();
    });
  });
});
