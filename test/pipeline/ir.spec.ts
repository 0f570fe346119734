import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { PipelineIR, pipelineSchema } from '../../src/pipeline/ir';
import { buildIR, DEMO, readNotebookCells, ROOT } from './support';

const SCHEMA_FILE = join(
  ROOT,
  'jupyterlab_mlops',
  'schemas',
  'pipeline.schema.json'
);
const HASH = 'a'.repeat(64);
// The demo's IR, for the Python reader's tests (jupyterlab_mlops/tests).
const DEMO_IR_FILE = join(
  ROOT,
  'jupyterlab_mlops',
  'tests',
  'data',
  'wine_classifier.pipeline.json'
);

function irOf(
  cells: { tags: string[]; source: string; cellType?: string }[],
  path = 'proj/My Notebook-2.ipynb'
) {
  return buildIR(cells, {
    path,
    contentHash: HASH,
    requirements: 'numpy==2.1.0\n'
  });
}

function demoIR(): PipelineIR {
  const result = irOf(readNotebookCells(DEMO), DEMO);
  if (!result.ir) {
    throw new Error(result.errors.join('\n'));
  }
  return result.ir;
}

describe('buildPipelineIR()', () => {
  it('should describe the demo notebook', () => {
    const ir = demoIR();
    expect(ir.name).toBe('wine_classifier');
    expect(ir.order).toEqual(['load', 'train', 'evaluate']);
    expect(ir.edges).toEqual([
      ['load', 'train'],
      ['train', 'evaluate']
    ]);
    expect(ir.parameters).toContainEqual({
      name: 'n_estimators',
      type: 'int',
      default: 50
    });
    expect(ir.parameters).toContainEqual({
      name: 'test_size',
      type: 'float',
      default: 0.25
    });
    expect(ir.parameters).toContainEqual({
      name: 'data_path',
      type: 'str',
      default: 'data/wine.csv'
    });
    expect(ir.metrics).toEqual(['accuracy', 'f1_macro']);
    expect(ir.shared).toContain('import pandas as pd');
    const train = ir.steps.find(step => step.name === 'train');
    expect(train?.inputs).toMatchObject({ X: 'load', y: 'load' });
    expect(train?.parameters).toEqual(
      expect.arrayContaining(['n_estimators', 'max_depth'])
    );
    expect(train?.cache).toBe(true);
    expect(ir.requirements).toBe('numpy==2.1.0\n');
  });

  it('should name the pipeline after the notebook as an identifier', () => {
    const result = irOf([{ tags: ['step:a'], source: 'x = 1' }]);
    expect(result.ir?.name).toBe('My_Notebook_2');
    expect(
      irOf([{ tags: ['step:a'], source: '' }], '2024 run.ipynb').ir?.name
    ).toBe('_2024_run');
  });

  it('should carry what the tags say of each step', () => {
    const result = irOf([
      {
        tags: [
          'step:fit',
          'limit:nvidia.com/gpu:1',
          'image:python:3.11-slim',
          'cache:disabled',
          'annotation:team:vision',
          'label:tier:gold',
          'data:data/x.csv'
        ],
        source: 'model = 1'
      }
    ]);
    expect(result.ir?.steps[0]).toMatchObject({
      limits: { 'nvidia.com/gpu': '1' },
      image: 'python:3.11-slim',
      cache: false,
      annotations: { team: 'vision' },
      labels: { tier: 'gold' },
      data: ['data/x.csv']
    });
  });

  it('should refuse a notebook with no steps, a cycle or a tag error, saying why', () => {
    expect(irOf([{ tags: ['imports'], source: 'import os' }]).errors).toEqual([
      'No cell starts a step (tag one step:NAME).'
    ]);
    const cycle = irOf([
      { tags: ['step:a', 'prev:b'], source: '' },
      { tags: ['step:b', 'prev:a'], source: '' }
    ]);
    expect(cycle.ir).toBeNull();
    expect(cycle.errors?.[0]).toMatch(/Cell 1: .*circle/);
    const bad = irOf([
      { tags: ['step:ok'], source: '' },
      { tags: ['step:a', 'prev:ghost'], source: '' }
    ]);
    expect(bad.errors).toEqual([
      'Cell 2: Step "a" follows "ghost", which no cell defines.'
    ]);
  });
});

describe('pipelineSchema', () => {
  const valid = () =>
    structuredClone(demoIR()) as Record<string, unknown> & PipelineIR;

  it.each([
    ['an unknown key', (ir: PipelineIR) => Object.assign(ir, { extra: 1 })],
    [
      'another version',
      (ir: PipelineIR) => Object.assign(ir, { schemaVersion: 2 })
    ],
    [
      'code for a step name',
      (ir: PipelineIR) => (ir.steps[0].name = "__import__('os').system('x')")
    ],
    [
      'a parameter named with a dot',
      (ir: PipelineIR) => (ir.parameters[0].name = 'a.b')
    ],
    [
      'a data path out of the folder',
      (ir: PipelineIR) => (ir.steps[0].data = ['../../etc/passwd'])
    ],
    [
      'an absolute data path',
      (ir: PipelineIR) => (ir.steps[0].data = ['/etc/passwd'])
    ],
    [
      'an image over two lines',
      (ir: PipelineIR) => (ir.steps[0].image = 'x\nRUN rm -rf /')
    ],
    [
      'an edge to no step',
      (ir: PipelineIR) => ir.edges.push(['load', 'ghost'])
    ],
    [
      'a step twice',
      (ir: PipelineIR) => ir.steps.push(structuredClone(ir.steps[0]))
    ],
    ['an order missing a step', (ir: PipelineIR) => ir.order.pop()],
    [
      'a short content hash',
      (ir: PipelineIR) => (ir.notebook.contentHash = 'abc')
    ],
    ['no steps', (ir: PipelineIR) => (ir.steps = [])],
    [
      'an oversized step',
      (ir: PipelineIR) => (ir.steps[0].source = 'x'.repeat(4 * 1024 * 1024 + 1))
    ],
    [
      'a parameter type it cannot run',
      (ir: PipelineIR) => Object.assign(ir.parameters[0], { type: 'object' })
    ]
  ])('should refuse %s', (_, spoil) => {
    const ir = valid();
    spoil(ir);
    expect(pipelineSchema.safeParse(ir).success).toBe(false);
  });

  it('should ship its JSON Schema with the Python package, in step with zod', () => {
    const generated = `${JSON.stringify(z.toJSONSchema(pipelineSchema, { io: 'input' }), null, 2)}\n`;
    if (process.env['UPDATE_PIPELINE_SCHEMA'] === '1') {
      writeFileSync(SCHEMA_FILE, generated);
    }
    // Regenerate with UPDATE_PIPELINE_SCHEMA=1 npx vitest run test/pipeline/ir.spec.ts
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(generated);
  });

  it("should give the Python reader's tests the demo's IR as it is built", () => {
    const demo = `${JSON.stringify(demoIR(), null, 2)}\n`;
    if (process.env['UPDATE_PIPELINE_SCHEMA'] === '1') {
      writeFileSync(DEMO_IR_FILE, demo);
    }
    expect(readFileSync(DEMO_IR_FILE, 'utf8')).toBe(demo);
  });
});
