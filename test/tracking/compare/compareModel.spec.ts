import { describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { MlopsError } from '../../../src/errors';
import { CompareModel } from '../../../src/tracking/compare/compareModel';
import { Manifest } from '../../../src/tracking/store/manifest';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { experimentRef } from '../../../src/tracking/store/refs';
import { UlidFactory } from '../../../src/util/ids';
import { isolatedClient } from '../../support/client';
import { makeManifest } from '../fixtures';

// Experiments written to a real store, through the run's jupyter_server.
const ids = new UlidFactory();

function notebook(...sources: string[]): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: sources.map(source => ({
        cell_type: 'code',
        source,
        metadata: {},
        outputs: [],
        execution_count: null
      }))
    })
  );
}

async function setup() {
  const store = new ExperimentStore({
    fs: new BridgeGitFs({ client: isolatedClient('compare') })
  });
  const save = async (
    over: Partial<Manifest>,
    cells: string[] | null
  ): Promise<string> => {
    const manifest = makeManifest(ids.next(), over);
    const files = cells
      ? [{ path: 'notebook.ipynb', data: notebook(...cells) }]
      : [];
    return (await store.save({ manifest, files })).ref;
  };
  const first = await save(
    {
      parameters: { depth: 2, lr: 0.1 },
      metrics: { accuracy: 0.9 },
      user: { ...makeManifest('x').user, name: 'first' }
    },
    ['import x', 'depth = 2', 'train()']
  );
  const second = await save(
    {
      parameters: { depth: 5, lr: 0.1 },
      metrics: { accuracy: 0.95 },
      environment: {
        python: '3.11.7',
        platform: 'linux',
        packages: { numpy: '2.2.0' }
      },
      user: { ...makeManifest('x').user, name: 'second' }
    },
    ['import x', 'depth = 5', 'train()']
  );
  const third = await save(
    { user: { ...makeManifest('x').user, name: 'no notebook' } },
    null
  );
  return { store, first, second, third };
}

describe('CompareModel', () => {
  it('should read the experiments and diff them', async () => {
    const { store, first, second } = await setup();
    const model = new CompareModel({
      refs: [first, second],
      store: () => store
    });
    expect(model.status).toBe('loading');
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    await model.load();
    expect(changes).toBe(1);
    expect(model.status).toBe('ready');
    expect(model.error).toBeNull();
    expect(model.names).toEqual(['first', 'second']);
    expect(model.pair).toEqual([0, 1]);

    expect(model.rows.find(row => row.key === 'depth')).toEqual({
      section: 'parameter',
      key: 'depth',
      values: [2, 5],
      differs: true
    });
    expect(model.metricSeries).toEqual([
      { key: 'accuracy', values: [0.9, 0.95], differs: true }
    ]);
    expect(
      model.environment.packages.map(row => [row.key, row.values])
    ).toEqual([['numpy', ['2.1.0', '2.2.0']]]);
    expect(model.data).toEqual([]);
    expect(
      model.notebookDiff?.map(cell => [cell.status, cell.before, cell.after])
    ).toEqual([
      ['same', 0, 0],
      ['changed', 1, 1],
      ['same', 2, 2]
    ]);
    expect(model.csv().split('\r\n')[0]).toBe('section,key,first,second');
  });

  it('should say which of the compared were deleted since, once each', async () => {
    const { store, first, second, third } = await setup();
    const model = new CompareModel({
      refs: [first, second],
      store: () => store
    });
    await model.load();
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    model.markRemoved(third);
    expect(model.removed).toEqual([]);
    model.markRemoved(second);
    model.markRemoved(second);
    expect(model.removed).toEqual([second]);
    expect(changes).toBe(1);
    // What was read stays shown.
    expect(model.names).toEqual(['first', 'second']);
  });

  it('should compare metrics against a chosen baseline', async () => {
    const { store, first, second } = await setup();
    const model = new CompareModel({
      refs: [first, second],
      store: () => store,
      baseline: 1,
      directions: { accuracy: 'lower' }
    });
    await model.load();
    expect(model.baseline).toBe(1);
    // Accuracy is "lower is better" by setting: the older run is better.
    expect(model.metrics).toEqual([
      {
        key: 'accuracy',
        direction: 'lower',
        values: [0.9, 0.95],
        deltas: [
          {
            absolute: expect.closeTo(-0.05, 10),
            relative: expect.closeTo(-0.0526, 3),
            verdict: 'better'
          },
          null
        ],
        best: [0]
      }
    ]);
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    model.baseline = 0;
    expect(changes).toBe(1);
    expect(model.metrics[0].deltas[1]).toMatchObject({ verdict: 'worse' });
    // A column past the last reads as the last one.
    model.baseline = 7;
    expect(model.baseline).toBe(1);
  });

  it('should keep only differences when asked, and say so', async () => {
    const { store, first, second } = await setup();
    const model = new CompareModel({
      refs: [first, second],
      store: () => store
    });
    await model.load();
    let changes = 0;
    model.changed.connect(() => (changes += 1));
    expect(model.rows.map(row => row.key)).toContain('lr');

    model.onlyDifferences = true;
    expect(changes).toBe(1);
    expect(model.rows.map(row => row.key)).not.toContain('lr');
    expect(model.rows.map(row => row.key)).toContain('depth');
    // The export has what is shown.
    expect(model.csv()).not.toContain('lr');

    // Unchanged: no news.
    model.onlyDifferences = true;
    expect(changes).toBe(1);
  });

  it('should leave the code diff out for a pair without a notebook', async () => {
    const { store, first, second, third } = await setup();
    const model = new CompareModel({
      refs: [first, second, third],
      store: () => store
    });
    await model.load();
    expect(model.notebookDiff).not.toBeNull();

    let changes = 0;
    model.changed.connect(() => (changes += 1));
    model.setPair(0, 2);
    expect(changes).toBe(1);
    expect(model.pair).toEqual([0, 2]);
    expect(model.notebookDiff).toBeNull();
    // The rest of the comparison still stands.
    expect(model.names).toEqual(['first', 'second', 'no notebook']);

    model.setPair(0, 2);
    expect(changes).toBe(1);
  });

  it('should fail with the store’s code when an experiment is missing', async () => {
    const { store, first } = await setup();
    const missing = experimentRef('nowhere-0000000000', ids.next());
    const model = new CompareModel({
      refs: [first, missing],
      store: () => store
    });
    await model.load();
    expect(model.status).toBe('failed');
    expect(model.error).toBeInstanceOf(MlopsError);
    expect(model.error?.code).toBe('E_NOT_FOUND');
    expect(model.error?.toString()).toBe(
      `No experiment ${missing}. [E_NOT_FOUND]`
    );
    expect(model.manifests).toEqual([]);
  });
});
