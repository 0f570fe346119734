import { describe, expect, it } from 'vitest';

import { analyze, DEMO, readNotebookCells } from './support';

interface ICell {
  tags: string[];
  source: string;
  cellType?: string;
}

function flowOf(cells: ICell[]) {
  return analyze(cells).flow;
}

const cell = (source: string, ...tags: string[]): ICell => ({ source, tags });

describe('analyzeDataflow()', () => {
  it('should pass variables along edges, never imports, functions or parameters', () => {
    const flow = flowOf([
      cell('import pandas as pd', 'imports'),
      cell('def clean(df):\n    return df.dropna()', 'functions'),
      cell('path = "data.csv"\nrate = 0.1', 'pipeline-parameters'),
      cell('raw = pd.read_csv(path)', 'step:load'),
      cell('tidy = clean(raw)', 'step:prep', 'prev:load'),
      cell('model = fit(tidy, rate)\nscore = 0.9', 'step:train', 'prev:prep'),
      cell('print(score)', 'pipeline-metrics')
    ]);
    expect(flow.shared).toEqual(['pd', 'clean']);
    expect(flow.parameters).toEqual(['path', 'rate']);
    expect(flow.edges).toEqual([
      ['load', 'prep', ['raw']],
      ['prep', 'train', ['tidy']]
    ]);
    expect(flow.steps.load).toEqual({
      inputs: {},
      outputs: ['raw'],
      parameters: ['path'],
      unresolved: []
    });
    expect(flow.steps.train.inputs).toEqual({ tidy: 'prep' });
    expect(flow.steps.train.parameters).toEqual(['rate']);
    expect(flow.steps.train.unresolved).toEqual(['fit']);
    expect(flow.missing).toEqual([]);
    expect(flow.diagnostics).toEqual([]);
  });

  it('should name the missing prev: edge and its fix', () => {
    const flow = flowOf([
      cell('a = 1', 'step:first'),
      cell('b = 2', 'step:second'),
      cell('c = a + b', 'step:third', 'prev:second')
    ]);
    expect(flow.missing).toEqual([
      {
        step: 'third',
        parent: 'first',
        variables: ['a'],
        cell: 2,
        tag: 'prev:first'
      }
    ]);
    expect(flow.diagnostics).toMatchObject([
      {
        code: 'W_MISSING_PREV',
        severity: 'warning',
        cell: 2,
        tag: 'prev:first'
      }
    ]);
    // With the tag added, nothing is missing.
    const fixed = flowOf([
      cell('a = 1', 'step:first'),
      cell('b = 2', 'step:second'),
      cell('c = a + b', 'step:third', 'prev:second', 'prev:first')
    ]);
    expect(fixed.missing).toEqual([]);
    expect(fixed.edges).toEqual([
      ['first', 'third', ['a']],
      ['second', 'third', ['b']]
    ]);
  });

  it('should take an overlapping name from the nearest ancestor that defines it (Kale #399)', () => {
    // Both "load" and "prep" define `df`; "train" reads the one "prep"
    // made, as running the notebook top to bottom would.
    const flow = flowOf([
      cell('df = read()', 'step:load'),
      cell('df = df.dropna()', 'step:prep', 'prev:load'),
      cell('model = fit(df)', 'step:train', 'prev:prep')
    ]);
    expect(flow.steps.prep.inputs).toEqual({ df: 'load' });
    expect(flow.steps.train.inputs).toEqual({ df: 'prep' });
    expect(flow.edges).toEqual([
      ['load', 'prep', ['df']],
      ['prep', 'train', ['df']]
    ]);
  });

  it('should call a name defined only further down unresolved, and steps merged from cells apart one step', () => {
    const flow = flowOf([
      cell('x = later', 'step:early'),
      cell('later = 1', 'step:late'),
      cell('y = x + 1', 'step:early')
    ]);
    expect(flow.steps.early.unresolved).toEqual(['later']);
    expect(flow.steps.early.inputs).toEqual({});
  });

  it('should read the demo notebook: data passes load → train → evaluate', () => {
    const flow = flowOf(readNotebookCells(DEMO));
    expect(flow.missing).toEqual([]);
    expect(flow.edges.map(([from, to]) => [from, to])).toEqual([
      ['load', 'train'],
      ['train', 'evaluate']
    ]);
    expect(flow.steps.train.inputs).toMatchObject({ X: 'load', y: 'load' });
    expect(flow.steps.evaluate.inputs).toMatchObject({ model: 'train' });
    for (const step of Object.values(flow.steps)) {
      expect(step.unresolved).toEqual([]);
    }
  });
});
