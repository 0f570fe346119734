import { describe, expect, it } from 'vitest';

import { METRICS_MIME } from '../../../src/notebook/cells';
import {
  MAX_SERIES_METRICS,
  MAX_SERIES_TOTAL
} from '../../../src/notebook/metricSeries';
import {
  buildSnapshot,
  ICaptureInput
} from '../../../src/tracking/capture/capture';
import {
  parseManifest,
  serializeManifest
} from '../../../src/tracking/store/manifest';
import { UlidFactory } from '../../../src/util/ids';

const ids = new UlidFactory();

function input(outputs: unknown[]): ICaptureInput {
  return {
    id: ids.next(),
    createdAt: new Date('2026-11-30T12:00:00Z'),
    path: 'train.ipynb',
    notebook: {
      cells: [
        {
          cell_type: 'code',
          source:
            'for i in range(3):\n    log_metrics(step=i, loss=1 / (i + 1))',
          metadata: {},
          outputs,
          execution_count: 1
        }
      ]
    },
    kernelName: 'python3',
    kernel: 'none'
  };
}

/** An output of `log_metrics(step=step, **values)`. */
function stepped(step: number, values: Record<string, unknown>) {
  return {
    output_type: 'display_data',
    data: { [METRICS_MIME]: values, 'text/plain': `step ${step}` },
    metadata: { [METRICS_MIME]: { step } }
  };
}

describe('buildSnapshot() and metric series', () => {
  it('should store each stepped metric as [step, value] points, the last value as the metric', () => {
    const { manifest } = buildSnapshot(
      input([
        stepped(0, { loss: 1, acc: 0.5 }),
        stepped(1, { loss: 0.5 }),
        stepped(2, { loss: 0.25, acc: 0.75 })
      ])
    );
    expect(manifest.metrics).toEqual({ loss: 0.25, acc: 0.75 });
    expect(manifest.metricSeries).toEqual({
      loss: [
        [0, 1],
        [1, 0.5],
        [2, 0.25]
      ],
      acc: [
        [0, 0.5],
        [2, 0.75]
      ]
    });
    const back = parseManifest(serializeManifest(manifest));
    expect(back.metricSeries).toEqual(manifest.metricSeries);
    // Stored right after the metrics, for a readable `git diff`.
    const keys = Object.keys(
      JSON.parse(new TextDecoder().decode(serializeManifest(manifest)))
    );
    expect(keys.indexOf('metricSeries')).toBe(keys.indexOf('metrics') + 1);
  });

  it('should write no series field when no metric had a step', () => {
    const { manifest } = buildSnapshot(
      input([
        {
          output_type: 'display_data',
          data: { [METRICS_MIME]: { loss: 0.1 } }
        }
      ])
    );
    expect(manifest.metrics).toEqual({ loss: 0.1 });
    expect('metricSeries' in manifest).toBe(false);
    expect(new TextDecoder().decode(serializeManifest(manifest))).not.toContain(
      'metricSeries'
    );
  });

  it('should store an oversized, partly hostile log within the manifest bounds', () => {
    const values = Object.fromEntries(
      Array.from({ length: MAX_SERIES_METRICS + 50 }, (_, i) => [`m${i}`, i])
    );
    const outputs: unknown[] = Array.from({ length: 1500 }, (_, step) =>
      stepped(step, values)
    );
    outputs.push(
      stepped(-1, { m0: 1 }),
      {
        data: { [METRICS_MIME]: { m0: 1 } },
        metadata: { [METRICS_MIME]: 'x' }
      },
      stepped(3, { m1: NaN, m2: '1' })
    );
    const { manifest } = buildSnapshot(input(outputs));
    const series = manifest.metricSeries ?? {};
    expect(Object.keys(series)).toHaveLength(MAX_SERIES_METRICS);
    const total = Object.values(series).reduce((n, p) => n + p.length, 0);
    expect(total).toBeLessThanOrEqual(MAX_SERIES_TOTAL);
    // 100 metrics share the total: 1,000 points each, evenly thinned.
    expect(Object.values(series).every(p => p.length === 1000)).toBe(true);
    // The NaN and the string at step 3 changed nothing.
    expect(series.m1.every(([, value]) => value === 1)).toBe(true);
    expect(series.m2.every(([, value]) => value === 2)).toBe(true);
    expect(series.m0[0]).toEqual([0, 0]);
    expect(series.m0[series.m0.length - 1]).toEqual([1499, 0]);
    // It is a valid manifest: written and read back unchanged.
    expect(parseManifest(serializeManifest(manifest))).toEqual(manifest);
  });
});
