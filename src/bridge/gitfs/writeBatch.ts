import { isMissingRoute, isMlopsError, MlopsError } from '../../errors';
import { IPromiseApi, IStats, relative, toFsError } from './fsApi';
import { whenNotBusy } from '../busy';
import type { IBridgeClient } from '../tokens';

/**
 * A view of the bridge `fs` adapter for one write operation (an experiment
 * commit): isomorphic-git's loose object writes are kept in memory and sent
 * in one `fs/write-many` request just before the first write that is not an
 * object (the ref), so a commit costs a few round trips instead of ~30.
 *
 * Crash safety is the same as with one write per object: the ref is only
 * written after `write-many` answered, i.e. after every object it points
 * at is on disk (fsynced). A batch that fails or is dropped before its ref
 * leaves nothing, or only unreferenced objects.
 *
 * Inside a batch, `stat` of a loose object that is not in the batch says
 * "missing" without asking the server: isomorphic-git then writes it, and
 * the server leaves an object already on disk alone. That is what saves
 * the round trip per object; it is also why a batch is for writing only
 * (reads that ask whether an object exists belong on the adapter itself).
 * Other `stat` answers (the git dir) are remembered for the batch's life.
 */
export class GitWriteBatch {
  /**
   * Create a batch over an adapter's promise API (created by
   * `BridgeGitFs.writeBatch()`).
   */
  constructor(options: GitWriteBatch.IOptions) {
    this._options = options;
    const base = options.base;
    const flushing =
      <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        await this.flush();
        this._stats.clear();
        return run(...args);
      };
    this.promises = {
      readFile: this._readFile.bind(this),
      writeFile: this._writeFile.bind(this),
      unlink: flushing(base.unlink),
      readdir: flushing(base.readdir),
      mkdir: flushing(base.mkdir),
      rmdir: flushing(base.rmdir),
      stat: (path: string) => this._stat(path, base.stat),
      lstat: (path: string) => this._stat(path, base.lstat),
      readlink: base.readlink,
      symlink: base.symlink
    };
  }

  /**
   * The promise API isomorphic-git binds to.
   */
  readonly promises: IPromiseApi;

  /**
   * Objects waiting to be written.
   */
  get pending(): number {
    return this._buffer.size;
  }

  /**
   * Write the buffered objects (one `write-many` request per chunk). Called
   * before any write that is not an object; call it at the end of an
   * operation that wrote objects but no ref.
   */
  async flush(): Promise<void> {
    while (this._buffer.size > 0) {
      const chunk: { path: string; data: Uint8Array }[] = [];
      let bytes = 0;
      for (const [path, data] of this._buffer) {
        if (
          chunk.length > 0 &&
          (chunk.length >= Private.MAX_FILES ||
            bytes + data.length > Private.MAX_BYTES)
        ) {
          break;
        }
        chunk.push({ path, data });
        bytes += data.length;
      }
      await this._write(chunk);
      for (const { path, data } of chunk) {
        this._buffer.delete(path);
        this._options.remember(path, data);
      }
    }
  }

  /**
   * Write the buffered objects and set `ref` to `oid` in one `fs/commit`
   * request, if the ref still holds `old` (null: it must not exist yet).
   * False when the server cannot take them in one request (an older
   * server, objects past its budget, more than one request's worth): the
   * caller then flushes and writes the ref itself. The server's refusals
   * (`E_NOT_FOUND`: no repository yet; `E_REF_CHANGED`; `E_LOCKED`) are
   * thrown as they are, the objects still buffered.
   */
  async commitRef(
    ref: string,
    oid: string,
    old: string | null,
    options: { mirror?: boolean } = {}
  ): Promise<boolean> {
    const { client, count, commitRoute } = this._options;
    const files = [...this._buffer].map(([path, data]) => ({ path, data }));
    const bytes = files.reduce((sum, file) => sum + file.data.length, 0);
    if (
      commitRoute.missing ||
      this._singleWrites ||
      files.length > Private.MAX_FILES ||
      bytes > Private.MAX_BYTES ||
      !this._buffer.has(Private.objectPath(oid))
    ) {
      return false;
    }
    try {
      await Private.whileBusy(() => {
        count('commit');
        return client.commit(files, { name: ref, oid, old }, options);
      });
    } catch (reason) {
      if (isMlopsError(reason, 'E_BODY_TOO_LARGE')) {
        return false;
      }
      if (isMissingRoute(reason)) {
        commitRoute.missing = true;
        return false;
      }
      if (isMlopsError(reason, 'E_NOT_FOUND', 'E_REF_CHANGED', 'E_LOCKED')) {
        throw reason;
      }
      // As a write would fail (E_NO_SPACE…); the message names the path.
      throw toFsError(reason, 'commit', `/${Private.GIT_DIR}`);
    }
    for (const { path, data } of files) {
      this._buffer.delete(path);
      this._options.remember(path, data);
    }
    return true;
  }

  /**
   * Write a large file's blob at once, its bytes sent as they are (the
   * server hashes and stores it; see `fs/write-blob`): the page neither
   * hashes, deflates nor base64-encodes it. Answers its oid, or null when
   * the server cannot take it (an older server, a blob over its limit):
   * the caller then writes it through isomorphic-git.
   */
  async writeBlob(data: Uint8Array): Promise<string | null> {
    const { client, count } = this._options;
    const route = this._options.blobRoute;
    if (route.missing) {
      return null;
    }
    try {
      const written = await Private.whileBusy(() => {
        count('writeBlob');
        return client.writeBlob(data);
      });
      return written.oid;
    } catch (reason) {
      if (isMlopsError(reason, 'E_BODY_TOO_LARGE')) {
        return null;
      }
      if (!isMissingRoute(reason)) {
        throw toFsError(reason, 'writeBlob', '/');
      }
      route.missing = true;
      return null;
    }
  }

  private async _write(
    chunk: { path: string; data: Uint8Array }[]
  ): Promise<void> {
    const { client, count } = this._options;
    if (!this._singleWrites) {
      try {
        await Private.whileBusy(() => {
          count('writeMany');
          return client.writeMany(chunk);
        });
        return;
      } catch (reason) {
        if (isMlopsError(reason, 'E_BODY_TOO_LARGE') && chunk.length > 1) {
          // The objects inflate past the server's budget per request.
          const half = Math.ceil(chunk.length / 2);
          await this._write(chunk.slice(0, half));
          await this._write(chunk.slice(half));
          return;
        }
        // One object bigger than the whole budget: a write of its own.
        if (!isMlopsError(reason, 'E_BODY_TOO_LARGE')) {
          // A server without the route (older jupyterlab_mlops): one write each.
          if (!isMissingRoute(reason)) {
            throw toFsError(reason, 'writeMany', `/${chunk[0]?.path ?? ''}`);
          }
          this._singleWrites = true;
        }
      }
    }
    for (const { path, data } of chunk) {
      await this._options.base.writeFile(`/${path}`, data);
    }
  }

  private async _readFile(
    path: string,
    options?: string | { encoding?: string }
  ): Promise<Uint8Array | string> {
    const data = this._buffer.get(relative(path));
    if (data === undefined) {
      return this._options.base.readFile(path, options);
    }
    const encoding = typeof options === 'string' ? options : options?.encoding;
    return encoding === 'utf8' ? new TextDecoder().decode(data) : data;
  }

  private async _writeFile(
    path: string,
    data: Uint8Array | string,
    options?: string | { encoding?: string; mode?: number }
  ): Promise<void> {
    const rel = relative(path);
    if (Private.LOOSE_OBJECT.test(rel) && typeof data !== 'string') {
      this._buffer.set(rel, data);
      return;
    }
    await this.flush();
    this._stats.delete(rel);
    await this._options.base.writeFile(path, data, options);
  }

  private async _stat(
    path: string,
    ask: (path: string) => Promise<IStats>
  ): Promise<IStats> {
    const rel = relative(path);
    const buffered = this._buffer.get(rel);
    if (buffered !== undefined) {
      return Private.fileStats(buffered.length);
    }
    if (rel === Private.GIT_DIR) {
      // isomorphic-git asks whether the git dir is a folder or a `.git`
      // file naming another (worktrees). The server's is a folder it made,
      // or missing, and writes into a missing one are refused (the caller
      // then makes it): a round trip saved per snapshot.
      return Private.folderStats();
    }
    if (Private.LOOSE_OBJECT.test(rel)) {
      throw toFsError(
        new MlopsError('E_NOT_FOUND', 'assumed missing in a write batch'),
        'stat',
        path
      );
    }
    let known = this._stats.get(rel);
    if (known === undefined) {
      known = ask(path);
      this._stats.set(rel, known);
    }
    return known;
  }

  private _options: GitWriteBatch.IOptions;
  private _buffer = new Map<string, Uint8Array>();
  private _stats = new Map<string, Promise<IStats>>();
  private _singleWrites = false;
}

/**
 * A namespace for GitWriteBatch statics.
 */
export namespace GitWriteBatch {
  /**
   * What a batch needs from its adapter.
   */
  export interface IOptions {
    /** The bridge client, for `write-many` and `write-blob`. */
    client: Pick<IBridgeClient, 'writeMany' | 'writeBlob' | 'commit'>;
    /** The adapter's own promise API (reads, and writes that are not objects). */
    base: IPromiseApi;
    /** Keep a written object in the adapter's cache. */
    remember: (rel: string, data: Uint8Array) => void;
    /** Count a bridge call. */
    count: (method: string) => void;
    /**
     * Whether the server lacks `write-blob` (an older one), shared by the
     * adapter's batches: found out once, not once per snapshot.
     */
    blobRoute: { missing: boolean };
    /** Whether the server lacks `commit` (an older one), found out once. */
    commitRoute: { missing: boolean };
  }
}

namespace Private {
  /** Most objects, and raw bytes, per `write-many` request (base64 adds a third). */
  export const MAX_FILES = 256;
  export const MAX_BYTES = 16 * 1024 ** 2;
  /** Tries after `E_BUSY`, waiting 1 s, 2 s, … in between. */
  export const BUSY_RETRIES = 5;

  /** `send()`, sent again while the server answers `E_BUSY` (see whenNotBusy). */
  export function whileBusy<T>(send: () => Promise<T>): Promise<T> {
    return whenNotBusy(send, BUSY_RETRIES + 1);
  }

  export const LOOSE_OBJECT = /(^|\/)objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/;

  /** The store's repository, the only one the server makes (store/init). */
  export const GIT_DIR = 'experiments.git';

  /** Where the store's repository keeps loose object `oid` (a buffer key). */
  export function objectPath(oid: string): string {
    return `${GIT_DIR}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`;
  }

  /**
   * The stats of a buffered object (isomorphic-git only asks whether it
   * exists).
   */
  export function fileStats(size: number): IStats {
    return {
      type: 'file',
      mode: 0o100444,
      size,
      ...UNKNOWN,
      isFile: () => true,
      isDirectory: () => false,
      isSymbolicLink: () => false
    };
  }

  /** The stats of the repository folder, answered without asking. */
  export function folderStats(): IStats {
    return {
      type: 'dir',
      mode: 0o40755,
      size: 0,
      ...UNKNOWN,
      isFile: () => false,
      isDirectory: () => true,
      isSymbolicLink: () => false
    };
  }

  const UNKNOWN = {
    ino: 0,
    dev: 0,
    uid: 0,
    gid: 0,
    mtimeMs: 0,
    ctimeMs: 0
  };
}
