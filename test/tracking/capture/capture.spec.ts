import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { MlopsError } from '../../../src/errors';
import { readCells } from '../../../src/notebook/cells';
import {
  buildSnapshot,
  ICaptureInput
} from '../../../src/tracking/capture/capture';
import { UlidFactory } from '../../../src/util/ids';
import { manifestSchema } from '../../../src/tracking/store/manifest';
import { notebookContentHash } from '../../../src/notebook/health';

const ids = new UlidFactory();
const demo = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', '..', 'examples', 'wine_classifier.ipynb'),
    'utf8'
  )
) as unknown;

function input(
  notebook: unknown,
  over: Partial<ICaptureInput> = {}
): ICaptureInput {
  return {
    id: ids.next(),
    createdAt: new Date('2026-11-23T12:00:00Z'),
    path: 'examples/wine_classifier.ipynb',
    notebook,
    kernelName: 'python3',
    kernel: 'none',
    ...over
  };
}

function codeCell(
  source: string,
  outputs: unknown[] = [],
  tags: string[] = []
) {
  return {
    cell_type: 'code',
    source,
    metadata: { tags },
    outputs,
    execution_count: null
  };
}

describe('buildSnapshot()', () => {
  it('should capture the demo notebook statically with no kernel', () => {
    const { manifest, files } = buildSnapshot(input(demo));
    expect(manifestSchema.safeParse(manifest).success).toBe(true);
    expect(manifest.parameters).toEqual({
      n_estimators: 50,
      max_depth: 2,
      test_size: 0.25,
      random_state: 42,
      data_path: 'data/wine.csv',
      model_path: 'models/wine_rf.pkl'
    });
    expect(manifest.notebook.contentHash).toBe(
      notebookContentHash(readCells(demo))
    );
    expect(manifest.notebook.cellHashes).toHaveLength(readCells(demo).length);
    expect(manifest.health.kernel).toBe('none');
    expect(manifest.health.neverRun.length).toBeGreaterThan(0);
    expect(manifest.user.name).toMatch(/^[a-z]+-[a-z]+-[0-9a-z]{2}$/);
    expect(files.map(f => f.path)).toEqual(['notebook.ipynb']);
    expect(JSON.parse(new TextDecoder().decode(files[0].data))).toEqual(demo);
  });

  it('should prefer live values and write pinned requirements', () => {
    const { manifest, files } = buildSnapshot(
      input(demo, {
        kernel: 'live',
        live: {
          parameters: { max_depth: 3 },
          metrics: { accuracy: 0.97 },
          environment: {
            python: '3.11.7',
            platform: 'Linux',
            packages: { pandas: '2.2.3', numpy: '2.1.0' }
          }
        }
      })
    );
    expect(manifest.parameters.max_depth).toBe(3);
    expect(manifest.metrics).toEqual({ accuracy: 0.97 });
    const requirements = files.find(f => f.path === 'requirements.txt');
    expect(new TextDecoder().decode(requirements?.data)).toBe(
      'numpy==2.1.0\npandas==2.2.3\n'
    );
  });

  it('should refuse a notebook holding a secret, naming the cell and line', () => {
    const key = ['AKIA', 'Q3EGUQ7XK5', 'ZR2MLT'].join('');
    const notebook = {
      cells: [codeCell('import boto3'), codeCell(`x = 1\naws_key = "${key}"`)]
    };
    let error: unknown;
    try {
      buildSnapshot(input(notebook));
    } catch (reason) {
      error = reason;
    }
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('E_SECRET_FOUND');
    expect((error as MlopsError).message).toMatch(/Cell 2, line 2/);
    expect((error as MlopsError).message).not.toContain(key);
  });
});

describe('buildSnapshot() and trust', () => {
  it('should store no cell trust, leaving the live notebook as it was', () => {
    const outputs = [
      {
        output_type: 'display_data',
        metadata: {},
        data: { 'text/html': '<script>alert(1)</script>' }
      }
    ];
    const live = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3' } },
      cells: [
        {
          ...codeCell('x = 1', outputs),
          metadata: { tags: ['parameters'], trusted: true }
        },
        { ...codeCell('y = 2'), metadata: { trusted: false } },
        { cell_type: 'markdown', source: '# t', metadata: { trusted: true } },
        { cell_type: 'raw', source: 'r' }
      ]
    };
    const before = JSON.stringify(live);
    const { files } = buildSnapshot(input(live));
    const stored = new TextDecoder().decode(
      files.find(f => f.path === 'notebook.ipynb')?.data
    );
    expect(stored).not.toMatch(/"trusted"/);
    const cells = (
      JSON.parse(stored) as {
        cells: { metadata: unknown; outputs?: unknown }[];
      }
    ).cells;
    expect(cells[0].metadata).toEqual({ tags: ['parameters'] });
    expect(cells[0].outputs).toEqual(outputs);
    expect(cells[1].metadata).toEqual({});
    // The lab's own model JSON is left alone.
    expect(JSON.stringify(live)).toBe(before);
  });
});
