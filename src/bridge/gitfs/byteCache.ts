/**
 * An insertion-ordered cache bounded by total bytes (oldest out first), for
 * the immutable git objects the bridge adapter has read or written.
 */
export class ByteCache {
  /**
   * Create a cache holding at most `limit` bytes.
   */
  constructor(readonly limit: number) {}

  /**
   * Bytes held.
   */
  get bytes(): number {
    return this._bytes;
  }

  /**
   * The value of a key, which becomes the newest.
   */
  get(key: string): Uint8Array | undefined {
    const value = this._map.get(key);
    if (value) {
      // Refresh recency.
      this._map.delete(key);
      this._map.set(key, value);
    }
    return value;
  }

  /**
   * Keep a value (not one bigger than the whole cache), dropping the oldest
   * past the limit.
   */
  set(key: string, value: Uint8Array): void {
    this.delete(key);
    if (value.length > this.limit) {
      return;
    }
    this._map.set(key, value);
    this._bytes += value.length;
    for (const [oldest, data] of this._map) {
      if (this._bytes <= this.limit) {
        break;
      }
      this._map.delete(oldest);
      this._bytes -= data.length;
    }
  }

  /**
   * Forget a key.
   */
  delete(key: string): void {
    const value = this._map.get(key);
    if (value) {
      this._map.delete(key);
      this._bytes -= value.length;
    }
  }

  /**
   * Forget a path and everything below it (`` is everything).
   */
  deletePrefix(prefix: string): void {
    for (const key of [...this._map.keys()]) {
      if (prefix === '' || key === prefix || key.startsWith(`${prefix}/`)) {
        this.delete(key);
      }
    }
  }

  private _map = new Map<string, Uint8Array>();
  private _bytes = 0;
}
