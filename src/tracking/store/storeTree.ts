import git, { TreeEntry } from 'isomorphic-git';

import { MlopsError } from '../../errors';
import { Manifest, serializeManifest } from './manifest';
import type { IBatch } from './storeFs';

/**
 * Write the tree of an experiment's commit: its manifest and files, as
 * blobs and nested trees (depth first). Answers the root tree's oid.
 */
export async function writeSnapshotTree(
  batch: IBatch,
  gitdir: string,
  manifest: Manifest,
  files: readonly { path: string; data: Uint8Array }[]
): Promise<string> {
  const root: Private.IDir = new Map();
  Private.insert(root, 'manifest.json', serializeManifest(manifest));
  for (const file of files) {
    if (file.path === 'manifest.json') {
      throw new MlopsError(
        'E_BAD_REQUEST',
        'manifest.json is written by the store itself.'
      );
    }
    Private.insert(root, file.path, file.data);
  }
  return Private.writeDir(batch, gitdir, root);
}

/**
 * Files at least this large are written by the batch's `writeBlob` when it
 * has one (the bridge: hashed and stored by the server).
 */
export const LARGE_BLOB_BYTES = 1024 * 1024;

namespace Private {
  /**
   * A folder of the tree being built: names to blobs or sub-folders.
   */
  export type IDir = Map<string, Uint8Array | IDir>;

  /**
   * Put a file at a POSIX path into the tree, refusing paths git would not
   * store safely.
   */
  export function insert(root: IDir, path: string, data: Uint8Array): void {
    const parts = path.split('/');
    if (
      parts.some(
        part => part === '' || part === '.' || part === '..' || part === '.git'
      ) ||
      // Control characters and backslashes have no place in a tree path.
      [...path].some(char => char.charCodeAt(0) < 0x20 || char === '\\')
    ) {
      throw new MlopsError(
        'E_PATH_INVALID',
        `Cannot store a file at "${path}".`,
        { path }
      );
    }
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let next = dir.get(part);
      if (next === undefined) {
        next = new Map();
        dir.set(part, next);
      }
      if (next instanceof Uint8Array) {
        throw new MlopsError(
          'E_PATH_INVALID',
          `"${part}" is both a file and a folder.`,
          { path }
        );
      }
      dir = next;
    }
    const name = parts[parts.length - 1];
    if (dir.has(name)) {
      throw new MlopsError('E_EXISTS', `Two files at "${path}".`, { path });
    }
    dir.set(name, data);
  }

  /**
   * Write a folder's blobs and sub-trees, then its tree; answers its oid.
   */
  export async function writeDir(
    batch: IBatch,
    gitdir: string,
    dir: IDir
  ): Promise<string> {
    const { fs, writeBlob } = batch;
    const tree: TreeEntry[] = [];
    for (const [name, value] of dir) {
      if (value instanceof Uint8Array) {
        const oid =
          (value.length >= LARGE_BLOB_BYTES && writeBlob
            ? await writeBlob(value)
            : null) ?? (await git.writeBlob({ fs, gitdir, blob: value }));
        tree.push({ mode: '100644', path: name, oid, type: 'blob' });
      } else {
        tree.push({
          mode: '040000',
          path: name,
          oid: await writeDir(batch, gitdir, value),
          type: 'tree'
        });
      }
    }
    return git.writeTree({ fs, gitdir, tree });
  }
}
