import { describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { notebookSlug, UlidFactory } from '../../../src/util/ids';
import { ExperimentStore } from '../../../src/tracking/store/store';
import {
  MOVE_LOCK,
  withMoveLock
} from '../../../src/tracking/store/moveNotebook';
import { experimentRef } from '../../../src/tracking/store/refs';
import { isolatedClient } from '../../support/client';
import { codeOf } from '../../support/errors';
import { gitCli, storeGitDir } from '../../support/git';
import { makeManifest } from '../fixtures';

/**
 * Moving a notebook's experiments to its new slug, through the run's real
 * server and bridge, checked with the git CLI.
 */

const ids = new UlidFactory();
const bytes = (text: string) => new TextEncoder().encode(text);

function setup(prefix: string) {
  const client = isolatedClient(prefix);
  const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
  const git = gitCli(storeGitDir(client));
  const refs = () =>
    git(['for-each-ref', '--format=%(refname) %(objectname)', 'refs/exps'])
      .split('\n')
      .filter(line => line !== '');
  return { client, store, git, refs };
}

/** Save `count` experiments of the notebook at `path`. */
async function snapshots(
  store: ExperimentStore,
  path: string,
  count: number
): Promise<ExperimentStore.IEntry[]> {
  const saved: ExperimentStore.IEntry[] = [];
  for (let n = 0; n < count; n++) {
    const manifest = makeManifest(ids.next(), {});
    manifest.notebook = {
      ...manifest.notebook,
      path,
      slug: notebookSlug(path)
    };
    saved.push(
      await store.save({
        manifest,
        files: [{ path: 'notebook.ipynb', data: bytes(`{"n": ${n}}`) }]
      })
    );
  }
  return saved;
}

describe('ExperimentStore', () => {
  describe('#moveNotebook()', () => {
    it('should move every ref to the new slug with the same commit, manifests unchanged', async () => {
      const { store, git, refs } = setup('move');
      const from = notebookSlug('a.ipynb');
      const to = notebookSlug('sub/b.ipynb');
      const saved = await snapshots(store, 'a.ipynb', 3);
      const other = await snapshots(store, 'other.ipynb', 1);
      const result = await store.moveNotebook(from, to);
      expect(result.moved.sort()).toEqual(saved.map(e => e.id).sort());
      expect(result.merged).toEqual([]);
      expect(await store.list(from)).toEqual([]);
      const listed = await store.list(to);
      expect(listed.map(e => [e.id, e.oid])).toEqual(
        [...saved].reverse().map(e => [e.id, e.oid])
      );
      expect(refs().sort()).toEqual(
        [
          ...saved.map(e => `${experimentRef(to, e.id)} ${e.oid}`),
          `${other[0].ref} ${other[0].oid}`
        ].sort()
      );
      // The manifest keeps the path the snapshot was taken at.
      const { manifest } = await store.read(listed[0].ref);
      expect(manifest.notebook.path).toBe('a.ipynb');
      expect(manifest.notebook.slug).toBe(from);
      // All notebooks: each experiment once.
      expect((await store.list()).map(e => e.id).sort()).toEqual(
        [...saved, ...other].map(e => e.id).sort()
      );
      git(['fsck', '--strict', '--no-dangling']);
    });

    it('should finish a move interrupted between its writes, keeping each ref once', async () => {
      const { store, git, refs } = setup('move-crash');
      const from = notebookSlug('crash.ipynb');
      const to = notebookSlug('renamed.ipynb');
      const saved = await snapshots(store, 'crash.ipynb', 3);
      // The crash: the first ref written under the new slug, its old one
      // not deleted yet; the second already moved; the third untouched.
      git(['update-ref', experimentRef(to, saved[0].id), saved[0].oid]);
      git(['update-ref', experimentRef(to, saved[1].id), saved[1].oid]);
      git(['update-ref', '-d', saved[1].ref]);
      const result = await store.moveNotebook(from, to);
      expect(result.moved).toEqual([saved[2].id]);
      expect(result.merged).toEqual([saved[0].id]);
      expect(refs().sort()).toEqual(
        saved.map(e => `${experimentRef(to, e.id)} ${e.oid}`).sort()
      );
      // Again: nothing left to do, nothing changes.
      expect(await store.moveNotebook(from, to)).toEqual({
        moved: [],
        merged: []
      });
      expect(refs()).toHaveLength(3);
    });

    it('should keep an edit made through the old name during an interrupted move', async () => {
      const { store, git, refs } = setup('move-edit');
      const from = notebookSlug('edit.ipynb');
      const to = notebookSlug('edited.ipynb');
      const [entry] = await snapshots(store, 'edit.ipynb', 1);
      // The move wrote the new ref and stopped; a tab still on the old
      // name then edited the experiment through the old ref.
      git(['update-ref', experimentRef(to, entry.id), entry.oid]);
      const { oid: edited } = await store.update(entry.ref, { note: 'kept' });
      expect(edited).not.toBe(entry.oid);
      expect(await store.moveNotebook(from, to)).toEqual({
        moved: [],
        merged: [entry.id]
      });
      expect(refs()).toEqual([`${experimentRef(to, entry.id)} ${edited}`]);
      const { manifest } = await store.read(experimentRef(to, entry.id));
      expect(manifest.user.note).toBe('kept');
    });

    it('should keep the newer commit under the new name when the old ref is behind', async () => {
      const { store, git, refs } = setup('move-behind');
      const from = notebookSlug('behind.ipynb');
      const to = notebookSlug('ahead.ipynb');
      const [entry] = await snapshots(store, 'behind.ipynb', 1);
      git(['update-ref', experimentRef(to, entry.id), entry.oid]);
      const { oid: edited } = await store.update(experimentRef(to, entry.id), {
        note: 'new name'
      });
      await store.moveNotebook(from, to);
      expect(refs()).toEqual([`${experimentRef(to, entry.id)} ${edited}`]);
    });

    it('should move two notebooks of a renamed folder and leave a third', async () => {
      const { store, refs } = setup('move-folder');
      const one = await snapshots(store, 'old/one.ipynb', 2);
      const two = await snapshots(store, 'old/deep/two.ipynb', 1);
      const outside = await snapshots(store, 'older/one.ipynb', 1);
      for (const name of ['one.ipynb', 'deep/two.ipynb']) {
        await store.moveNotebook(
          notebookSlug(`old/${name}`),
          notebookSlug(`new/${name}`)
        );
      }
      expect((await store.list(notebookSlug('new/one.ipynb'))).length).toBe(2);
      expect(
        (await store.list(notebookSlug('new/deep/two.ipynb'))).map(e => e.oid)
      ).toEqual([two[0].oid]);
      expect(await store.list(notebookSlug('old/one.ipynb'))).toEqual([]);
      expect(await store.list(notebookSlug('old/deep/two.ipynb'))).toEqual([]);
      expect(await store.list(notebookSlug('older/one.ipynb'))).toEqual([
        outside[0]
      ]);
      expect(refs()).toHaveLength(one.length + two.length + outside.length);
    });

    it('should refuse a hostile slug with E_BAD_REQUEST and change nothing', async () => {
      const { store, refs } = setup('move-hostile');
      const from = notebookSlug('h.ipynb');
      await snapshots(store, 'h.ipynb', 1);
      const before = refs();
      for (const hostile of [
        '../heads',
        `${from}/../../heads`,
        '',
        'UPPER',
        'a'.repeat(81),
        'refs/exps/x',
        'x\ny'
      ]) {
        expect(await codeOf(store.moveNotebook(from, hostile))).toBe(
          'E_BAD_REQUEST'
        );
        expect(await codeOf(store.moveNotebook(hostile, from))).toBe(
          'E_BAD_REQUEST'
        );
      }
      expect(refs()).toEqual(before);
    });

    it('should do nothing for a slug without experiments or onto itself', async () => {
      const { store, refs } = setup('move-none');
      const from = notebookSlug('n.ipynb');
      await snapshots(store, 'n.ipynb', 1);
      const before = refs();
      expect(
        await store.moveNotebook(notebookSlug('absent.ipynb'), from)
      ).toEqual({ moved: [], merged: [] });
      expect(await store.moveNotebook(from, from)).toEqual({
        moved: [],
        merged: []
      });
      expect(refs()).toEqual(before);
    });
  });
});

describe('withMoveLock()', () => {
  it('should run the work under the lock, and wait while another holder has it', async () => {
    const { client, store } = setup('move-lock');
    await store.ensure();
    const held = await client.lock(MOVE_LOCK, 60_000);
    // Held elsewhere: the second attempt gives up with the bridge's code.
    expect(
      await codeOf(
        withMoveLock(client, async () => 1, { attempts: 2, waitMs: 10 })
      )
    ).toBe('E_LOCKED');
    const waiting = withMoveLock(client, async () => 'done', { waitMs: 50 });
    await new Promise(resolve => setTimeout(resolve, 120));
    await client.unlock(held);
    expect(await waiting).toBe('done');
    // Released after the work: taking it again succeeds.
    await client.unlock(await client.lock(MOVE_LOCK, 60_000));
  });
});
