import { MlopsError } from '../../errors';
import { ByteCache } from './byteCache';
import * as fsApi from './fsApi';
import { StatResult } from '../schemas';
import type { IBridgeClient } from '../tokens';
import { GitWriteBatch } from './writeBatch';

/**
 * The `fs` object isomorphic-git expects, over the bridge's confined file
 * primitives. Paths are POSIX paths whose `/` is the store folder.
 *
 * Loose and packed git objects are immutable (named by their hash), so they
 * are cached in memory; refs, config and the index are always read through.
 */
export class BridgeGitFs {
  /**
   * Create an adapter.
   */
  constructor(options: BridgeGitFs.IOptions) {
    this._client = options.client;
    this._cache = new ByteCache(options.cacheBytes ?? 32 * 1024 ** 2);
    // Methods are bound once so isomorphic-git may pass them around.
    this.promises = {
      readFile: this._readFile.bind(this),
      writeFile: this._writeFile.bind(this),
      unlink: this._unlink.bind(this),
      readdir: this._readdir.bind(this),
      mkdir: this._mkdir.bind(this),
      rmdir: this._rmdir.bind(this),
      // Under `refs/`, stat does not follow links: isomorphic-git lists refs
      // by walking folders it stats, and a linked folder (`a -> .`) in a
      // shared store would make that walk endless. A link there is then
      // no folder, its name no ref, and it is left out.
      stat: (path: string) => this._stat(path, !Private.inRefs(path)),
      lstat: (path: string) => this._stat(path, false),
      readlink: this._readlink.bind(this),
      symlink: this._symlink.bind(this)
    };
  }

  /**
   * The promise API isomorphic-git binds to.
   */
  readonly promises: fsApi.IPromiseApi;

  /**
   * How many bridge calls each method made (for latency budgets).
   */
  readonly calls: Record<string, number> = {};

  /**
   * Create the store's repository through the server, which writes its
   * config and HEAD from a fixed template (the file routes refuse to).
   * The server's repository is `/experiments.git`; no other can be made.
   */
  async initRepository(gitdir: string): Promise<void> {
    if (fsApi.relative(gitdir) !== 'experiments.git') {
      throw new MlopsError(
        'E_BAD_REQUEST',
        `The server creates the store's repository at /experiments.git only, not ${gitdir}.`
      );
    }
    await this._call('initRepository', gitdir, () => this._client.initStore());
  }

  /**
   * Delete an experiment ref of the server's repository if it still holds
   * `old`: the server runs `git update-ref -d`, which locks the ref and
   * `packed-refs` as every git does (a Sync may be writing them).
   */
  async deleteRef(gitdir: string, ref: string, old: string): Promise<void> {
    if (fsApi.relative(gitdir) !== 'experiments.git') {
      throw new MlopsError(
        'E_BAD_REQUEST',
        `The server deletes refs of /experiments.git only, not of ${gitdir}.`
      );
    }
    this.calls['deleteRef'] = (this.calls['deleteRef'] ?? 0) + 1;
    await this._client.deleteRef(ref, old);
  }

  /**
   * A view of this adapter for one write operation: loose objects are sent
   * together in one request before the ref that points at them (see
   * GitWriteBatch). Each operation takes its own batch, so concurrent
   * operations never share a buffer.
   */
  writeBatch(): GitWriteBatch {
    return new GitWriteBatch({
      client: this._client,
      base: this.promises,
      remember: (rel, data) => this._cache.set(rel, data),
      blobRoute: this._blobRoute,
      commitRoute: this._commitRoute,
      count: method => {
        this.calls[method] = (this.calls[method] ?? 0) + 1;
      }
    });
  }

  /**
   * Bytes of git objects held in the cache.
   */
  get cachedBytes(): number {
    return this._cache.bytes;
  }

  private async _readFile(
    path: string,
    options?: string | { encoding?: string }
  ): Promise<Uint8Array | string> {
    const rel = fsApi.relative(path);
    let data = this._cache.get(rel);
    if (!data) {
      data = (await this._call('readFile', path, () => this._client.read(rel)))
        .data;
      if (Private.isImmutable(rel)) {
        this._cache.set(rel, data);
      }
    }
    const encoding = typeof options === 'string' ? options : options?.encoding;
    return encoding === 'utf8' ? new TextDecoder().decode(data) : data;
  }

  private async _writeFile(
    path: string,
    data: Uint8Array | string,
    options?: string | { encoding?: string; mode?: number }
  ): Promise<void> {
    const bytes =
      typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const rel = fsApi.relative(path);
    // Parent folders are created in the same round trip: a new loose object
    // would otherwise cost a failed write, a mkdir and a second write.
    await this._call('writeFile', path, () =>
      this._client.write(rel, bytes, { parents: true })
    );
    if (Private.isImmutable(rel)) {
      this._cache.set(rel, bytes);
    } else {
      this._cache.delete(rel);
    }
  }

  private async _unlink(path: string): Promise<void> {
    const rel = fsApi.relative(path);
    this._cache.delete(rel);
    await this._call('unlink', path, () => this._client.rm(rel));
  }

  private async _readdir(path: string): Promise<string[]> {
    const listing = await this._call('readdir', path, () =>
      this._client.list(fsApi.relative(path))
    );
    return listing.entries.map(entry => entry.name);
  }

  private async _mkdir(path: string): Promise<void> {
    await this._call('mkdir', path, () =>
      this._client.mkdir(fsApi.relative(path))
    );
  }

  private async _rmdir(
    path: string,
    options?: { recursive?: boolean }
  ): Promise<void> {
    const rel = fsApi.relative(path);
    this._cache.deletePrefix(rel);
    await this._call('rmdir', path, () =>
      this._client.rm(rel, options?.recursive === true)
    );
  }

  private async _stat(path: string, follow: boolean): Promise<fsApi.IStats> {
    const stat = await this._call(follow ? 'stat' : 'lstat', path, () =>
      this._client.stat(fsApi.relative(path), follow)
    );
    return Private.toStats(stat);
  }

  private async _readlink(path: string): Promise<string> {
    return this._call('readlink', path, () =>
      this._client.readlink(fsApi.relative(path))
    );
  }

  private async _symlink(target: string, path: string): Promise<void> {
    // The store is a bare repository: git never needs to create a symlink in
    // it, and a link is the one way a path could point out of the store.
    throw new fsApi.FsError(
      'ENOTSUP',
      `Symlinks are not created in the experiment store (${path} -> ${target}).`
    );
  }

  private async _call<T>(
    method: string,
    path: string,
    run: () => Promise<T>
  ): Promise<T> {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    try {
      return await run();
    } catch (reason) {
      throw fsApi.toFsError(reason, method, path);
    }
  }

  private _client: IBridgeClient;
  private _cache: ByteCache;
  private _blobRoute = { missing: false };
  private _commitRoute = { missing: false };
}

/**
 * A namespace for BridgeGitFs statics.
 */
export namespace BridgeGitFs {
  /**
   * Options of the adapter.
   */
  export interface IOptions {
    /**
     * The bridge client (its `store` is the adapter's `/`).
     */
    client: IBridgeClient;
    /**
     * Bytes of immutable git objects kept in memory (default 32 MiB).
     */
    cacheBytes?: number;
  }

  /**
   * The error the adapter's methods fail with: a node-style `code`
   * (`ENOENT`, …) for isomorphic-git, the bridge's error as `cause`.
   */
  export const FsError = fsApi.FsError;

  /**
   * An error of the adapter (see the value of the same name).
   */
  export type FsError = fsApi.FsError;
}

namespace Private {
  /**
   * Whether a path is inside a repository's `refs/` folder.
   */
  export function inRefs(path: string): boolean {
    return /(?:^|\/)refs\//.test(fsApi.relative(path));
  }

  const IMMUTABLE =
    /(^|\/)objects\/([0-9a-f]{2}\/[0-9a-f]{38}|pack\/pack-[0-9a-f]{40}\.(pack|idx))$/;

  /**
   * Whether a path names a git object, whose content never changes.
   */
  export function isImmutable(rel: string): boolean {
    return IMMUTABLE.test(rel);
  }

  /**
   * A bridge stat as node-like Stats.
   */
  export function toStats(stat: StatResult): fsApi.IStats {
    const { type, mode, size, ino, dev, uid, gid, mtimeMs, ctimeMs } = stat;
    return {
      type,
      mode,
      size,
      ino,
      dev,
      uid,
      gid,
      mtimeMs,
      ctimeMs,
      isFile: () => type === 'file',
      isDirectory: () => type === 'dir',
      isSymbolicLink: () => type === 'symlink'
    };
  }
}
