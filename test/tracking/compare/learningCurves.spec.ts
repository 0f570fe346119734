import { describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { CompareModel } from '../../../src/tracking/compare/compareModel';
import { learningCurves } from '../../../src/tracking/compare/learningCurves';
import { Manifest } from '../../../src/tracking/store/manifest';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { UlidFactory } from '../../../src/util/ids';
import { isolatedClient } from '../../support/client';
import { makeManifest } from '../fixtures';

const ids = new UlidFactory();

function run(metricSeries?: Manifest['metricSeries']): Manifest {
  return makeManifest(ids.next(), metricSeries ? { metricSeries } : {});
}

describe('learningCurves()', () => {
  it('should give each metric one x axis of steps and a y series per experiment, null where a run has no point', () => {
    const manifests = [
      run({
        loss: [
          [0, 1],
          [2, 0.5]
        ],
        acc: [[2, 0.7]]
      }),
      run(),
      run({
        loss: [
          [1, 0.9],
          [2, 0.4],
          [5, 0.1]
        ]
      })
    ];
    expect(learningCurves(manifests)).toEqual([
      {
        key: 'acc',
        steps: [2],
        values: [[0.7], [null], [null]],
        counts: [1, 0, 0]
      },
      {
        key: 'loss',
        steps: [0, 1, 2, 5],
        values: [
          [1, null, 0.5, null],
          [null, null, null, null],
          [null, 0.9, 0.4, 0.1]
        ],
        counts: [2, 0, 3]
      }
    ]);
  });

  it('should give no curves when no experiment has a series', () => {
    expect(learningCurves([run(), run({})])).toEqual([]);
    expect(learningCurves([])).toEqual([]);
  });

  it('should read own series only, whatever the metric is called', () => {
    const one = (key: string, step: number, value: number) =>
      run({ [key]: [[step, value]] });
    const curves = learningCurves([
      one('constructor', 3, 1),
      one('toString', 4, 2)
    ]);
    expect(curves.map(curve => curve.key)).toEqual(['constructor', 'toString']);
    expect(curves[0].values).toEqual([[1], [null]]);
    expect(curves[1].values).toEqual([[null], [2]]);
  });

  it('should return the same curves for the same manifests, new ones for others', () => {
    const manifests = [run({ loss: [[0, 1]] })];
    const first = learningCurves(manifests);
    expect(learningCurves(manifests)).toBe(first);
    expect(learningCurves([...manifests])).not.toBe(first);
    expect(learningCurves([...manifests])).toEqual(first);
  });

  it('should merge long series of many runs on one sorted axis', () => {
    const long = (offset: number): [number, number][] =>
      Array.from({ length: 10_000 }, (_, i) => [i * 2 + offset, i]);
    const [curve] = learningCurves([
      run({ loss: long(0) }),
      run({ loss: long(1) })
    ]);
    expect(curve.steps).toHaveLength(20_000);
    expect(curve.steps.every((s, i) => s === i)).toBe(true);
    expect(curve.values[0][4]).toBe(2);
    expect(curve.values[0][5]).toBeNull();
    expect(curve.values[1][5]).toBe(2);
  });
});

describe('CompareModel', () => {
  describe('#learningCurves', () => {
    it('should draw the curves of experiments read from a real store', async () => {
      const store = new ExperimentStore({
        fs: new BridgeGitFs({ client: isolatedClient('curves') })
      });
      const save = async (manifest: Manifest) =>
        (await store.save({ manifest, files: [] })).ref;
      const refs = [
        await save(
          run({
            loss: [
              [0, 1],
              [1, 0.5]
            ]
          })
        ),
        await save(
          run({
            loss: [
              [0, 0.8],
              [1, 0.3]
            ]
          })
        )
      ];
      const model = new CompareModel({ refs, store: () => store });
      expect(model.learningCurves).toEqual([]);
      await model.load();
      expect(model.learningCurves).toEqual([
        {
          key: 'loss',
          steps: [0, 1],
          values: [
            [1, 0.5],
            [0.8, 0.3]
          ],
          counts: [2, 2]
        }
      ]);
      expect(model.learningCurves).toBe(model.learningCurves);
    });
  });
});
