import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex } from '@noble/hashes/utils';

/**
 * Experiment ids (ULIDs) and notebook slugs: the two names in an
 * experiment's ref, `refs/exps/<slug>/<ulid>`.
 */

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID: 26 Crockford base32 characters, 48 bits of time then 80 random.
 */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Makes ULIDs that sort by creation time, strictly increasing even within
 * one millisecond (the random part is incremented), as the ULID spec asks.
 */
export class UlidFactory {
  /**
   * Create a factory; `now` and `random` are injectable for tests.
   */
  constructor(
    options: {
      now?: () => number;
      random?: (bytes: Uint8Array) => void;
    } = {}
  ) {
    this._now = options.now ?? Date.now;
    this._random =
      options.random ?? (bytes => globalThis.crypto.getRandomValues(bytes));
  }

  /**
   * The next ULID.
   */
  next(): string {
    let time = this._now();
    if (time <= this._lastTime) {
      time = this._lastTime;
      Private.increment(this._lastRandom);
    } else {
      this._random(this._lastRandom);
      this._lastTime = time;
    }
    return Private.encodeTime(time) + Private.encodeRandom(this._lastRandom);
  }

  private _now: () => number;
  private _random: (bytes: Uint8Array) => void;
  private _lastTime = -1;
  private _lastRandom = new Uint8Array(10);
}

/**
 * The time a ULID was made, in ms since the epoch.
 */
export function ulidTime(id: string): number {
  let time = 0;
  for (const char of id.slice(0, 10)) {
    time = time * 32 + CROCKFORD.indexOf(char);
  }
  return time;
}

/**
 * The slug of a notebook path for its refs: readable, a valid git ref
 * component, and unique per path (a short hash tells `a/b.ipynb` from
 * `a-b.ipynb`).
 */
export function notebookSlug(path: string): string {
  const base = path
    .replace(/\.ipynb$/i, '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  const hash = bytesToHex(sha256(new TextEncoder().encode(path))).slice(0, 8);
  return `${base || 'notebook'}-${hash}`;
}

namespace Private {
  export function encodeTime(time: number): string {
    if (!Number.isSafeInteger(time) || time < 0 || time >= 2 ** 48) {
      throw new RangeError(`ULID time out of range: ${time}`);
    }
    let out = '';
    for (let i = 0; i < 10; i++) {
      out = CROCKFORD[time % 32] + out;
      time = Math.floor(time / 32);
    }
    return out;
  }

  export function encodeRandom(bytes: Uint8Array): string {
    // 80 bits = 16 characters of 5 bits, most significant first.
    let out = '';
    let buffer = 0;
    let bits = 0;
    for (const byte of bytes) {
      buffer = (buffer << 8) | byte;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        out += CROCKFORD[(buffer >> bits) & 31];
      }
      buffer &= (1 << bits) - 1;
    }
    return out;
  }

  export function increment(bytes: Uint8Array): void {
    for (let i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] < 255) {
        bytes[i] += 1;
        return;
      }
      bytes[i] = 0;
    }
    throw new RangeError('ULID random part overflowed within one millisecond');
  }
}

/**
 * Sort order of anything with a ULID `id`: newest first (ULIDs sort by
 * time). For `Array.prototype.sort`.
 */
export function newestFirst(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
