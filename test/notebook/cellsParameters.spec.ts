import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  liveRequestFor,
  readCells,
  readParameters,
  staticParameters
} from '../../src/notebook/cells';

const CORPUS = join(__dirname, '..', 'fixtures', 'notebooks');

function corpus(file: string): unknown {
  return JSON.parse(readFileSync(join(CORPUS, file), 'utf8'));
}

function codeCell(source: string, tags: string[] = []) {
  return {
    cell_type: 'code',
    source,
    metadata: { tags },
    outputs: [],
    execution_count: null
  };
}

describe('readParameters()', () => {
  it("should let papermill's injected-parameters cell override the parameters cell", () => {
    const cells = readCells(
      corpus('papermill/binder/cli-simple/simple_output.ipynb')
    );
    expect(staticParameters(cells)).toEqual({ msg: 'Hello' });
  });

  it('should read the injected cell after the parameters cell wherever it sits', () => {
    const cells = readCells({
      cells: [
        codeCell('alpha = 2\nkeep = "yes"', ['injected-parameters']),
        codeCell('alpha = 1\nbeta = 0.5', ['parameters']),
        codeCell('beta = 0.7', ['pipeline-parameters'])
      ]
    });
    expect(readParameters(cells).values).toEqual({
      alpha: 2,
      beta: 0.7,
      keep: 'yes'
    });
  });

  it('should list every skipped line with its cell, line, text and reason', () => {
    const cells = readCells(
      corpus('papermill/papermill/tests/notebooks/complex_parameters.ipynb')
    );
    const { values, skipped } = readParameters(cells);
    expect(values).toEqual({ msg: null, a: 2.25, c: null });
    expect(skipped.map(s => [s.cell, s.line, s.reason])).toEqual([
      [0, 3, 'multi-line'],
      [0, 4, 'multi-line'],
      [0, 6, 'multi-line'],
      [0, 7, 'multi-line'],
      [0, 12, 'not-a-literal'],
      [0, 14, 'not-an-assignment']
    ]);
    expect(skipped[4].text).toBe('d = a == 3');
  });

  it('should not read a markdown cell tagged parameters', () => {
    const cells = readCells({
      cells: [
        {
          cell_type: 'markdown',
          source: 'x = 1',
          metadata: { tags: ['parameters'] }
        }
      ]
    });
    expect(readParameters(cells)).toEqual({ values: {}, skipped: [] });
  });
});

describe('liveRequestFor() on Kale and papermill notebooks', () => {
  it('should name the metrics of a Kale pipeline-metrics cell of print(name) lines', () => {
    expect(
      liveRequestFor(
        corpus(
          'kale/backend/kale/tests/assets/notebooks/pipeline_parameters_and_metrics.ipynb'
        )
      )
    ).toEqual({
      parameters: ['d1', 'd2', 'booltest', 'strtest'],
      metrics: ['d1', 'd2', 'sum_result']
    });
    expect(
      liveRequestFor(corpus('kale/examples/serving/sklearn/iris.ipynb')).metrics
    ).toEqual(['precision', 'recall', 'f1', 'accuracy']);
  });

  it('should take bare names and print(name) but no other call or expression', () => {
    const notebook = {
      cells: [
        codeCell(
          [
            'acc',
            'print( f1 );',
            'print(acc)',
            'print(a, b)',
            'print(x.y)',
            'print("loss")',
            'log(loss)',
            'print(prec) # kale',
            '  print(rec)'
          ].join('\n'),
          ['pipeline-metrics']
        )
      ]
    };
    expect(liveRequestFor(notebook).metrics).toEqual(['acc', 'f1', 'prec']);
  });

  it("should ask for the injected cell's names and annotated names", () => {
    const notebook = {
      cells: [
        codeCell('c: "NoneType" = None\nlr: float = 0.1', ['parameters']),
        codeCell('# Parameters\nseed = 3\n', ['injected-parameters'])
      ]
    };
    expect(liveRequestFor(notebook).parameters).toEqual(['c', 'lr', 'seed']);
  });
});
