import { describe, expect, it } from 'vitest';

import {
  MAX_SERIES_METRICS,
  MAX_SERIES_POINTS,
  MAX_SERIES_TOTAL
} from '../../../src/notebook/metricSeries';
import { rowOf } from '../../../src/tracking/list/row';
import {
  MAX_SKIPPED_PARAMETERS,
  parseManifest,
  serializeManifest
} from '../../../src/tracking/store/manifest';
import { makeManifest } from '../fixtures';

// A manifest as the first release wrote it: no failedCells, interrupted
// or skippedParameters.
const OLD_MANIFEST = `{
  "schemaVersion": 1,
  "id": "01JDQ4Z3W7M2K8N5P6R9T0V1X2",
  "createdAt": "2026-11-23T12:00:00.000Z",
  "notebook": {
    "path": "examples/wine_classifier.ipynb",
    "slug": "examples-wine-classifier",
    "contentHash": "${'a'.repeat(64)}",
    "cellHashes": ["${'b'.repeat(64)}"],
    "kernelName": "python3"
  },
  "parameters": { "n_estimators": 50 },
  "metrics": { "accuracy": 0.93 },
  "data": [],
  "environment": { "python": "3.11.7", "platform": "linux", "packages": {} },
  "health": {
    "kernel": "live",
    "outOfOrder": false,
    "editedAfterRun": [],
    "neverRun": []
  },
  "code": null,
  "user": {
    "name": "brave-otter",
    "tags": [],
    "starred": false,
    "note": "",
    "parent": null
  }
}
`;

const encode = (text: string) => new TextEncoder().encode(text);
const entry = (id: string) => ({
  ref: `refs/exps/examples-wine-classifier/${id}`,
  id,
  slug: 'examples-wine-classifier',
  oid: '0'.repeat(40)
});

describe('parseManifest()', () => {
  it('should read a manifest written before failures and skipped parameters were recorded', () => {
    const manifest = parseManifest(encode(OLD_MANIFEST));
    expect(manifest.health.failedCells).toBeUndefined();
    expect(manifest.health.interrupted).toBeUndefined();
    expect(manifest.skippedParameters).toBeUndefined();
    // Edited (tags, star) and written back, it stays as it was.
    expect(new TextDecoder().decode(serializeManifest(manifest))).toBe(
      new TextDecoder().decode(serializeManifest(JSON.parse(OLD_MANIFEST)))
    );
    expect(rowOf(entry(manifest.id), manifest).failed).toBe(false);
  });

  it('should read and keep failures and skipped parameters', () => {
    const manifest = makeManifest('01JDQ4Z3W7M2K8N5P6R9T0V1X3', {
      health: {
        kernel: 'live',
        outOfOrder: false,
        editedAfterRun: [],
        neverRun: [],
        failedCells: [3],
        interrupted: false
      },
      skippedParameters: [
        { cell: 0, line: 2, text: 'layers = [64, 32]', reason: 'not-a-literal' }
      ]
    });
    const back = parseManifest(serializeManifest(manifest));
    expect(back).toEqual(manifest);
    expect(rowOf(entry(back.id), back).failed).toBe(true);
  });

  it.each([
    ['a negative failed cell', { failedCells: [-1] }],
    ['a string for interrupted', { interrupted: 'yes' }]
  ])('should refuse %s', (_, health) => {
    const raw = JSON.parse(OLD_MANIFEST);
    raw.health = { ...raw.health, ...health };
    expect(() => parseManifest(encode(JSON.stringify(raw)))).toThrow(
      expect.objectContaining({ code: 'E_MANIFEST_INVALID' })
    );
  });

  it.each([
    ['an unknown reason', [{ cell: 0, line: 1, text: 'x', reason: 'other' }]],
    ['line 0', [{ cell: 0, line: 0, text: 'x', reason: 'no-value' }]],
    [
      'an over-long text',
      [{ cell: 0, line: 1, text: 'x'.repeat(201), reason: 'no-value' }]
    ],
    [
      'too many lines',
      Array.from({ length: MAX_SKIPPED_PARAMETERS + 1 }, (_, i) => ({
        cell: 0,
        line: i + 1,
        text: 'x',
        reason: 'no-value'
      }))
    ]
  ])('should refuse skipped parameters with %s', (_, skippedParameters) => {
    const raw = { ...JSON.parse(OLD_MANIFEST), skippedParameters };
    expect(() => parseManifest(encode(JSON.stringify(raw)))).toThrow(
      expect.objectContaining({ code: 'E_MANIFEST_INVALID' })
    );
  });
});

describe('rowOf()', () => {
  it.each([
    ['an interrupted run', { interrupted: true }, true],
    ['a dead kernel in an old manifest', { kernel: 'dead' as const }, true],
    ['no failed cell', { failedCells: [] }, false]
  ])('should mark %s', (_, health, failed) => {
    const base = makeManifest('01JDQ4Z3W7M2K8N5P6R9T0V1X4');
    const manifest = { ...base, health: { ...base.health, ...health } };
    expect(rowOf(entry(manifest.id), manifest).failed).toBe(failed);
  });
});

describe('parseManifest() and metricSeries', () => {
  const withSeries = (metricSeries: unknown) =>
    encode(JSON.stringify({ ...JSON.parse(OLD_MANIFEST), metricSeries }));

  it('should read a manifest without series, and keep one with them', () => {
    expect(parseManifest(encode(OLD_MANIFEST)).metricSeries).toBeUndefined();
    const series = {
      loss: [
        [0, 1.5],
        [10, 0.25]
      ],
      'val loss': [[Number.MAX_SAFE_INTEGER, -3]]
    };
    const manifest = parseManifest(withSeries(series));
    expect(manifest.metricSeries).toEqual(series);
    expect(parseManifest(serializeManifest(manifest))).toEqual(manifest);
  });

  it.each([
    ['a negative step', { loss: [[-1, 1]] }],
    ['a fractional step', { loss: [[0.5, 1]] }],
    ['an unsafe step', { loss: [[Number.MAX_SAFE_INTEGER + 1, 1]] }],
    ['a string value', { loss: [[0, '1']] }],
    ['a null value (NaN in JSON)', { loss: [[0, null]] }],
    ['a point of three numbers', { loss: [[0, 1, 2]] }],
    ['a point as an object', { loss: [{ step: 0, value: 1 }] }],
    [
      'unsorted steps',
      {
        loss: [
          [2, 1],
          [1, 1]
        ]
      }
    ],
    [
      'a repeated step',
      {
        loss: [
          [1, 1],
          [1, 2]
        ]
      }
    ],
    ['an over-long name', { ['x'.repeat(201)]: [[0, 1]] }],
    ['a list instead of a record', [[0, 1]]],
    [
      'too many points',
      {
        loss: Array.from({ length: MAX_SERIES_POINTS + 1 }, (_, i) => [i, 1])
      }
    ],
    [
      'too many metrics',
      Object.fromEntries(
        Array.from({ length: MAX_SERIES_METRICS + 1 }, (_, i) => [
          `m${i}`,
          [[0, 1]]
        ])
      )
    ],
    [
      'too many points in all',
      Object.fromEntries(
        Array.from(
          { length: MAX_SERIES_TOTAL / MAX_SERIES_POINTS + 1 },
          (_, i) => [
            `m${i}`,
            Array.from({ length: MAX_SERIES_POINTS }, (_, step) => [step, 1])
          ]
        )
      )
    ]
  ])('should refuse series with %s', (_, metricSeries) => {
    expect(() => parseManifest(withSeries(metricSeries))).toThrow(
      expect.objectContaining({ code: 'E_MANIFEST_INVALID' })
    );
  });
});

describe('manifest author', () => {
  const id = '01JDQ4Z3W7M2K8N5P6R9T0V1X5';

  it('should read a manifest without an author (older snapshots) and give its row none', () => {
    const manifest = parseManifest(encode(OLD_MANIFEST));
    expect(manifest.author).toBeUndefined();
    expect(rowOf(entry(manifest.id), manifest).author).toBeUndefined();
  });

  it('should keep the author, and name the row by display name, else username', () => {
    const named = makeManifest(id, {
      author: { username: 'alice', name: 'Alice Liddell' }
    });
    const back = parseManifest(serializeManifest(named));
    expect(back.author).toEqual({ username: 'alice', name: 'Alice Liddell' });
    expect(rowOf(entry(id), back).author).toBe('Alice Liddell');
    const bare = makeManifest(id, { author: { username: 'bob', name: '' } });
    expect(rowOf(entry(id), bare).author).toBe('bob');
  });

  it.each([
    ['no username', { username: '', name: 'x' }],
    ['a username over 200 characters', { username: 'u'.repeat(201), name: '' }],
    ['an unknown field', { username: 'a', name: 'b', email: 'a@b' }],
    ['a number', 42]
  ])('should refuse an author with %s', (_, author) => {
    const text = JSON.stringify({ ...makeManifest(id), author });
    expect(() => parseManifest(encode(text))).toThrow(
      expect.objectContaining({ code: 'E_MANIFEST_INVALID' })
    );
  });
});
