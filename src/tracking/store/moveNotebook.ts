/**
 * Moving a notebook's experiments to another slug, when the notebook is
 * renamed or moved in the lab: each ref `refs/exps/<old>/<id>` is written
 * as `refs/exps/<new>/<id>` (same commit), then the old one is deleted.
 * Nothing else changes: the manifests keep the path they were taken at.
 */

import git from 'isomorphic-git';

import type { IBridgeClient } from '../../bridge/tokens';
import { isMlopsError, MlopsError } from '../../errors';
import { experimentRef, parseExperimentRef } from './refs';
import { deleteRef, isMissing, StoreFs } from './storeFs';

/**
 * The lock every move takes (a file in the store's `locks/` folder), so
 * two tabs moving the same notebook do not interleave.
 */
export const MOVE_LOCK = 'locks/notebook-moves';

/**
 * What a move did, per experiment id.
 */
export interface IMoveResult {
  /** Ids now under the new slug that were under the old one. */
  moved: string[];
  /**
   * Ids that were under both slugs (a move interrupted between its two
   * writes, or an edit through the old name after it): kept once.
   */
  merged: string[];
}

/**
 * Move the experiment refs of slug `from` to slug `to` in the bare
 * repository `gitdir`. Safe to run again after a crash at any point: a
 * ref under both slugs is kept once, under the new one, at the newer of
 * the two commits (an edit made through the old name is not lost).
 */
export async function moveNotebookRefs(
  fs: StoreFs,
  gitdir: string,
  from: string,
  to: string
): Promise<IMoveResult> {
  for (const slug of [from, to]) {
    if (!SLUG.test(slug)) {
      throw new MlopsError('E_BAD_REQUEST', `Not a notebook slug: ${slug}`, {
        slug
      });
    }
  }
  const result: IMoveResult = { moved: [], merged: [] };
  if (from === to) {
    return result;
  }
  for (const id of await Private.ids(fs, gitdir, from)) {
    const oldRef = experimentRef(from, id);
    const newRef = experimentRef(to, id);
    const oid = await git.resolveRef({ fs, gitdir, ref: oldRef });
    const present = await Private.resolve(fs, gitdir, newRef);
    if (present === null) {
      await git.writeRef({ fs, gitdir, ref: newRef, value: oid });
      result.moved.push(id);
    } else {
      if (
        present !== oid &&
        (await git.isDescendent({ fs, gitdir, oid, ancestor: present }))
      ) {
        await git.writeRef({
          fs,
          gitdir,
          ref: newRef,
          value: oid,
          force: true
        });
      }
      result.merged.push(id);
    }
    await deleteRef(fs, gitdir, oldRef, oid);
  }
  return result;
}

/**
 * Run `work` under the store's move lock, waiting (up to `attempts`
 * tries, `waitMs` apart) while another tab holds it.
 */
export async function withMoveLock<T>(
  client: IBridgeClient,
  work: () => Promise<T>,
  options: { attempts?: number; waitMs?: number } = {}
): Promise<T> {
  const attempts = options.attempts ?? 40;
  const waitMs = options.waitMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    let handle;
    try {
      handle = await client.lock(MOVE_LOCK, 60_000);
    } catch (reason) {
      if (isMlopsError(reason, 'E_LOCKED') && attempt < attempts) {
        await new Promise(resolve => setTimeout(resolve, waitMs));
        continue;
      }
      throw reason;
    }
    try {
      return await work();
    } finally {
      await client.unlock(handle).catch(() => undefined);
    }
  }
}

/** What `parseExperimentRef` accepts as a slug. */
const SLUG = /^[a-z0-9-]{1,80}$/;

namespace Private {
  /**
   * The experiment ids under one slug (names that are not experiment
   * refs are left where they are).
   */
  export async function ids(
    fs: StoreFs,
    gitdir: string,
    slug: string
  ): Promise<string[]> {
    let names: string[];
    try {
      names = await git.listRefs({ fs, gitdir, filepath: `refs/exps/${slug}` });
    } catch (reason) {
      if (isMissing(reason)) {
        return [];
      }
      throw reason;
    }
    return names.flatMap(name => {
      const parts = parseExperimentRef(`refs/exps/${slug}/${name}`);
      return parts ? [parts.id] : [];
    });
  }

  /**
   * The commit of a ref, or null when there is no such ref.
   */
  export async function resolve(
    fs: StoreFs,
    gitdir: string,
    ref: string
  ): Promise<string | null> {
    try {
      return await git.resolveRef({ fs, gitdir, ref });
    } catch (reason) {
      if (isMissing(reason)) {
        return null;
      }
      throw reason;
    }
  }
}
