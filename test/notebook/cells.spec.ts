import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  liveRequestFor,
  METRICS_MIME,
  metricsFromOutputs,
  readCells,
  staticParameters
} from '../../src/notebook/cells';

const demo = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', 'examples', 'wine_classifier.ipynb'),
    'utf8'
  )
) as unknown;

function codeCell(
  source: string,
  outputs: unknown[] = [],
  tags: string[] | string = []
) {
  return {
    cell_type: 'code',
    source,
    metadata: { tags },
    outputs,
    execution_count: null
  };
}

describe('readCells()', () => {
  it.each([null, 42, 'text', [], {}, { cells: 'nope' }, { cells: null }])(
    'should read no cells from %j',
    value => {
      expect(readCells(value)).toEqual([]);
    }
  );

  it('should narrow odd cells safely', () => {
    const cells = readCells({
      cells: [
        {
          cell_type: 'code',
          source: ['a', 'b'],
          metadata: { tags: ['x', 3, null] }
        },
        { source: 7, outputs: 'no', execution_count: '3' },
        null
      ]
    });
    expect(cells[0]).toMatchObject({
      cellType: 'code',
      source: 'ab',
      tags: ['x']
    });
    expect(cells[1]).toMatchObject({
      source: '',
      outputs: [],
      executionCount: null
    });
    expect(cells[2]).toMatchObject({ source: '', tags: [] });
  });
});

describe('metricsFromOutputs()', () => {
  it('should read finite numbers from metrics outputs, later ones winning', () => {
    const cells = readCells({
      cells: [
        codeCell('', [
          {
            output_type: 'display_data',
            data: { [METRICS_MIME]: { acc: 0.5, f1: 0.4 } }
          }
        ]),
        codeCell('', [
          {
            output_type: 'display_data',
            data: {
              [METRICS_MIME]: {
                acc: 0.9,
                bad: 'x',
                inf: null,
                nested: { a: 1 }
              }
            }
          },
          { output_type: 'stream', text: 'acc 1.0' }
        ])
      ]
    });
    expect(metricsFromOutputs(cells)).toEqual({ acc: 0.9, f1: 0.4 });
  });
});

describe('liveRequestFor() on hostile lines', () => {
  it('should read long lines of a metrics cell in linear time', () => {
    const spaces = ' '.repeat(200_000);
    const notebook = {
      cells: [
        codeCell(
          `a${spaces}x\nprint(b)${spaces};x=1\nacc ;  # ok`,
          [],
          ['pipeline-metrics']
        ),
        codeCell(`lr = '${'x'.repeat(1000)}'`, [], ['parameters'])
      ]
    };
    const start = performance.now();
    expect(liveRequestFor(notebook)).toEqual({
      parameters: ['lr'],
      metrics: ['acc']
    });
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('liveRequestFor()', () => {
  it('should ask for the demo notebook parameters and Kale metrics by name', () => {
    expect(liveRequestFor(demo)).toEqual({
      parameters: [
        'n_estimators',
        'max_depth',
        'test_size',
        'random_state',
        'data_path',
        'model_path'
      ],
      metrics: ['accuracy', 'f1_macro']
    });
  });

  it('should skip comparisons, indented lines and expressions', () => {
    const notebook = {
      cells: [
        codeCell(
          'a == 1\n  b = 2\nc: int = 3\nd += 1',
          [],
          ['pipeline-parameters']
        ),
        codeCell('acc  # the metric\nprint(acc)\nf1 = 2', [], ['metrics'])
      ]
    };
    expect(liveRequestFor(notebook)).toEqual({
      parameters: ['c'],
      metrics: ['acc']
    });
  });
});

describe('readCells() on nbformat files in the wild', () => {
  it('should read v4.0 cells without ids, string tags and missing sources', () => {
    const cells = readCells({
      nbformat: 4,
      nbformat_minor: 0,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: '# Title' },
        {
          cell_type: 'code',
          metadata: { tags: 'parameters' },
          source: 'alpha = 0.5\n',
          outputs: [],
          execution_count: 1
        },
        { cell_type: 'code', metadata: { tags: '  ' }, outputs: [] },
        { cell_type: 'raw' }
      ]
    });
    expect(cells).toEqual([
      {
        cellType: 'markdown',
        source: '# Title',
        executionCount: null,
        tags: [],
        outputs: []
      },
      {
        cellType: 'code',
        source: 'alpha = 0.5\n',
        executionCount: 1,
        tags: ['parameters'],
        outputs: []
      },
      {
        cellType: 'code',
        source: '',
        executionCount: null,
        tags: [],
        outputs: []
      },
      {
        cellType: 'raw',
        source: '',
        executionCount: null,
        tags: [],
        outputs: []
      }
    ]);
    expect(staticParameters(cells)).toEqual({ alpha: 0.5 });
  });

  it('should read metadata, sources and outputs of the wrong type as absent', () => {
    const cells = readCells({
      cells: [
        { cell_type: 5, metadata: 'x', source: ['a', 1], outputs: {} },
        { cell_type: 'code', metadata: null, execution_count: 1.5 },
        []
      ]
    });
    expect(cells.map(cell => [cell.cellType, cell.source, cell.tags])).toEqual([
      ['code', '', []],
      ['code', '', []],
      ['code', '', []]
    ]);
    expect(cells[1].executionCount).toBe(1.5);
  });

  it('should not take a tag named after an Object property as a role', () => {
    const cells = readCells({
      cells: [codeCell('x = 1', [], ['constructor', 'toString'])]
    });
    expect(staticParameters(cells)).toEqual({});
    expect(
      liveRequestFor({ cells: [codeCell('x = 1', [], ['constructor'])] })
    ).toEqual({ parameters: [], metrics: [] });
  });

  it('should ignore metrics outputs that are not objects', () => {
    const cells = readCells({
      cells: [
        codeCell('', [
          { data: { [METRICS_MIME]: [1, 2] } },
          { data: { [METRICS_MIME]: 'acc=1' } },
          { data: null },
          'output',
          { data: { [METRICS_MIME]: { acc: 0.7 } } }
        ])
      ]
    });
    expect(metricsFromOutputs(cells)).toEqual({ acc: 0.7 });
  });
});
