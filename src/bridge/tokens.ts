/**
 * The bridge layer's interfaces and its token: the rest of the extension
 * (and `src/tokens.ts`, which lists every token) uses these, never the
 * classes that implement them, so nothing here imports from above.
 */

import { ServerConnection } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';

import type { MlopsError } from '../errors';
import type {
  BridgeStatus,
  HashJob,
  IFileContent,
  Listing,
  LockHandle,
  ProjectGit,
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

/**
 * A typed client of the server extension: one method per route.
 *
 * Every answer is validated; every failure is an `MlopsError` with the
 * bridge's code (`E_NOT_FOUND`, `E_PATH_OUTSIDE_ROOT`, …) or a client code
 * (`E_BRIDGE_UNREACHABLE`, `E_BRIDGE_BAD_RESPONSE`).
 */
export interface IBridgeClient {
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
  status(): Promise<BridgeStatus>;

  /**
   * Read one file of the store.
   */
  read(path: string): Promise<IFileContent>;

  /**
   * Read many files in one round trip: one result per path, in order; a
   * missing file, or one past the answer's byte limit
   * (`E_ANSWER_TOO_LARGE`), is an entry with an error.
   */
  readMany(paths: readonly string[]): Promise<ReadManyResult[]>;

  /**
   * Write a file atomically (temp file, fsync, rename).
   */
  write(
    path: string,
    data: Uint8Array,
    options?: { exclusive?: boolean; parents?: boolean }
  ): Promise<{ path: string; size: number }>;

  /**
   * Write several loose git objects in one round trip; a bad entry fails
   * the whole request with nothing written.
   */
  writeMany(
    files: readonly { path: string; data: Uint8Array }[]
  ): Promise<WriteManyResult[]>;

  /**
   * Write an experiment commit's loose objects and set its ref, if it
   * still holds `old`, in one round trip; `mirror` also queues the new
   * snapshot for the MLflow tracking mirror in that request.
   */
  commit(
    files: readonly { path: string; data: Uint8Array }[],
    ref: { name: string; oid: string; old: string | null },
    options?: { mirror?: boolean }
  ): Promise<CommitResult>;

  /**
   * Delete an experiment ref if it still holds `old`, under git's locks.
   */
  deleteRef(ref: string, old: string): Promise<void>;

  /**
   * Write a file's bytes, sent as they are, as a git blob of the store's
   * repository; answers its oid.
   */
  writeBlob(data: Uint8Array): Promise<WriteBlobResult>;

  /**
   * List a folder, sorted by name.
   */
  list(path: string): Promise<Listing>;

  /**
   * Stat a path; `follow: false` describes a symlink itself.
   */
  stat(path: string, follow?: boolean): Promise<StatResult>;

  /**
   * The target of a symlink.
   */
  readlink(path: string): Promise<string>;

  /**
   * Create a folder.
   */
  mkdir(path: string, parents?: boolean): Promise<void>;

  /**
   * Remove a file, a symlink, an empty folder, or with `recursive` a folder.
   */
  rm(path: string, recursive?: boolean): Promise<void>;

  /**
   * Take the lock `<path>.lock`; fails with `E_LOCKED` when it is held.
   */
  lock(path: string, ttlMs?: number): Promise<LockHandle>;

  /**
   * Release a lock taken with `lock`.
   */
  unlock(handle: LockHandle): Promise<void>;

  /**
   * Start hashing files and folders (paths relative to the Jupyter root).
   */
  hash(
    paths: string[],
    waitMs?: number,
    captureMaxBytes?: number
  ): Promise<HashJob>;

  /**
   * The status of a hashing job.
   */
  hashStatus(jobId: string): Promise<HashJob>;

  /**
   * Cancel a hashing job; answers its status.
   */
  cancelHash(jobId: string): Promise<HashJob>;

  /**
   * Create the store's repository (`experiments.git`, bare) where it is
   * missing, from the server's fixed template.
   */
  initStore(): Promise<StoreInit>;

  /**
   * Sync the store with a git remote: fetch everyone's experiments, push
   * this store's (never forced). `remote` empty: the server's choice.
   */
  syncStore(remote: string): Promise<StoreSync>;

  /**
   * The experiment refs of one notebook slug, or all (the server's
   * `git for-each-ref`); `unchanged` when none changed since the listing
   * whose token is `since`.
   */
  storeRefs(slug?: string, since?: string): Promise<StoreRefs>;

  /**
   * The manifests of many experiment commits, in order (the server's
   * `git cat-file --batch`).
   */
  storeManifests(commits: readonly string[]): Promise<StoreManifest[]>;

  /**
   * HEAD commit, branch and dirty state of the git repository holding a
   * folder (relative to the Jupyter root).
   */
  projectGit(path: string): Promise<ProjectGit>;
}

/**
 * The connection to the server extension, shared by every panel.
 */
export interface IMlopsBridge {
  /**
   * The client for the configured store (replaced when `storeDir` changes).
   */
  readonly client: IBridgeClient;

  /**
   * The last status the server sent, or null before the first answer.
   */
  readonly status: BridgeStatus | null;

  /**
   * The last failure to reach the bridge, or null when it answered.
   */
  readonly error: MlopsError | null;

  /**
   * Emitted when the client, status or error changed.
   */
  readonly changed: ISignal<IMlopsBridge, void>;

  /**
   * Ask the server for its status again.
   */
  refresh(): Promise<void>;
}

/**
 * The bridge token.
 */
export const IMlopsBridge = new Token<IMlopsBridge>(
  'jupyterlab-mlops:IMlopsBridge',
  'The typed client of the jupyterlab_mlops server extension.'
);
