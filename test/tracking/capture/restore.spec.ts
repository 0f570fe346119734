import { ContentsManager } from '@jupyterlab/services';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { describe, expect, it } from 'vitest';

import { UlidFactory } from '../../../src/util/ids';
import { restorePath } from '../../../src/tracking/capture/restore';
import { restoreExperiment } from '../../../src/widgets/restoreExperiment';
import { serverSettings } from '../../support/client';
import { makeManifest } from '../fixtures';

describe('restorePath()', () => {
  it('should name the copy after the experiment, next to the original', async () => {
    expect(
      await restorePath(
        'examples/wine.ipynb',
        'brisk-otter-7f',
        async () => false
      )
    ).toBe('examples/wine.brisk-otter-7f.ipynb');
    expect(await restorePath('top.ipynb', 'x', async () => false)).toBe(
      'top.x.ipynb'
    );
  });

  it('should never overwrite an existing file', async () => {
    const taken = new Set(['a/nb.run.ipynb', 'a/nb.run-2.ipynb']);
    expect(
      await restorePath('a/nb.ipynb', 'run', async p => taken.has(p))
    ).toBe('a/nb.run-3.ipynb');
  });

  it('should keep hostile names out of the path', async () => {
    const path = await restorePath(
      'a/nb.ipynb',
      '../../<img src=x>/etc',
      async () => false
    );
    expect(path).toBe('a/nb.img-src-x-etc.ipynb');
    expect(await restorePath('a/nb.ipynb', '///', async () => false)).toBe(
      'a/nb.restored.ipynb'
    );
  });
});

const ids = new UlidFactory();

/**
 * A stored notebook whose cells claim trust and whose outputs run script.
 * Its content is new on every run: the notary's signatures outlive the
 * server (same content, same signature), and a stale one would hide a
 * regression.
 */
const HOSTILE = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } },
  cells: [
    {
      id: 'a',
      cell_type: 'code',
      source: `x = 1  # ${process.pid}-${Date.now()}-${Math.random()}`,
      metadata: { trusted: true, tags: ['parameters'] },
      execution_count: 1,
      outputs: [
        {
          output_type: 'display_data',
          metadata: {},
          data: {
            'text/html': '<script>window.__mlopsPwned=1;alert(1)</script>',
            'text/plain': 'x'
          }
        },
        {
          output_type: 'execute_result',
          execution_count: 1,
          metadata: {},
          data: { 'application/javascript': 'window.__mlopsPwned=3' }
        }
      ]
    },
    {
      id: 'b',
      cell_type: 'code',
      source: 'y = 2',
      metadata: { trusted: true },
      execution_count: 2,
      outputs: [
        {
          output_type: 'display_data',
          metadata: {},
          data: { 'text/html': '<img src=x onerror="window.__mlopsPwned=2">' }
        }
      ]
    },
    { id: 'c', cell_type: 'markdown', source: '# t', metadata: {} }
  ]
};

interface ICodeCell {
  cell_type: string;
  metadata: Record<string, unknown>;
}

describe('restoreExperiment()', () => {
  it('should write a notebook the server does not sign (no cell trust restored)', async () => {
    const folder = `restore-trust-${process.pid}-${Date.now()}`;
    const manifest = makeManifest(ids.next(), {
      notebook: {
        ...makeManifest(ids.next()).notebook,
        path: `${folder}/nb.ipynb`
      }
    });
    const ref = `refs/exps/${manifest.notebook.slug}/${manifest.id}`;
    // Only the stored notebook is read; the store itself has specs of its own.
    const store = {
      readFile: async (at: string, file: string) => {
        expect([at, file]).toEqual([ref, 'notebook.ipynb']);
        return new TextEncoder().encode(JSON.stringify(HOSTILE));
      }
    };
    const contents = new ContentsManager({ serverSettings: serverSettings() });
    await contents.save(folder, { type: 'directory' });
    const opened: unknown[] = [];
    // The command registry needs a DOM; the restore only executes.
    const commands = {
      execute: async (id: string, args?: ReadonlyPartialJSONObject) => {
        opened.push([id, args?.path]);
      }
    };
    const path = await restoreExperiment({
      store,
      experimentRef: ref,
      manifest,
      contents,
      commands
    });
    expect(path).toBe(`${folder}/nb.brave-otter.ipynb`);
    expect(opened).toEqual([['docmanager:open', path]]);
    const restored = await contents.get(path);
    const cells = (restored.content as { cells: ICodeCell[] }).cells;
    // jupyter_server marks every code cell from the signature check.
    expect(
      cells.filter(c => c.cell_type === 'code').map(c => c.metadata.trusted)
    ).toEqual([false, false]);
    // Outputs and other metadata are kept as stored.
    expect(cells[0].metadata.tags).toEqual(['parameters']);
    expect(JSON.stringify(restored.content)).toContain('__mlopsPwned=3');

    // The control: the server signs a notebook whose code cells all claim
    // trust, so the stored JSON saved as it is would come back trusted.
    // (After the restore: a signature holds for the same content anywhere.)
    await contents.save(`${folder}/control.ipynb`, {
      type: 'notebook',
      format: 'json',
      content: HOSTILE
    });
    const control = await contents.get(`${folder}/control.ipynb`);
    expect(
      (control.content as { cells: ICodeCell[] }).cells
        .filter(c => c.cell_type === 'code')
        .map(c => c.metadata.trusted)
    ).toEqual([true, true]);
  });
});
