import git from 'isomorphic-git';

import { ensureBufferGlobal } from '../../util/buffer';
import { measureSince } from '../../util/timing';
import { experimentRef, parseExperimentRef } from './refs';
import { newestFirst } from '../../util/ids';
import { isMlopsError, MlopsError } from '../../errors';
import { Manifest, parseManifest, serializeManifest } from './manifest';
import { IMoveResult, moveNotebookRefs } from './moveNotebook';
import {
  deleteRef,
  ensureRepository,
  IBatch,
  isMissing,
  openWriteBatch,
  StoreFs
} from './storeFs';
import { writeSnapshotTree } from './storeTree';

/**
 * The experiment store: a bare git repository with one ref per experiment,
 * `refs/exps/<notebook-slug>/<ulid>`. No shared ref is ever written, so
 * tabs and users never contend; objects are content-addressed.
 */
export class ExperimentStore {
  /**
   * Create a store over an isomorphic-git `fs` (the bridge adapter in the
   * lab, node's fs in tools).
   */
  constructor(options: ExperimentStore.IOptions) {
    ensureBufferGlobal();
    this._fs = options.fs;
    this._gitdir = options.gitdir ?? '/experiments.git';
    this._author = options.author ?? {
      name: 'jupyterlab-mlops',
      email: 'mlops@localhost'
    };
  }

  /**
   * Create the bare repository if it does not exist yet.
   */
  async ensure(): Promise<void> {
    await ensureRepository(this._fs, this._gitdir);
  }

  /**
   * Write an experiment: its files and manifest in one commit on its own ref.
   */
  async save(
    snapshot: ExperimentStore.ISnapshot,
    options: ExperimentStore.ISaveOptions = {}
  ): Promise<ExperimentStore.IEntry> {
    const ref = experimentRef(
      snapshot.manifest.notebook.slug,
      snapshot.manifest.id
    );
    // The objects are built in memory; they reach the disk in one request
    // with the ref when the fs can (the repository is then created only
    // if that request finds none), else in one request before the ref,
    // the repository checked meanwhile. A large file's blob is written at
    // once (see storeTree.ts), once the repository is there.
    const start = performance.now();
    const batch = openWriteBatch(this._fs);
    let ensured: Promise<void> | undefined;
    const ensure = () => (ensured ??= this.ensure());
    if (batch.commitRef === undefined) {
      // Awaited in _commit; this only keeps an early failure from being
      // reported as unhandled while the tree is being built.
      ensure().catch(() => undefined);
    }
    const writeBlob = batch.writeBlob;
    const tree = await writeSnapshotTree(
      {
        ...batch,
        writeBlob:
          writeBlob &&
          (async data => {
            await ensure();
            return writeBlob(data);
          })
      },
      this._gitdir,
      snapshot.manifest,
      snapshot.files
    );
    const treeWritten = measureSince('store-tree', start);
    const oid = await this._commit(
      batch,
      ref,
      tree,
      snapshot.manifest,
      [],
      ensure,
      options
    );
    measureSince('store-commit', treeWritten);
    return {
      ref,
      oid,
      slug: snapshot.manifest.notebook.slug,
      id: snapshot.manifest.id
    };
  }

  /**
   * The experiments of one notebook slug, or of all notebooks.
   */
  async list(slug?: string): Promise<ExperimentStore.IEntry[]> {
    const fs = this._fs;
    const gitdir = this._gitdir;
    const base = slug === undefined ? 'refs/exps' : `refs/exps/${slug}`;
    let names: string[];
    try {
      names = await git.listRefs({ fs, gitdir, filepath: base });
    } catch (reason) {
      if (isMissing(reason)) {
        return [];
      }
      throw reason;
    }
    const entries: ExperimentStore.IEntry[] = [];
    for (const name of names) {
      const ref = `${base}/${name}`;
      const parts = parseExperimentRef(ref);
      if (!parts) {
        continue;
      }
      const oid = await git.resolveRef({ fs, gitdir, ref });
      entries.push({ ref, oid, ...parts });
    }
    return entries.sort(newestFirst);
  }

  /**
   * The manifest at the tip of an experiment's ref.
   */
  async read(ref: string): Promise<{ oid: string; manifest: Manifest }> {
    const oid = await this._resolve(ref);
    const bytes = await this.readFile(oid, 'manifest.json');
    return { oid, manifest: parseManifest(bytes, `${ref}:manifest.json`) };
  }

  /**
   * A file of an experiment's commit (`oid` or ref).
   */
  async readFile(commitOrRef: string, path: string): Promise<Uint8Array> {
    const oid = /^[0-9a-f]{40}$/.test(commitOrRef)
      ? commitOrRef
      : await this._resolve(commitOrRef);
    try {
      const { blob } = await git.readBlob({
        fs: this._fs,
        gitdir: this._gitdir,
        oid,
        filepath: path
      });
      return blob;
    } catch (reason) {
      if (isMissing(reason)) {
        throw new MlopsError(
          'E_NOT_FOUND',
          `${path} is not in experiment ${commitOrRef}.`,
          {
            path,
            ref: commitOrRef
          }
        );
      }
      throw reason;
    }
  }

  /**
   * Change the user fields (name, tags, star, note): a new commit on the
   * experiment's ref whose parent is the old tip, so edits have history.
   */
  async update(
    ref: string,
    change: Partial<Manifest['user']>
  ): Promise<{ oid: string; manifest: Manifest }> {
    const { oid: parent, manifest } = await this.read(ref);
    const next: Manifest = {
      ...manifest,
      user: { ...manifest.user, ...change }
    };
    const { commit } = await git.readCommit({
      fs: this._fs,
      gitdir: this._gitdir,
      oid: parent
    });
    const tree = commit.tree;
    const entries = (
      await git.readTree({ fs: this._fs, gitdir: this._gitdir, oid: tree })
    ).tree;
    const batch = openWriteBatch(this._fs);
    const manifestOid = await git.writeBlob({
      fs: batch.fs,
      gitdir: this._gitdir,
      blob: serializeManifest(next)
    });
    const newTree = await git.writeTree({
      fs: batch.fs,
      gitdir: this._gitdir,
      tree: entries.map(entry =>
        entry.path === 'manifest.json' ? { ...entry, oid: manifestOid } : entry
      )
    });
    const oid = await this._commit(batch, ref, newTree, next, [parent], () =>
      this.ensure()
    );
    return { oid, manifest: next };
  }

  /**
   * Delete an experiment's ref. Its objects stay until `git gc` prunes
   * them, so a deleted experiment can be recovered by its commit id.
   */
  async remove(ref: string): Promise<void> {
    const oid = await this._resolve(ref);
    // Only if it still holds what was resolved: an edit from another tab
    // meanwhile is E_REF_CHANGED, not deleted unseen.
    await deleteRef(this._fs, this._gitdir, ref, oid);
  }

  /** Move a notebook's experiments to slug `to` (see moveNotebook.ts). */
  moveNotebook(from: string, to: string): Promise<IMoveResult> {
    return moveNotebookRefs(this._fs, this._gitdir, from, to);
  }

  private async _resolve(ref: string): Promise<string> {
    if (!parseExperimentRef(ref)) {
      throw new MlopsError('E_BAD_REQUEST', `Not an experiment ref: ${ref}`, {
        ref
      });
    }
    try {
      return await git.resolveRef({ fs: this._fs, gitdir: this._gitdir, ref });
    } catch (reason) {
      if (isMissing(reason)) {
        throw new MlopsError('E_NOT_FOUND', `No experiment ${ref}.`, { ref });
      }
      throw reason;
    }
  }

  /**
   * The commit object, then the ref: with the batch's objects in one
   * request when the fs can (the ref set only if it still holds the
   * parent, or is new: an edit from another tab meanwhile is
   * `E_REF_CHANGED`, not lost), else after they are flushed (an older
   * server: the ref is then written without that check). `ensure`
   * makes the repository, when the fs says it is missing or before the
   * flush. The ref is this experiment's own, so it is not read first
   * (git.commit would resolve it, read config and the index: a dozen
   * round trips for nothing).
   */
  private async _commit(
    batch: IBatch,
    ref: string,
    tree: string,
    manifest: Manifest,
    parent: string[],
    ensure: () => Promise<void>,
    options: ExperimentStore.ISaveOptions = {}
  ): Promise<string> {
    const message =
      `${parent.length === 0 ? 'snapshot' : 'edit'}: ${manifest.user.name}\n\n` +
      `notebook: ${manifest.notebook.path}\ncontent: ${manifest.notebook.contentHash}\n`;
    // Committer = author, as git.commit made it from these arguments.
    const author = {
      ...(manifest.author
        ? Private.gitIdentity(manifest.author)
        : this._author),
      timestamp: Math.floor(Date.parse(manifest.createdAt) / 1000),
      timezoneOffset: 0
    };
    const fs = batch.fs;
    const gitdir = this._gitdir;
    const oid = await git.writeCommit({
      fs,
      gitdir,
      commit: { message, tree, parent, author, committer: author }
    });
    const old = parent[0] ?? null;
    if (await Private.commitRef(batch, ref, oid, old, ensure, options)) {
      return oid;
    }
    await ensure();
    await batch.flush();
    await git.writeRef({ fs, gitdir, ref, value: oid, force: true });
    return oid;
  }

  private _fs: StoreFs;
  private _gitdir: string;
  private _author: { name: string; email: string };
}

/**
 * A namespace for ExperimentStore statics.
 */
export namespace ExperimentStore {
  /**
   * Options of the store.
   */
  export interface IOptions {
    /**
     * isomorphic-git's `fs`; a batch of writes and the repository's
     * creation go through the fs when it offers them (see IBatchingFs).
     */
    fs: StoreFs;
    /** The bare repository inside the fs (default `/experiments.git`). */
    gitdir?: string;
    /** The commit author (default `jupyterlab-mlops <mlops@localhost>`). */
    author?: { name: string; email: string };
  }

  /**
   * A file of an experiment (the notebook, requirements, captured data).
   */
  export interface IFile {
    /** POSIX path inside the commit, e.g. `data/wine.csv`. */
    path: string;
    data: Uint8Array;
  }

  /**
   * How a snapshot is saved.
   */
  export interface ISaveOptions {
    /**
     * Queue it for the MLflow tracking mirror in the request that stores
     * it, when the fs commits through the server (the caller still asks
     * the mirror itself afterwards: that request is idempotent, and says
     * why when the server cannot).
     */
    mirror?: boolean;
  }

  /**
   * What a snapshot writes.
   */
  export interface ISnapshot {
    manifest: Manifest;
    files: readonly IFile[];
  }

  /**
   * One experiment ref and the commit at its tip.
   */
  export interface IEntry {
    ref: string;
    oid: string;
    slug: string;
    id: string;
  }
}

namespace Private {
  /**
   * The batch's objects and the ref in one request, if the batch can; the
   * repository made and the request sent again when it was missing.
   */
  export async function commitRef(
    batch: IBatch,
    ref: string,
    oid: string,
    old: string | null,
    ensure: () => Promise<void>,
    options: ExperimentStore.ISaveOptions
  ): Promise<boolean> {
    if (batch.commitRef === undefined) {
      return false;
    }
    try {
      return await batch.commitRef(ref, oid, old, options);
    } catch (reason) {
      if (!isMlopsError(reason, 'E_NOT_FOUND')) {
        throw reason;
      }
    }
    await ensure();
    return batch.commitRef(ref, oid, old, options);
  }

  /**
   * A commit identity for the lab user who took the snapshot: git's name
   * and email may not hold `<`, `>` or line breaks, so those are dropped.
   */
  export function gitIdentity(author: { username: string; name: string }): {
    name: string;
    email: string;
  } {
    // Line breaks and NULs would break the commit's header lines.
    const clean = (text: string) =>
      // eslint-disable-next-line no-control-regex
      text.replace(/[<>\u0000-\u001f\u007f]/g, '').trim();
    const user = author.username.replace(/[^A-Za-z0-9._-]/g, '') || 'user';
    return {
      name: clean(author.name) || clean(author.username) || user,
      email: `${user}@jupyterlab`
    };
  }
}
