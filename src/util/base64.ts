/**
 * Base64 helpers that work in browsers and in Node without Buffer.
 */

// String.fromCharCode takes its arguments on the stack: stay well below
// engine limits.
const CHUNK = 0x8000;

/**
 * Encode bytes as base64.
 */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/**
 * Decode base64 into bytes; throws a DOMException on malformed input.
 */
export function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}
