import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { exportDvc } from '../../../src/pipeline/export/dvc';
import { PipelineIR, pipelineSchema } from '../../../src/pipeline/ir';
import { buildIR, DEMO, readNotebookCells } from '../support';
import { writeTree } from './project';

/**
 * Pipelines of test/pipeline/exportDvc.spec.ts: the demo's, and pipelines
 * built by hand (validated with the IR's schema), among them one of
 * hostile names and values.
 */

export type Step = PipelineIR['steps'][number];

/** The demo notebook's IR. */
export function demo(): PipelineIR {
  const result = buildIR(readNotebookCells(DEMO), {
    path: DEMO,
    contentHash: 'b'.repeat(64)
  });
  if (!result.ir) {
    throw new Error(result.errors.join('\n'));
  }
  return result.ir;
}

/** A step of nothing but its name and code, and `more`. */
export function step(
  name: string,
  source: string,
  more: Partial<Step> = {}
): Step {
  return {
    name,
    cells: [0],
    source,
    inputs: {},
    outputs: [],
    parameters: [],
    data: [],
    limits: {},
    annotations: {},
    labels: {},
    image: null,
    cache: true,
    ...more
  };
}

/** A pipeline built by hand, validated as the IR's readers validate it. */
export function pipeline(
  more: Partial<PipelineIR> & { steps: Step[]; edges: [string, string][] }
): PipelineIR {
  return pipelineSchema.parse({
    schemaVersion: 1,
    name: 'hand',
    notebook: { path: 'hand.ipynb', contentHash: 'c'.repeat(64) },
    parameters: [],
    metrics: [],
    shared: 'import json',
    order: more.steps.map(s => s.name),
    requirements: '',
    ...more
  });
}

/** Export `ir` next to its notebook in a new project: the export's folder. */
export function place(
  ir: PipelineIR,
  root: string,
  files = exportDvc(ir)
): string {
  const notebookDir = join(root, dirname(ir.notebook.path));
  const folder = join(notebookDir, 'pipelines', ir.name, 'dvc');
  writeTree(folder, files);
  writeFileSync(join(root, ir.notebook.path), '{}');
  return folder;
}

/** Values no step may run, DVC interpolate or YAML read as more. */
export const HOSTILE_VALUES: Record<string, string> = {
  s_python: `'; import os; os.system("touch PWNED") #`,
  s_quotes: '"""',
  s_tag: '!!python/object/apply:os.system ["touch PWNED"]',
  s_colon: 'a: b',
  s_interpolation: '${x}',
  s_newline: 'first\nsecond: 1\n- third',
  s_shell: '$(touch PWNED) `touch PWNED`; touch PWNED',
  s_other:
    ' ü 😀 \t\\ # &a *a |- >- {x: 1} [1] % @ \u0000 \u007f \u2028 \ud800 '
};
/** One pipeline of hostile names and values. */
export function hostilePipeline(): PipelineIR {
  return pipeline({
    name: 'hostile',
    notebook: {
      path: `dir "q" 'ü' x/nb \n# \u2028stages: {}\u0085 "x".ipynb`,
      contentHash: 'd'.repeat(64)
    },
    parameters: [
      ...Object.entries(HOSTILE_VALUES).map(([name, value]) => ({
        name,
        type: 'str' as const,
        default: value
      })),
      { name: 'true', type: 'int', default: 3 }
    ],
    metrics: ['n'],
    steps: [
      // A Python keyword, two names one case apart, a YAML word.
      step(
        'class',
        "received = {k: v for k, v in globals().items() if k.startswith('s_')}\n" +
          "with open('received.json', 'w', encoding='utf-8') as out:\n" +
          '    json.dump(received, out)',
        { parameters: Object.keys(HOSTILE_VALUES), outputs: ['received'] }
      ),
      step('Load', "a = 'from Load'", { outputs: ['a'] }),
      step('load', "b = 'from load'", { outputs: ['b'] }),
      step(
        'null',
        'n = true + 1\n' +
          "with open('null.json', 'w', encoding='utf-8') as out:\n" +
          "    json.dump({'a': a, 'b': b, 'received': received, 'n': n}, out)",
        {
          inputs: { received: 'class', a: 'Load', b: 'load' },
          parameters: ['true']
        }
      )
    ],
    edges: [
      ['class', 'null'],
      ['Load', 'null'],
      ['load', 'null']
    ]
  });
}
