import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { notebookSlug, UlidFactory } from '../../../src/util/ids';
import { ExperimentStore } from '../../../src/tracking/store/store';
import {
  experimentRef,
  parseExperimentRef
} from '../../../src/tracking/store/refs';
import { isolatedClient } from '../../support/client';
import { gitCli, writeManifestCommit } from '../../support/git';
import { makeManifest } from '../fixtures';
import { codeOf } from '../../support/errors';

const ids = new UlidFactory();
const bytes = (text: string) => new TextEncoder().encode(text);

function setup(prefix: string) {
  const client = isolatedClient(prefix);
  const fs = new BridgeGitFs({ client });
  const store = new ExperimentStore({ fs });
  const gitDir = join(
    inject('jupyterServer').rootDir,
    client.store ?? '',
    'experiments.git'
  );
  const cli = (...args: string[]) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });
  return { client, fs, store, cli };
}

describe('ExperimentStore', () => {
  describe('#save()', () => {
    it('should write one commit on its own ref that the git CLI reads', async () => {
      const { store, cli } = setup('save');
      const manifest = makeManifest(ids.next());
      const entry = await store.save({
        manifest,
        files: [
          { path: 'notebook.ipynb', data: bytes('{"cells": []}') },
          { path: 'requirements.txt', data: bytes('numpy==2.1.0\n') },
          { path: 'data/raw/wine.csv', data: bytes('a,b\n1,2\n') }
        ]
      });
      expect(entry.ref).toBe(
        experimentRef(manifest.notebook.slug, manifest.id)
      );
      cli('fsck', '--strict', '--no-dangling');
      expect(cli('log', '--format=%s', entry.ref).trim()).toBe(
        'snapshot: brave-otter'
      );
      expect(cli('show', `${entry.ref}:data/raw/wine.csv`)).toBe('a,b\n1,2\n');
      expect(JSON.parse(cli('show', `${entry.ref}:manifest.json`))).toEqual(
        manifest
      );
      expect(
        cli('ls-tree', '--name-only', entry.ref).trim().split('\n')
      ).toEqual([
        'data',
        'manifest.json',
        'notebook.ipynb',
        'requirements.txt'
      ]);
    });

    it.each([
      ['../escape.txt', 'E_PATH_INVALID'],
      ['/abs.txt', 'E_PATH_INVALID'],
      ['data/.git/config', 'E_PATH_INVALID'],
      ['a\\b', 'E_PATH_INVALID'],
      ['manifest.json', 'E_BAD_REQUEST']
    ])(
      'should refuse the file path %j with %s and create no ref',
      async (path, code) => {
        const { store } = setup('badpath');
        const manifest = makeManifest(ids.next());
        expect(
          await codeOf(
            store.save({ manifest, files: [{ path, data: bytes('x') }] })
          )
        ).toBe(code);
        expect(await store.list()).toEqual([]);
      }
    );

    it('should refuse an invalid manifest before writing anything', async () => {
      const { store } = setup('badmanifest');
      const manifest = makeManifest(ids.next(), {
        metrics: { accuracy: Number.NaN }
      });
      expect(await codeOf(store.save({ manifest, files: [] }))).toBe(
        'E_MANIFEST_INVALID'
      );
      expect(await store.list()).toEqual([]);
    });
  });

  describe('#list()', () => {
    it('should list experiments per notebook and for all, newest first', async () => {
      const { store } = setup('list');
      const other = 'other/notebook.ipynb';
      const a = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      const b = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      const c = await store.save({
        manifest: makeManifest(ids.next(), {
          notebook: {
            ...makeManifest(ids.next()).notebook,
            path: other,
            slug: notebookSlug(other)
          }
        }),
        files: []
      });
      expect((await store.list()).map(e => e.id)).toEqual([c.id, b.id, a.id]);
      expect((await store.list(a.slug)).map(e => e.id)).toEqual([b.id, a.id]);
      expect((await store.list(c.slug)).map(e => e.ref)).toEqual([c.ref]);
      expect(await store.list('no-such-slug-00000000')).toEqual([]);
    });

    it('should list past linked folders in refs instead of walking them forever', async () => {
      const { store, client } = setup('linked');
      const saved = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      // A shared store with a loop of links in a notebook's refs folder:
      // followed, `a/b/a/b/…` doubles at each level (about 2^490 paths).
      const folder = join(
        inject('jupyterServer').rootDir,
        client.store ?? '',
        'experiments.git',
        'refs',
        'exps',
        saved.slug
      );
      symlinkSync('.', join(folder, 'a'));
      symlinkSync('.', join(folder, 'b'));
      symlinkSync(folder, join(folder, '..', 'looped-00000000'));
      expect((await store.list()).map(e => e.ref)).toEqual([saved.ref]);
      expect((await store.list(saved.slug)).map(e => e.ref)).toEqual([
        saved.ref
      ]);
    });

    it('should be empty before the first snapshot', async () => {
      expect(await setup('empty').store.list()).toEqual([]);
    });

    it('should keep every experiment when two writers save at once', async () => {
      const first = setup('concurrent');
      // A second adapter and store over the same folder, like a second tab.
      const second = new ExperimentStore({
        fs: new BridgeGitFs({ client: first.client })
      });
      await first.store.ensure();
      const saves = [];
      for (let i = 0; i < 15; i++) {
        saves.push(
          first.store.save({ manifest: makeManifest(ids.next()), files: [] })
        );
        saves.push(
          second.save({ manifest: makeManifest(ids.next()), files: [] })
        );
      }
      const saved = await Promise.all(saves);
      const listed = await first.store.list();
      expect(listed.map(e => e.ref).sort()).toEqual(
        saved.map(e => e.ref).sort()
      );
      first.cli('fsck', '--strict', '--no-dangling');
    });
  });

  describe('#update()', () => {
    it('should record edits as a new commit with the old tip as parent', async () => {
      const { store, cli } = setup('update');
      const saved = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      const updated = await store.update(saved.ref, {
        name: 'tuned depth',
        tags: ['baseline'],
        starred: true
      });
      expect(updated.manifest.user).toMatchObject({
        name: 'tuned depth',
        starred: true
      });
      const read = await store.read(saved.ref);
      expect(read.oid).toBe(updated.oid);
      expect(read.manifest.user.tags).toEqual(['baseline']);
      expect(cli('rev-parse', `${saved.ref}~1`).trim()).toBe(saved.oid);
      expect(await codeOf(store.update(saved.ref, { name: '' }))).toBe(
        'E_MANIFEST_INVALID'
      );
    });
  });

  describe('#read()', () => {
    it('should fail with E_MANIFEST_INVALID on a corrupt manifest', async () => {
      const { store, cli } = setup('corrupt');
      const manifest = makeManifest(ids.next());
      await store.save({ manifest, files: [] });
      // Write a commit whose manifest is not JSON with the git CLI.
      const ref = experimentRef(manifest.notebook.slug, ids.next());
      writeManifestCommit(gitCli(cliGitDir(cli)), ref, '{not json');
      expect(await codeOf(store.read(ref))).toBe('E_MANIFEST_INVALID');
      expect(
        await codeOf(store.read(experimentRef('nope-00000000', ids.next())))
      ).toBe('E_NOT_FOUND');
      expect(await codeOf(store.read('refs/heads/main'))).toBe('E_BAD_REQUEST');
    });
  });

  describe('#remove()', () => {
    it('should delete the ref and keep the objects', async () => {
      const { store, cli } = setup('remove');
      const saved = await store.save({
        manifest: makeManifest(ids.next()),
        files: []
      });
      await store.remove(saved.ref);
      expect(await store.list()).toEqual([]);
      expect(cli('cat-file', '-t', saved.oid).trim()).toBe('commit');
      expect(await codeOf(store.remove(saved.ref))).toBe('E_NOT_FOUND');
    });
  });
});

describe('parseExperimentRef()', () => {
  it('should accept only refs/exps/<slug>/<ulid>', () => {
    const id = ids.next();
    expect(parseExperimentRef(`refs/exps/wine-1a2b3c4d/${id}`)).toEqual({
      slug: 'wine-1a2b3c4d',
      id
    });
    for (const bad of [
      'refs/heads/main',
      `refs/exps/../x/${id}`,
      `refs/exps/UPPER/${id}`,
      'refs/exps/wine/not-a-ulid',
      `refs/exps/wine/${id}/extra`
    ]) {
      expect(parseExperimentRef(bad)).toBeNull();
    }
  });
});

function cliGitDir(cli: (...args: string[]) => string): string {
  return cli('rev-parse', '--absolute-git-dir').trim();
}
