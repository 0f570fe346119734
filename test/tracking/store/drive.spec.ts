import { ContentsManager } from '@jupyterlab/services';
import { describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import {
  EXPERIMENT_DRIVE,
  ExperimentDrive,
  experimentNotebookPath,
  parseExperimentNotebookPath,
  readOnlyNotebook
} from '../../../src/tracking/store/drive';
import { UlidFactory } from '../../../src/util/ids';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { isolatedClient, serverSettings } from '../../support/client';
import { codeOf } from '../../support/errors';
import { makeManifest } from '../fixtures';

const ids = new UlidFactory();
const bytes = (text: string) => new TextEncoder().encode(text);

const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
  cells: [
    {
      id: 'a',
      cell_type: 'code',
      source: 'n_estimators = 50',
      metadata: { tags: ['parameters'], trusted: true },
      outputs: [
        {
          output_type: 'display_data',
          metadata: {},
          data: { 'text/html': '<img src=x onerror=alert(1)>' }
        }
      ],
      execution_count: 1
    },
    { id: 'b', cell_type: 'markdown', source: ['# Title\n', 'text'] }
  ]
};

async function setup(
  prefix: string,
  notebook: string = JSON.stringify(NOTEBOOK)
) {
  const client = isolatedClient(prefix);
  const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
  const manifest = makeManifest(ids.next());
  const entry = await store.save({
    manifest,
    files: [{ path: 'notebook.ipynb', data: bytes(notebook) }]
  });
  const drive = new ExperimentDrive({
    store: () => store,
    serverSettings: serverSettings()
  });
  const path = experimentNotebookPath(entry.ref, manifest.notebook.path);
  return { store, drive, manifest, entry, path };
}

describe('experimentNotebookPath()', () => {
  it('should name the file like the notebook, under slug and id', () => {
    const ref = `refs/exps/wine-1a2b3c4d/${ids.next()}`;
    const path = experimentNotebookPath(ref, 'examples/wine_classifier.ipynb');
    expect(path).toBe(
      `${EXPERIMENT_DRIVE}:wine-1a2b3c4d/${ref.split('/')[3]}/wine_classifier.ipynb`
    );
    expect(parseExperimentNotebookPath(path)).toEqual({
      ref,
      name: 'wine_classifier.ipynb'
    });
  });

  it('should keep hostile notebook names out of the path', () => {
    const ref = `refs/exps/x/${ids.next()}`;
    const path = experimentNotebookPath(ref, 'a/<img src=x>/../..%2F.ipynb');
    expect(path.split(':')[1].split('/')).toHaveLength(3);
    expect(path).not.toMatch(/[<>%]|\.\./);
    expect(() => experimentNotebookPath('refs/heads/main', 'a.ipynb')).toThrow(
      /Not an experiment ref/
    );
  });

  it('should refuse paths that are not experiment notebooks', () => {
    for (const bad of [
      '',
      'wine/01ARZ3NDEKTSV4RRFFQ69G5FAV',
      'wine/not-an-id/x.ipynb',
      '../wine/01ARZ3NDEKTSV4RRFFQ69G5FAV/x.ipynb',
      'wine/01ARZ3NDEKTSV4RRFFQ69G5FAV/a/b.ipynb',
      'wine/01ARZ3NDEKTSV4RRFFQ69G5FAV/<b>.ipynb'
    ]) {
      expect(parseExperimentNotebookPath(bad), bad).toBeNull();
    }
  });
});

describe('readOnlyNotebook()', () => {
  it('should lock every cell and trust none', () => {
    const out = readOnlyNotebook(bytes(JSON.stringify(NOTEBOOK)));
    const cells = out.cells as { metadata: Record<string, unknown> }[];
    for (const cell of cells) {
      expect(cell.metadata.editable).toBe(false);
      expect(cell.metadata.deletable).toBe(false);
      expect('trusted' in cell.metadata).toBe(false);
    }
    expect(cells[0].metadata.tags).toEqual(['parameters']);
    expect(out.metadata).toEqual(NOTEBOOK.metadata);
  });

  it('should refuse what is not an nbformat 4 notebook', async () => {
    for (const bad of [
      '',
      '\xff',
      'null',
      '[]',
      '{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "cells": []}',
      '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [1]}',
      '{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "evil", "source": ""}]}'
    ]) {
      expect(
        await codeOf(
          Promise.resolve().then(() => readOnlyNotebook(bytes(bad)))
        ),
        bad
      ).toBe('E_STORE_CORRUPT');
    }
    const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0x7d]);
    expect(
      await codeOf(Promise.resolve().then(() => readOnlyNotebook(invalidUtf8)))
    ).toBe('E_STORE_CORRUPT');
  });
});

describe('ExperimentDrive', () => {
  describe('#get()', () => {
    it('should serve the stored notebook read-only through the contents manager', async () => {
      const { drive, path, manifest } = await setup('drive-get');
      const contents = new ContentsManager({
        serverSettings: serverSettings()
      });
      contents.addDrive(drive);
      const model = await contents.get(path);
      expect(model).toMatchObject({
        path,
        name: 'wine_classifier.ipynb',
        type: 'notebook',
        format: 'json',
        writable: false,
        created: manifest.createdAt
      });
      const cells = (model.content as typeof NOTEBOOK).cells;
      expect(cells.map(c => c.source)).toEqual([
        'n_estimators = 50',
        ['# Title\n', 'text']
      ]);
      expect(cells[0].metadata).toEqual({
        tags: ['parameters'],
        editable: false,
        deletable: false
      });
      const bare = await contents.get(path, { content: false });
      expect(bare.content).toBeNull();
      expect(bare.writable).toBe(false);
    });

    it('should fail with E_NOT_FOUND for other paths and missing experiments', async () => {
      const { drive, entry } = await setup('drive-missing');
      const [, , slug, id] = entry.ref.split('/');
      expect(await codeOf(drive.get(`${slug}/${id}/other.ipynb`))).toBe(
        'E_NOT_FOUND'
      );
      expect(
        await codeOf(drive.get(`${slug}/${ids.next()}/wine_classifier.ipynb`))
      ).toBe('E_NOT_FOUND');
      expect(await codeOf(drive.get('../../etc/passwd'))).toBe('E_NOT_FOUND');
      expect(await codeOf(drive.get(''))).toBe('E_NOT_FOUND');
    });

    it('should fail with E_STORE_CORRUPT when the stored notebook is not one', async () => {
      const { drive, path } = await setup('drive-corrupt', '{"cells": "no"}');
      expect(await codeOf(drive.get(path.split(':')[1]))).toBe(
        'E_STORE_CORRUPT'
      );
    });
  });

  describe('writing', () => {
    it('should refuse every write with E_READ_ONLY and leave the commit as it was', async () => {
      const { drive, path, store, entry } = await setup('drive-write');
      const contents = new ContentsManager({
        serverSettings: serverSettings()
      });
      contents.addDrive(drive);
      const local = path.split(':')[1];
      const attempts: Promise<unknown>[] = [
        contents.save(path, { type: 'notebook', format: 'json', content: {} }),
        contents.delete(path),
        contents.rename(path, `${path}.bak`),
        contents.copy(path, `${EXPERIMENT_DRIVE}:x`),
        contents.createCheckpoint(path),
        contents.restoreCheckpoint(path, 'c'),
        contents.deleteCheckpoint(path, 'c'),
        drive.newUntitled({ path: local, type: 'notebook' })
      ];
      for (const attempt of attempts) {
        expect(await codeOf(attempt)).toBe('E_READ_ONLY');
      }
      expect(await contents.listCheckpoints(path)).toEqual([]);
      await expect(drive.getDownloadUrl(local)).rejects.toMatchObject({
        code: 'E_NOT_FOUND'
      });
      // The experiment is untouched.
      expect((await store.list()).map(e => e.oid)).toEqual([entry.oid]);
      const stored = new TextDecoder().decode(
        await store.readFile(entry.ref, 'notebook.ipynb')
      );
      expect(JSON.parse(stored)).toEqual(NOTEBOOK);
    });
  });
});
