import {
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { exportLocal } from '../../src/pipeline/export/local';
import { PipelineIR } from '../../src/pipeline/ir';
import { buildIR, DEMO, readNotebookCells, ROOT } from './support';

// The demo's export, run by the Python runner's tests.
const DEMO_EXPORT = join(
  ROOT,
  'jupyterlab_mlops',
  'tests',
  'data',
  'wine_export'
);

function irOf(
  cells: { tags: string[]; source: string; cellType?: string }[],
  path = 'nb.ipynb'
): PipelineIR {
  const result = buildIR(cells, { path, contentHash: 'b'.repeat(64) });
  if (!result.ir) {
    throw new Error(result.errors.join('\n'));
  }
  return result.ir;
}

function demo(): PipelineIR {
  return irOf(readNotebookCells(DEMO), DEMO);
}

describe('exportLocal()', () => {
  it('should write the runner folder of the demo', () => {
    const files = exportLocal(demo());
    expect(Object.keys(files).sort()).toEqual([
      'README.md',
      'mlops_marshal.py',
      'params.yaml',
      'pipeline.json',
      'requirements.txt',
      'steps/evaluate.py',
      'steps/load.py',
      'steps/train.py'
    ]);
    expect(files['params.yaml']).toContain('n_estimators: 50\n');
    expect(files['params.yaml']).toContain('data_path: "data/wine.csv"\n');
    expect(files['steps/train.py']).toContain('model.fit(X_train, y_train)');
    expect(files['steps/train.py']).toContain('import pandas as pd');
    expect(files['README.md']).toContain('`train` (after `load`)');
  });

  it('should never put a parameter value or a path into code', () => {
    const hostile = "x'); import os; os.system('id'); ('";
    const files = exportLocal(
      irOf(
        [
          { tags: ['parameters'], source: `name = ${JSON.stringify(hostile)}` },
          { tags: ['step:run'], source: 'print(name)' }
        ],
        'evil\n__import__("os").system("id")\n.ipynb'
      )
    );
    const script = files['steps/run.py'];
    expect(script).not.toContain(hostile);
    // The path is a JSON literal in a comment (one line, escaped), the
    // pipeline's name an identifier: no line of code holds either.
    const lines = script.split('\n').filter(line => line.includes('system'));
    expect(lines).toHaveLength(2);
    expect(lines.every(line => line.startsWith('# '))).toBe(true);
    expect(lines[1]).toContain(
      'from "evil\\n__import__(\\"os\\").system(\\"id\\")\\n.ipynb"'
    );
    expect(files['params.yaml']).toBe(`name: ${JSON.stringify(hostile)}\n`);
  });

  it('should turn magics into pass and keep the line count', () => {
    const files = exportLocal(
      irOf([
        {
          tags: ['step:a'],
          source: '%matplotlib inline\n!pip install x\ny = 1'
        }
      ])
    );
    expect(files['steps/a.py']).toContain('pass\npass\ny = 1');
  });

  it('should write the demo export the Python runner tests run', () => {
    const files = exportLocal(demo());
    if (process.env['UPDATE_PIPELINE_SCHEMA'] === '1') {
      rmSync(DEMO_EXPORT, { recursive: true, force: true });
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(DEMO_EXPORT, path)), { recursive: true });
        writeFileSync(join(DEMO_EXPORT, path), text);
      }
    }
    const written = (folder: string): string[] =>
      readdirSync(join(DEMO_EXPORT, folder), { withFileTypes: true }).flatMap(
        entry =>
          entry.isDirectory()
            ? written(join(folder, entry.name))
            : [join(folder, entry.name)]
      );
    expect(written('').sort()).toEqual(Object.keys(files).sort());
    for (const [path, text] of Object.entries(files)) {
      expect(readFileSync(join(DEMO_EXPORT, path), 'utf8'), path).toBe(text);
    }
  });
});
