import { Manifest } from '../../src/tracking/store/manifest';
import { notebookSlug } from '../../src/util/ids';

/**
 * A valid manifest for tests; `over` replaces top-level fields.
 */
export function makeManifest(
  id: string,
  over: Partial<Manifest> = {}
): Manifest {
  const path = 'examples/wine_classifier.ipynb';
  return {
    schemaVersion: 1,
    id,
    createdAt: '2026-11-23T12:00:00.000Z',
    notebook: {
      path,
      slug: notebookSlug(path),
      contentHash: 'a'.repeat(64),
      cellHashes: ['b'.repeat(64)],
      kernelName: 'python3'
    },
    parameters: { n_estimators: 50, max_depth: 2, data_path: 'data/wine.csv' },
    metrics: { accuracy: 0.93, f1_macro: 0.92 },
    data: [],
    environment: {
      python: '3.11.7',
      platform: 'linux',
      packages: { numpy: '2.1.0' }
    },
    health: {
      kernel: 'live',
      outOfOrder: false,
      editedAfterRun: [],
      neverRun: []
    },
    code: null,
    user: {
      name: 'brave-otter',
      tags: [],
      starred: false,
      note: '',
      parent: null
    },
    ...over
  };
}
