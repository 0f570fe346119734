import { describe, expect, it } from 'vitest';

import { ITaggedCell } from '../../src/notebook/tags';
import { buildPipelineGraph, topologicalOrder } from '../../src/pipeline/graph';
import { DEMO, readNotebookCells } from './support';

const code = (...tags: string[]): ITaggedCell => ({ cellType: 'code', tags });
const markdown = (...tags: string[]): ITaggedCell => ({
  cellType: 'markdown',
  tags
});
const steps = (cells: ITaggedCell[]) =>
  buildPipelineGraph(cells).steps.map(step => [step.name, step.cells]);
const codesOf = (cells: ITaggedCell[]) =>
  buildPipelineGraph(cells).diagnostics.map(d => [d.code, d.cell]);

describe('buildPipelineGraph()', () => {
  it("should follow Kale's cell rules", () => {
    const graph = buildPipelineGraph([
      code('imports'),
      code(),
      markdown('step:ignored'),
      code('pipeline-parameters'),
      code('step:load'),
      code(),
      code('skip'),
      // After a skipped cell, "above" is still the step.
      code(),
      code('step:train', 'prev:load'),
      // The same name apart: one step.
      code('step:load'),
      code('functions'),
      code(),
      code('pipeline-metrics'),
      code()
    ]);
    expect(graph.steps.map(step => [step.name, step.cells, step.prev])).toEqual(
      [
        ['load', [4, 5, 7, 9], []],
        ['train', [8], ['load']]
      ]
    );
    expect(graph.roles).toEqual({
      imports: [0, 1],
      functions: [10, 11],
      parameters: [3],
      metrics: [12, 13],
      skip: [6]
    });
    expect(graph.edges).toEqual([['load', 'train']]);
    expect(graph.order).toEqual(['load', 'train']);
    expect(graph.diagnostics).toEqual([]);
  });

  it('should merge what the cells of one step say of it', () => {
    const [step] = buildPipelineGraph([
      code('step:a'),
      code('step:b', 'limit:cpu:1', 'image:one'),
      code(
        'step:b',
        'prev:a',
        'limit:memory:2Gi',
        'data:x.csv',
        'cache:disabled'
      )
    ]).steps.slice(1);
    expect(step).toMatchObject({
      name: 'b',
      prev: ['a'],
      limits: { cpu: '1', memory: '2Gi' },
      image: 'one',
      cache: false,
      data: ['x.csv']
    });
  });

  it('should order parents first, keeping notebook order for ties, with a parent defined further down', () => {
    const graph = buildPipelineGraph([
      code('step:report', 'prev:train', 'prev:stats'),
      code('step:stats', 'prev:load'),
      code('step:train', 'prev:load'),
      code('step:load')
    ]);
    expect(graph.order).toEqual(['load', 'stats', 'train', 'report']);
    expect(graph.diagnostics).toEqual([]);
  });

  it('should report unknown parents, a step of its own, and cycles', () => {
    expect(
      codesOf([code('step:a', 'prev:ghost'), code('step:b', 'prev:b')])
    ).toEqual([
      ['E_PREV_UNKNOWN', 0],
      ['E_PREV_SELF', 1]
    ]);
    const cycle = buildPipelineGraph([
      code('step:a', 'prev:c'),
      code('step:b', 'prev:a'),
      code('step:c', 'prev:b'),
      code('step:d', 'prev:c')
    ]);
    expect(cycle.order).toBeNull();
    const [diagnostic] = cycle.diagnostics;
    expect(diagnostic.code).toBe('E_CYCLE');
    expect(diagnostic.message).toContain('"a" → "b" → "c" → "a"');
  });

  it('should warn of cells before any tag and of steps after the metrics', () => {
    expect(
      codesOf([
        code(),
        code(),
        code('step:a'),
        code('pipeline-metrics'),
        code('step:b')
      ])
    ).toEqual([
      ['W_METRICS_NOT_LAST', 4],
      ['W_CELL_UNASSIGNED', 0]
    ]);
    // A notebook with no steps at all has nothing to warn of.
    expect(codesOf([code(), code()])).toEqual([]);
  });

  it('should carry the cells of each tag diagnostic', () => {
    const graph = buildPipelineGraph([
      markdown(),
      code('step:ok'),
      code('step:bad name', 'limit:cpu')
    ]);
    expect(graph.diagnostics.map(d => [d.code, d.cell, d.tag])).toEqual([
      ['E_TAG_NAME', 2, 'step:bad name'],
      ['E_TAG_MALFORMED', 2, 'limit:cpu'],
      ['E_TAG_NEEDS_STEP', 2, 'limit:cpu']
    ]);
  });

  it('should take papermill notebooks: injected parameters after the parameters', () => {
    const graph = buildPipelineGraph([
      code('parameters'),
      code('injected-parameters'),
      code('step:run')
    ]);
    expect(graph.roles.parameters).toEqual([0, 1]);
    expect(graph.injected).toEqual([1]);
  });

  it('should not be fooled by step names that are Object properties', () => {
    expect(
      steps([
        code('step:constructor'),
        code('step:toString', 'prev:constructor')
      ])
    ).toEqual([
      ['constructor', [0]],
      ['toString', [1]]
    ]);
  });

  it('should stay fast on 5,000 cells and a 500-step chain', () => {
    const cells = Array.from({ length: 5000 }, (_, i) =>
      i % 10 === 0
        ? code(`step:s${i / 10}`, ...(i > 0 ? [`prev:s${i / 10 - 1}`] : []))
        : code()
    );
    const start = performance.now();
    const graph = buildPipelineGraph(cells);
    expect(performance.now() - start).toBeLessThan(1000);
    expect(graph.order).toHaveLength(500);
    expect(graph.order?.[499]).toBe('s499');
  });

  it('should read the demo notebook as load → train → evaluate', () => {
    const graph = buildPipelineGraph(readNotebookCells(DEMO));
    expect(graph.steps.map(step => [step.name, step.prev])).toEqual([
      ['load', []],
      ['train', ['load']],
      ['evaluate', ['train']]
    ]);
    expect(graph.roles.parameters).toHaveLength(1);
    expect(graph.roles.metrics.length).toBeGreaterThanOrEqual(1);
    expect(graph.diagnostics).toEqual([]);
  });
});

describe('topologicalOrder()', () => {
  it('should ignore edges to names it does not know, and find a cycle with a tail', () => {
    expect(topologicalOrder(['a', 'b'], [['x', 'a']])).toEqual({
      order: ['a', 'b'],
      cycle: null
    });
    // d hangs below the cycle b → c → b; the cycle is found from a.
    const result = topologicalOrder(
      ['a', 'b', 'c', 'd'],
      [
        ['a', 'b'],
        ['b', 'c'],
        ['c', 'b'],
        ['c', 'd']
      ]
    );
    expect(result.order).toBeNull();
    expect(result.cycle).toEqual(['b', 'c']);
  });
});
