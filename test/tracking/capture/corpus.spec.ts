import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { isMlopsError } from '../../../src/errors';
import { takeSnapshot } from '../../../src/tracking/capture/snapshot';
import {
  Manifest,
  manifestSchema,
  parseManifest
} from '../../../src/tracking/store/manifest';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { UlidFactory } from '../../../src/util/ids';
import { isolatedClient } from '../../support/client';

/**
 * The real-notebook corpus (test/fixtures/notebooks, see its README):
 * every notebook is snapshotted twice through the real capture path (the
 * secret scan, the bridge's hash jobs, the git store), kernel-less as a
 * notebook opened with no kernel is. None may throw, none may hold a
 * secret (the scan's false-positive rate on ordinary notebooks is zero),
 * the content hash must not move between the two snapshots, and the
 * stored manifest must parse.
 */

const CORPUS = join(__dirname, '..', '..', 'fixtures', 'notebooks');

function notebooksUnder(folder: string): string[] {
  return readdirSync(folder)
    .flatMap(name => {
      const full = join(folder, name);
      return statSync(full).isDirectory()
        ? notebooksUnder(full)
        : name.endsWith('.ipynb')
          ? [full]
          : [];
    })
    .sort();
}

const files = notebooksUnder(CORPUS).map(full => relative(CORPUS, full));

describe('the real-notebook corpus', () => {
  const client = isolatedClient('corpus');
  const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
  const ids = new UlidFactory();
  const manifests = new Map<string, Manifest>();

  async function snapshot(file: string) {
    const notebook: unknown = JSON.parse(
      readFileSync(join(CORPUS, file), 'utf8')
    );
    return takeSnapshot({
      notebook,
      path: `corpus/${file}`,
      kernel: null,
      kernelSpecName: null,
      store,
      ids,
      client,
      captureMaxBytes: 1024
    });
  }

  // The manifest the corpus run stored, or a new snapshot's when this test
  // runs alone (vitest -t).
  async function manifestOf(file: string): Promise<Manifest> {
    return manifests.get(file) ?? (await snapshot(file)).manifest;
  }

  beforeAll(async () => {
    await client.initStore();
  });

  it('should hold at least 30 notebooks of four projects, each under 1 MB, with their licences', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    const projects = new Set(files.map(file => file.split('/')[0]));
    expect([...projects].sort()).toEqual([
      'elyra',
      'kale',
      'nbformat',
      'papermill'
    ]);
    for (const project of projects) {
      expect(
        readFileSync(join(CORPUS, project, 'LICENSE'), 'utf8').length
      ).toBeGreaterThan(500);
    }
    const readme = readFileSync(join(CORPUS, 'README.md'), 'utf8');
    for (const file of files) {
      expect(statSync(join(CORPUS, file)).size).toBeLessThan(1024 * 1024);
      expect(readme).toContain(file.split('/').slice(1).join('/'));
    }
  });

  it.each(files)(
    'should snapshot %s twice with a stable content hash and no secret',
    async file => {
      let first: Awaited<ReturnType<typeof snapshot>>;
      try {
        first = await snapshot(file);
      } catch (reason) {
        // The one refusal the capture may make, and it must not happen
        // here: these are ordinary notebooks.
        expect(isMlopsError(reason, 'E_SECRET_FOUND')).toBe(true);
        throw reason;
      }
      const second = await snapshot(file);
      expect(second.manifest.notebook.contentHash).toBe(
        first.manifest.notebook.contentHash
      );
      expect(second.manifest.notebook.cellHashes).toEqual(
        first.manifest.notebook.cellHashes
      );
      expect(second.manifest.parameters).toEqual(first.manifest.parameters);
      const stored = await store.read(first.ref);
      expect(manifestSchema.safeParse(stored.manifest).success).toBe(true);
      expect(stored.manifest).toEqual(first.manifest);
      const bytes = new TextEncoder().encode(JSON.stringify(stored.manifest));
      expect(parseManifest(bytes).id).toBe(first.manifest.id);
      manifests.set(file, stored.manifest);
    }
  );

  // What a reader of each notebook expects a snapshot to say about it.
  it.each<[string, Partial<Manifest>, Partial<Manifest['health']>?]>([
    [
      'kale/backend/kale/tests/assets/notebooks/pipeline_parameters_and_metrics.ipynb',
      {
        parameters: { d1: 5, d2: 6, booltest: true, strtest: 'test' },
        metrics: {},
        skippedParameters: []
      }
    ],
    [
      'kale/examples/serving/sklearn/iris.ipynb',
      { parameters: { N_ESTIMATORS: 500, MAX_DEPTH: 2 } }
    ],
    [
      'kale/examples/dog-breed-classification/dog-breed-v2.ipynb',
      {
        parameters: {
          LR: 6e-4,
          BATCH_SIZE: 32,
          NUMBER_OF_NODES: 256,
          EPOCHS: 4,
          IMG_SIZE: 224
        }
      }
    ],
    [
      'papermill/binder/cli-simple/simple_output.ipynb',
      { parameters: { msg: 'Hello' } }
    ],
    [
      'papermill/papermill/tests/notebooks/complex_parameters.ipynb',
      { parameters: { msg: null, a: 2.25, c: null } }
    ],
    [
      'papermill/papermill/tests/notebooks/keyboard_interrupt.ipynb',
      {},
      { failedCells: [0], interrupted: true }
    ],
    [
      'papermill/binder/cli-simple/pm_example.ipynb',
      {},
      { failedCells: [4], interrupted: false }
    ],
    [
      'nbformat/tests/many_tracebacks.ipynb',
      {},
      { failedCells: [0], interrupted: false }
    ],
    [
      'papermill/papermill/tests/notebooks/sysexit0.ipynb',
      {},
      { failedCells: [], interrupted: false, neverRun: [0, 1, 2] }
    ]
  ])('should record what %s says', async (file, expected, health = {}) => {
    const manifest = await manifestOf(file);
    expect(manifest).toMatchObject(expected);
    expect(manifest.health).toMatchObject(health);
  });

  it('should list the parameter lines papermill complex_parameters.ipynb has that are not literals', async () => {
    const manifest = await manifestOf(
      'papermill/papermill/tests/notebooks/complex_parameters.ipynb'
    );
    expect(manifest.skippedParameters?.map(s => s.line)).toEqual([
      3, 4, 6, 7, 12, 14
    ]);
  });

  it('should record no failure in a notebook with no error output', async () => {
    for (const file of files) {
      manifests.set(file, await manifestOf(file));
    }
    const failed = [...manifests.entries()]
      .filter(([, m]) => (m.health.failedCells ?? []).length > 0)
      .map(([file]) => file)
      .sort();
    expect(failed).toEqual([
      'nbformat/tests/many_tracebacks.ipynb',
      'papermill/binder/cli-simple/pm_example.ipynb',
      'papermill/papermill/tests/notebooks/keyboard_interrupt.ipynb'
    ]);
  });

  it('should record a notebook whose kernelspec has an empty name as no kernel (null)', async () => {
    const saved = await takeSnapshot({
      notebook: JSON.parse(
        readFileSync(
          join(CORPUS, 'papermill/papermill/tests/notebooks/binder.ipynb'),
          'utf8'
        )
      ),
      path: 'corpus/binder.ipynb',
      kernel: null,
      kernelSpecName: '',
      store,
      ids,
      client,
      captureMaxBytes: 1024
    });
    expect(saved.manifest.notebook.kernelName).toBeNull();
  });
});
