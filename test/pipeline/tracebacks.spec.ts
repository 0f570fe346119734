import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { exportLocal } from '../../src/pipeline/export/local';
import { PipelineIR } from '../../src/pipeline/ir';
import { locateFailure } from '../../src/pipeline/tracebacks';
import { buildIR } from './support';

const HASH = 'c'.repeat(64);
const work = mkdtempSync(join(tmpdir(), 'mlops-traceback-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cells = [
  { tags: ['imports'], source: 'import math\n%matplotlib inline' },
  { tags: ['step:load'], source: 'values = [1, 2, 3]' },
  {
    tags: ['step:divide', 'prev:load'],
    source: 'total = sum(values)\n!echo hi\nscale = 2'
  },
  {
    tags: [],
    source:
      '# the second cell of divide\n\n\nratio = total / (scale - 2)\nprint(ratio)'
  }
];

/**
 * Run one step's script of a real export in Python; answer its log.
 */
function runStep(ir: PipelineIR, name: string, inputs = {}): string {
  const folder = join(work, ir.name);
  for (const [path, text] of Object.entries(exportLocal(ir))) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  writeFileSync(join(folder, 'params.json'), '{}');
  const done = spawnSync('python3', [join(folder, 'steps', `${name}.py`)], {
    cwd: work,
    encoding: 'utf8',
    env: {
      ...process.env,
      MLOPS_PARAMS: join(folder, 'params.json'),
      MLOPS_INPUTS: JSON.stringify(inputs),
      MLOPS_OUTPUTS: join(folder, 'out', name)
    }
  });
  return done.stdout + done.stderr;
}

describe('locateFailure()', () => {
  const built = buildIR(cells, { path: 'nb.ipynb', contentHash: HASH });
  if (built.ir === null) {
    throw new Error(built.errors.join('; '));
  }
  const ir = built.ir;
  const sources = cells.map(cell => cell.source);

  it('should map a real traceback to the cell and line that raised', () => {
    // Feed divide its input by hand: load's output, saved by load itself.
    const loadLog = runStep(ir, 'load');
    expect(loadLog).not.toMatch(/Traceback/);
    const log = runStep(ir, 'divide', {
      values: join(work, ir.name, 'out', 'load')
    });
    expect(log).toMatch(/ZeroDivisionError/);
    expect(locateFailure(ir, 'divide', log, sources)).toEqual({
      cell: 3,
      line: 4,
      error: 'ZeroDivisionError: division by zero'
    });
  });

  it('should find the first cell of a step too', () => {
    const { ir: broken } = buildIR(
      [
        cells[0],
        { tags: ['step:only'], source: 'x = 1\nraise ValueError("bad x")' }
      ],
      { path: 'nb.ipynb', contentHash: HASH }
    );
    if (broken === null) {
      throw new Error('no IR');
    }
    const log = runStep(broken, 'only');
    expect(
      locateFailure(broken, 'only', log, [
        cells[0].source,
        'x = 1\nraise ValueError("bad x")'
      ])
    ).toEqual({ cell: 1, line: 2, error: 'ValueError: bad x' });
  });

  it('should answer null when it cannot say', () => {
    const log =
      'Traceback (most recent call last):\n  File "/x/steps/divide.py", line 9999, in <module>\nKeyError: 1\n';
    expect(locateFailure(ir, 'divide', log, sources)).toBeNull();
    expect(locateFailure(ir, 'divide', 'all fine\n', sources)).toBeNull();
    expect(locateFailure(ir, 'ghost', log, sources)).toBeNull();
    // The notebook changed since the export: no guess.
    const edited = [...sources];
    edited[3] = 'ratio = 1';
    const real = runStep(ir, 'divide', {
      values: join(work, ir.name, 'out', 'load')
    });
    expect(locateFailure(ir, 'divide', real, edited)).toBeNull();
    // Another step's file is not this step's frame.
    const other =
      'Traceback (most recent call last):\n  File "/x/steps/load.py", line 30, in <module>\nKeyError: 1\n';
    expect(locateFailure(ir, 'divide', other, sources)).toBeNull();
  });
});
