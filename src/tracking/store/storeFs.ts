import git, { FsClient, PromiseFsClient } from 'isomorphic-git';

import { isMissingRoute, isMlopsError } from '../../errors';

/**
 * What the experiment store may ask of its file system beyond
 * isomorphic-git's `fs`. The store owns this interface: the bridge adapter
 * (`BridgeGitFs`) offers both methods, node's `fs` neither, and the store
 * never asks which one it has.
 */
export interface IBatchingFs {
  /**
   * A view of the fs for one write operation whose loose objects reach the
   * disk together at `flush()`, before the ref that points at them (the
   * bridge: one request instead of one per object). Without it, objects
   * are written one by one.
   */
  writeBatch?(): IWriteBatch;

  /**
   * Create the bare repository at `gitdir` (the bridge: the server writes
   * its config and HEAD from a fixed template; the file routes refuse to).
   * Without it, `git.init` writes them through the fs.
   */
  initRepository?(gitdir: string): Promise<void>;

  /**
   * Delete experiment ref `ref` if it still holds `old`, as git does
   * (the bridge: `store/delete-ref`, under git's ref and `packed-refs`
   * locks). Without it, isomorphic-git's `deleteRef` rewrites
   * `packed-refs` with plain writes.
   */
  deleteRef?(gitdir: string, ref: string, old: string): Promise<void>;
}

/**
 * Delete `ref` (at `old`) through the fs's own deletion when it has one,
 * else through isomorphic-git.
 */
export async function deleteRef(
  fs: StoreFs,
  gitdir: string,
  ref: string,
  old: string
): Promise<void> {
  if (fs.deleteRef !== undefined) {
    try {
      await fs.deleteRef(gitdir, ref, old);
      return;
    } catch (reason) {
      // An older server, without the route, or a repository the server
      // does not run git in (its config is not the template: made by
      // `git init` or an older version): as before, through the file
      // routes, which are confined whatever the config says.
      if (
        !isMissingRoute(reason) &&
        !isMlopsError(reason, 'E_UNSAFE_REPOSITORY')
      ) {
        throw reason;
      }
    }
  }
  await git.deleteRef({ fs, gitdir, ref });
}

/**
 * An fs for one write operation, and how its objects reach the disk.
 */
export interface IWriteBatch extends PromiseFsClient {
  /**
   * Write what is buffered; called before the ref, and at the end of an
   * operation that wrote objects but no ref.
   */
  flush(): Promise<void>;

  /**
   * Write what is buffered and set `ref` to `oid` at once, only if the ref
   * still holds `old` (null: it must not exist); false when the fs cannot
   * (the caller then flushes and writes the ref). Fails with `E_NOT_FOUND`
   * when the repository does not exist yet, `E_REF_CHANGED` when the ref
   * moved meanwhile. `mirror` also queues the new snapshot for the MLflow
   * tracking mirror in the same request, once the ref is set.
   */
  commitRef?(
    ref: string,
    oid: string,
    old: string | null,
    options?: { mirror?: boolean }
  ): Promise<boolean>;

  /**
   * Write a large file's blob now, hashed and stored by the fs's owner
   * (the bridge: the server, so the page does not hash, deflate and
   * encode tens of MB); its oid, or null to write it through
   * isomorphic-git after all.
   */
  writeBlob?(data: Uint8Array): Promise<string | null>;
}

/**
 * The file system the experiment store works on.
 */
export type StoreFs = FsClient & IBatchingFs;

/**
 * Create the bare repository if it does not exist yet; init keeps existing
 * objects and refs.
 */
export async function ensureRepository(
  fs: StoreFs,
  gitdir: string
): Promise<void> {
  try {
    if (fs.initRepository !== undefined && 'promises' in fs) {
      // One round trip (resolveRef would also stat the git dir and read
      // packed-refs): a repository the fs creates has a HEAD.
      await fs.promises.readFile(`${gitdir}/HEAD`);
    } else {
      await git.resolveRef({ fs, gitdir, ref: 'HEAD', depth: 1 });
    }
    return;
  } catch {
    // No repository yet, or HEAD unreadable: (re)initialise.
  }
  if (fs.initRepository !== undefined) {
    await fs.initRepository(gitdir);
    return;
  }
  await git.init({
    fs,
    dir: gitdir,
    gitdir,
    bare: true,
    defaultBranch: 'main'
  });
}

/**
 * Where one write operation writes its objects, and how they reach the disk.
 */
export interface IBatch {
  fs: FsClient;
  flush: () => Promise<void>;
  /** See `IWriteBatch.writeBlob`; absent, blobs go through isomorphic-git. */
  writeBlob?: (data: Uint8Array) => Promise<string | null>;
  /** See `IWriteBatch.commitRef`; absent, objects are flushed, then the ref written. */
  commitRef?: (
    ref: string,
    oid: string,
    old: string | null,
    options?: { mirror?: boolean }
  ) => Promise<boolean>;
}

/**
 * The batch of one write operation: the fs's own, or the fs itself with
 * nothing to flush.
 */
export function openWriteBatch(fs: StoreFs): IBatch {
  if (fs.writeBatch !== undefined) {
    const batch = fs.writeBatch();
    return {
      fs: batch,
      flush: () => batch.flush(),
      writeBlob: batch.writeBlob?.bind(batch),
      commitRef: batch.commitRef?.bind(batch)
    };
  }
  return { fs, flush: async () => undefined };
}

/**
 * Whether an isomorphic-git or bridge failure means "not there".
 */
export function isMissing(reason: unknown): boolean {
  if (isMlopsError(reason, 'E_NOT_FOUND')) {
    return true;
  }
  const code =
    typeof reason === 'object' && reason !== null && 'code' in reason
      ? reason.code
      : undefined;
  return code === 'NotFoundError' || code === 'ENOENT';
}
