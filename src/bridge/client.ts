import { ServerConnection } from '@jupyterlab/services';

import { MlopsError } from '../errors';
import { encodeBase64 } from '../util/base64';
import { decodeFileData, postBridge, requestBridge } from './request';
import {
  BridgeSchemas,
  BridgeStatus,
  HashJob,
  ProjectGit,
  IFileContent,
  Listing,
  LockHandle,
  ReadManyResult,
  StatResult,
  StoreInit,
  StoreSync,
  StoreManifest,
  StoreRefs,
  WriteBlobResult,
  WriteManyResult,
  CommitResult
} from './schemas';
import { IBridgeClient } from './tokens';

/**
 * A typed client of the server extension: one method per route.
 *
 * Every answer is validated with zod; every failure is an `MlopsError` with
 * the bridge's code (`E_NOT_FOUND`, `E_PATH_OUTSIDE_ROOT`, …) or a client
 * code (`E_BRIDGE_UNREACHABLE`, `E_BRIDGE_BAD_RESPONSE`).
 *
 * Its state is public and read-only (no private members), so the class is
 * no more than its interface: code that still names the class accepts any
 * `IBridgeClient`.
 *
 * The file is about 300 lines because it is the route table seen from the
 * browser, one short method per route (their requests are built in
 * `request.ts`); it grows by one method per new route.
 */
export class BridgeClient implements IBridgeClient {
  /**
   * Create a client.
   */
  constructor(options: BridgeClient.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
    this.store = options.store;
  }

  /**
   * The server settings used for every request.
   */
  readonly serverSettings: ServerConnection.ISettings;

  /**
   * The store folder sent with every request (the server default if unset).
   */
  readonly store: string | undefined;

  /**
   * Version, store folder and capabilities of the bridge.
   */
  async status(): Promise<BridgeStatus> {
    const query = this.store
      ? `?${new URLSearchParams({ store: this.store }).toString()}`
      : '';
    return requestBridge(this, `status${query}`, BridgeSchemas.status, {
      method: 'GET'
    });
  }

  /**
   * Read one file of the store.
   */
  async read(path: string): Promise<IFileContent> {
    const answer = await postBridge(this, 'fs/read', BridgeSchemas.fileData, {
      path
    });
    return { ...answer, data: decodeFileData(answer.data) };
  }

  /**
   * Read many files in one round trip: one result per path, in order; a
   * missing file is an entry with an error, not a failure of the whole call.
   *
   * The server refuses a path listed twice, so each is asked once and its
   * answer given to every place it appears. One answer carries at most the
   * server's byte limit: the files past it are answered
   * `E_ANSWER_TOO_LARGE`, to ask for again (`BulkSource` pages this way).
   */
  async readMany(paths: readonly string[]): Promise<ReadManyResult[]> {
    const unique = [...new Set(paths)];
    const answer = await postBridge(
      this,
      'fs/read-many',
      BridgeSchemas.readMany,
      {
        paths: unique
      }
    );
    const byPath = new Map<string, ReadManyResult>();
    for (const entry of answer.files) {
      byPath.set(
        entry.path,
        'error' in entry
          ? entry
          : { ...entry, data: decodeFileData(entry.data) }
      );
    }
    return paths.map(path => {
      const result = byPath.get(path);
      if (result === undefined) {
        throw new MlopsError(
          'E_BRIDGE_BAD_RESPONSE',
          'The server did not answer every path of fs/read-many.',
          { route: 'fs/read-many', path }
        );
      }
      return result;
    });
  }

  /**
   * Write a file atomically (temp file, fsync, rename).
   */
  async write(
    path: string,
    data: Uint8Array,
    options: { exclusive?: boolean; parents?: boolean } = {}
  ): Promise<{ path: string; size: number }> {
    return postBridge(this, 'fs/write', BridgeSchemas.written, {
      path,
      data: encodeBase64(data),
      ...options
    });
  }

  /**
   * Write several loose git objects (`…/objects/xx/<38 hex>`, deflated) in
   * one round trip. The server checks each against its name and leaves
   * those already on disk alone (`written: false`); a bad entry fails the
   * whole request with nothing written.
   */
  async writeMany(
    files: readonly { path: string; data: Uint8Array }[]
  ): Promise<WriteManyResult[]> {
    const answer = await postBridge(
      this,
      'fs/write-many',
      BridgeSchemas.writeMany,
      {
        files: files.map(file => ({
          path: file.path,
          data: encodeBase64(file.data)
        }))
      }
    );
    return answer.files;
  }

  /**
   * Write an experiment commit's loose objects, then set its ref to `oid`
   * if the ref still holds `old` (null: it must not exist yet), in one
   * round trip (`fs/commit`). `E_NOT_FOUND` when the store's repository
   * does not exist yet, `E_REF_CHANGED` when the ref moved meanwhile,
   * `E_LOCKED` while another writer holds it. With `mirror`, the server
   * also queues the new snapshot for the MLflow tracking mirror once the
   * ref is set (the answer's `mirror` says whether it could).
   */
  async commit(
    files: readonly { path: string; data: Uint8Array }[],
    ref: { name: string; oid: string; old: string | null },
    options: { mirror?: boolean } = {}
  ): Promise<CommitResult> {
    return postBridge(this, 'fs/commit', BridgeSchemas.commit, {
      files: files.map(file => ({
        path: file.path,
        data: encodeBase64(file.data)
      })),
      ref,
      ...(options.mirror ? { mirror: true } : {})
    });
  }

  /**
   * Delete an experiment ref if it still holds `old`, with git's locks
   * (`store/delete-ref`): `E_REF_CHANGED` when it moved meanwhile,
   * `E_NOT_FOUND` when it is gone, `E_LOCKED` while git holds it.
   */
  async deleteRef(ref: string, old: string): Promise<void> {
    await postBridge(this, 'store/delete-ref', BridgeSchemas.deletedRef, {
      ref,
      old
    });
  }

  /**
   * Write a file's bytes as a git blob of the store's repository, sent as
   * they are (no base64, no JSON): the server hashes and stores it and
   * answers its oid. For large files (a notebook with image outputs).
   */
  async writeBlob(data: Uint8Array): Promise<WriteBlobResult> {
    const query = this.store ? `?store=${encodeURIComponent(this.store)}` : '';
    const answer = await requestBridge(
      this,
      `fs/write-blob${query}`,
      BridgeSchemas.writeBlob,
      {
        method: 'POST',
        // A Blob, not the bytes: Chromium serializes an ArrayBuffer body
        // on the page's main thread (1.5 s for 28 MB), a Blob's off it.
        body: new Blob([data]),
        headers: { 'Content-Type': 'application/octet-stream' }
      }
    );
    if (answer.size !== data.length) {
      throw new MlopsError(
        'E_BRIDGE_BAD_RESPONSE',
        `The server stored ${answer.size} bytes of a ${data.length}-byte file.`,
        { sent: data.length, stored: answer.size }
      );
    }
    return answer;
  }

  /**
   * List a folder, sorted by name.
   */
  async list(path: string): Promise<Listing> {
    return postBridge(this, 'fs/list', BridgeSchemas.listing, { path });
  }

  /**
   * Stat a path; `follow: false` describes a symlink itself.
   */
  async stat(path: string, follow = true): Promise<StatResult> {
    return postBridge(this, 'fs/stat', BridgeSchemas.stat, { path, follow });
  }

  /**
   * The target of a symlink.
   */
  async readlink(path: string): Promise<string> {
    const answer = await postBridge(this, 'fs/readlink', BridgeSchemas.link, {
      path
    });
    return answer.target;
  }

  /**
   * Create a folder.
   */
  async mkdir(path: string, parents = false): Promise<void> {
    await postBridge(this, 'fs/mkdir', BridgeSchemas.pathOnly, {
      path,
      parents
    });
  }

  /**
   * Remove a file, a symlink, an empty folder, or with `recursive` a folder.
   */
  async rm(path: string, recursive = false): Promise<void> {
    await postBridge(this, 'fs/rm', BridgeSchemas.pathOnly, {
      path,
      recursive
    });
  }

  /**
   * Take the lock `<path>.lock`; fails with `E_LOCKED` when it is held.
   */
  async lock(path: string, ttlMs?: number): Promise<LockHandle> {
    return postBridge(
      this,
      'fs/lock',
      BridgeSchemas.lock,
      ttlMs === undefined ? { path } : { path, ttlMs }
    );
  }

  /**
   * Release a lock taken with `lock`.
   */
  async unlock(handle: LockHandle): Promise<void> {
    await postBridge(this, 'fs/unlock', BridgeSchemas.pathOnly, handle);
  }

  /**
   * Start hashing files and folders (paths relative to the Jupyter root);
   * answers `done` at once for cached or small inputs, else `running`.
   * Files named in `paths` of at most `captureMaxBytes` (at most 8 MiB;
   * 0: none) come back with `data`, the very bytes hashed.
   */
  async hash(
    paths: string[],
    waitMs?: number,
    captureMaxBytes = 0
  ): Promise<HashJob> {
    return postBridge(this, 'hash', BridgeSchemas.hashJob, {
      paths,
      ...(waitMs === undefined ? {} : { waitMs }),
      ...(captureMaxBytes > 0 ? { captureMaxBytes } : {})
    });
  }

  /**
   * The status of a hashing job.
   */
  async hashStatus(jobId: string): Promise<HashJob> {
    return requestBridge(
      this,
      `hash/${encodeURIComponent(jobId)}`,
      BridgeSchemas.hashJob,
      {
        method: 'GET'
      }
    );
  }

  /**
   * Cancel a hashing job; answers its status.
   */
  async cancelHash(jobId: string): Promise<HashJob> {
    return requestBridge(
      this,
      `hash/${encodeURIComponent(jobId)}`,
      BridgeSchemas.hashJob,
      {
        method: 'DELETE'
      }
    );
  }

  /**
   * Create the store's repository (`experiments.git`, bare) where it is
   * missing. The server writes its config and HEAD from a fixed template;
   * the file routes refuse to write them.
   */
  async initStore(): Promise<StoreInit> {
    return postBridge(this, 'store/init', BridgeSchemas.storeInit, {});
  }

  /**
   * Fetch everyone's experiments from a git remote and push this store's
   * (`remote` empty: the server's choice). The server runs git and holds
   * the credentials.
   */
  async syncStore(remote: string): Promise<StoreSync> {
    return postBridge(this, 'store/sync', BridgeSchemas.storeSync, {
      remote
    });
  }

  /**
   * The experiment refs of one notebook slug (or all), listed by the
   * server's `git for-each-ref`; refs whose file is no object id in
   * `broken`. With `since` (a listing's token) and no ref changed since,
   * `unchanged` and no refs.
   */
  async storeRefs(slug?: string, since?: string): Promise<StoreRefs> {
    return postBridge(this, 'store/refs', BridgeSchemas.storeRefs, {
      slug: slug ?? '',
      since: since ?? ''
    });
  }

  /**
   * The `manifest.json` of each commit, in order, read by the server's
   * `git cat-file --batch`; an entry with an error where one cannot be
   * carried (`E_ANSWER_TOO_LARGE`: no room left in this answer).
   */
  async storeManifests(commits: readonly string[]): Promise<StoreManifest[]> {
    const answer = await postBridge(
      this,
      'store/manifests',
      BridgeSchemas.storeManifests,
      { commits }
    );
    return answer.manifests;
  }

  /**
   * HEAD commit, branch and dirty state of the git repository holding a
   * folder (relative to the Jupyter root); nulls when there is none.
   */
  async projectGit(path: string): Promise<ProjectGit> {
    return requestBridge(this, 'project/git', BridgeSchemas.projectGit, {
      method: 'POST',
      body: JSON.stringify({ path }),
      headers: { 'Content-Type': 'application/json' }
    });
  }
}

/**
 * A namespace for BridgeClient statics.
 */
export namespace BridgeClient {
  /**
   * Options of a bridge client.
   */
  export interface IOptions {
    /**
     * Server settings (base URL, token); the lab's own by default.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * The store folder relative to the Jupyter root (setting `storeDir`).
     */
    store?: string;
  }
}
