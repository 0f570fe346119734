import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  buildSnapshot,
  ICaptureInput
} from '../../../src/tracking/capture/capture';
import { rowOf } from '../../../src/tracking/list/row';
import { manifestSchema } from '../../../src/tracking/store/manifest';
import { UlidFactory } from '../../../src/util/ids';

const ids = new UlidFactory();
const CORPUS = join(__dirname, '..', '..', 'fixtures', 'notebooks');

function corpus(file: string): unknown {
  return JSON.parse(readFileSync(join(CORPUS, file), 'utf8'));
}

function input(
  notebook: unknown,
  over: Partial<ICaptureInput> = {}
): ICaptureInput {
  return {
    id: ids.next(),
    createdAt: new Date('2026-11-23T12:00:00Z'),
    path: 'nb/run.ipynb',
    notebook,
    kernelName: 'python3',
    kernel: 'live',
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
    execution_count: 1
  };
}

const error = (ename: string, evalue = '') => ({
  output_type: 'error',
  ename,
  evalue,
  traceback: []
});

function built(notebook: unknown, over: Partial<ICaptureInput> = {}) {
  const { manifest } = buildSnapshot(input(notebook, over));
  expect(manifestSchema.safeParse(manifest).success).toBe(true);
  const row = rowOf(
    {
      ref: `refs/exps/x/${manifest.id}`,
      id: manifest.id,
      slug: 'x',
      oid: '0'.repeat(40)
    },
    manifest
  );
  return { manifest, row };
}

describe('buildSnapshot() run health', () => {
  it('should record a cell that raised ZeroDivisionError as a failed run', () => {
    const { manifest, row } = built({
      cells: [
        codeCell('x = 1'),
        { cell_type: 'markdown', source: '# t' },
        codeCell('1 / 0', [error('ZeroDivisionError', 'division by zero')])
      ]
    });
    expect(manifest.health.failedCells).toEqual([2]);
    expect(manifest.health.interrupted).toBe(false);
    expect(row.failed).toBe(true);
  });

  it("should record papermill's interrupted notebook as interrupted", () => {
    const { manifest, row } = built(
      corpus('papermill/papermill/tests/notebooks/keyboard_interrupt.ipynb')
    );
    expect(manifest.health.failedCells).toEqual([0]);
    expect(manifest.health.interrupted).toBe(true);
    expect(row.failed).toBe(true);
  });

  it('should record a kernel that died as interrupted', () => {
    const { manifest, row } = built(
      { cells: [codeCell('x = 1')] },
      { kernel: 'dead' }
    );
    expect(manifest.health.failedCells).toEqual([]);
    expect(manifest.health.interrupted).toBe(true);
    expect(row.failed).toBe(true);
  });

  it('should not count sys.exit(0), other outputs or odd error outputs as failures', () => {
    const { manifest, row } = built({
      cells: [
        codeCell('sys.exit(0)', [error('SystemExit', '0')]),
        codeCell('print(1)', [
          { output_type: 'stream', name: 'stderr', text: 'Traceback' },
          { output_type: 'execute_result', data: { 'text/plain': 'error' } }
        ]),
        { cell_type: 'raw', source: 'x', outputs: [error('ValueError')] }
      ]
    });
    expect(manifest.health.failedCells).toEqual([]);
    expect(manifest.health.interrupted).toBe(false);
    expect(row.failed).toBe(false);
  });

  it('should count sys.exit(1) and error outputs with odd fields as failures', () => {
    const { manifest } = built({
      cells: [
        codeCell('sys.exit(1)', [error('SystemExit', '1')]),
        codeCell('boom()', [{ output_type: 'error', ename: 5 }])
      ]
    });
    expect(manifest.health.failedCells).toEqual([0, 1]);
  });

  it('should record the tracebacks of nbformat many_tracebacks.ipynb', () => {
    const { manifest } = built(corpus('nbformat/tests/many_tracebacks.ipynb'));
    expect(manifest.health.failedCells).toEqual([0]);
  });
});

describe('buildSnapshot() kernel name', () => {
  it.each([
    ['', null],
    ['  ', null],
    [null, null],
    ['python3', 'python3']
  ])('should record %j as %j', (kernelName, expected) => {
    const { manifest } = built({ cells: [] }, { kernelName });
    expect(manifest.notebook.kernelName).toBe(expected);
  });
});

describe('buildSnapshot() parameters', () => {
  it('should list the skipped lines of the parameters cell in the manifest', () => {
    const { manifest } = built(
      corpus('papermill/papermill/tests/notebooks/complex_parameters.ipynb'),
      { kernel: 'none' }
    );
    expect(manifest.parameters).toEqual({ msg: null, a: 2.25, c: null });
    expect(manifest.skippedParameters).toContainEqual({
      cell: 0,
      line: 12,
      text: 'd = a == 3',
      reason: 'not-a-literal'
    });
    expect(manifest.skippedParameters).toHaveLength(6);
  });

  it('should cap the skipped lines of a huge parameters cell', () => {
    const source = Array.from({ length: 5000 }, (_, i) => `p${i} = f(${i})`);
    const { manifest } = built({
      cells: [codeCell(source.join('\n'), [], ['parameters'])]
    });
    expect(manifest.skippedParameters).toHaveLength(1000);
  });

  it("should let papermill's injected values win over the parameters cell, and live values over both", () => {
    const notebook = corpus('papermill/binder/cli-simple/simple_output.ipynb');
    expect(built(notebook, { kernel: 'none' }).manifest.parameters).toEqual({
      msg: 'Hello'
    });
    expect(
      built(notebook, { live: { parameters: { msg: 'live' } } }).manifest
        .parameters
    ).toEqual({ msg: 'live' });
  });
});

describe('buildSnapshot() metrics', () => {
  it("should read a Kale metrics cell's printed values with no kernel, and let live values win", () => {
    const notebook = {
      cells: [
        codeCell(
          'print(acc)\nprint(loss)',
          [{ output_type: 'stream', name: 'stdout', text: '0.9\n0.3\n' }],
          ['pipeline-metrics']
        )
      ]
    };
    expect(built(notebook, { kernel: 'none' }).manifest.metrics).toEqual({
      acc: 0.9,
      loss: 0.3
    });
    expect(
      built(notebook, { live: { metrics: { acc: 0.95 } } }).manifest.metrics
    ).toEqual({ acc: 0.95, loss: 0.3 });
  });
});
