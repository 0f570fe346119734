import { PipelineIR, pipelineSchema } from '../../../src/pipeline/ir';

/**
 * Pipelines built by hand to break the `airflow` export: names that are
 * Python keywords or Airflow's own words, a notebook folder full of
 * quotes, unicode, Jinja and the words Airflow looks for in a DAG file,
 * and parameter values that are code and templates. Each is validated with
 * `pipelineSchema`, as an IR read from `pipeline.json` would be.
 */

/** A parameter value that is code in every language at hand. */
export const HOSTILE =
  '\'; import os; os.system("touch PWNED") #"""\\ \n{{ 7*7 }} {% raw %}x{% endraw %} ${HOME} `id` \u00e9\u6f22\ud83d\ude00';

/** Another, given as a run's conf. */
export const HOSTILE_CONF =
  '{{ dag_run.conf }}{{ params }}"); __import__("os").system("touch PWNED"); ("\r\n\\\\\t\u2028';

/**
 * The notebook's folder (relative to the project's root): quotes, spaces,
 * unicode, Jinja, a backslash, a newline, `$`, and "airflow dag" (which
 * makes Airflow's safe mode look into any file holding the path).
 */
export const WEIRD_DIR =
  'd "dq" \'sq\' \u00fcn\u00ef \u6f22\u5b57 \ud83d\ude00 {{ 7*7 }} airflow dag $HOME \\ nl\nx';

const HASH = 'c'.repeat(64);

function step(
  name: string,
  source: string,
  extra: Partial<PipelineIR['steps'][number]> = {}
): PipelineIR['steps'][number] {
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
    ...extra
  };
}

/**
 * The pipeline `import` of a notebook in `WEIRD_DIR`: steps `class` →
 * (`lambda`, `json`) → `run_step`. `class` hands on `value` (and fails
 * when the parameter `fail` is set); `lambda` writes what it received to
 * `received.json` in the notebook's folder; `score` is a metric of `class`
 * (1) and `run_step` (2.5, the later one wins), `other` (6) of `json`.
 */
export function hostilePipeline(): PipelineIR {
  return pipelineSchema.parse({
    schemaVersion: 1,
    name: 'import',
    notebook: {
      path: `${WEIRD_DIR}/nb "x" 'y' \u00e9.ipynb`,
      contentHash: HASH
    },
    parameters: [
      { name: 's', type: 'str', default: HOSTILE },
      { name: 'n', type: 'none', default: null },
      { name: 'f', type: 'float', default: 0.5 },
      { name: 'fail', type: 'bool', default: false }
    ],
    metrics: ['score', 'other'],
    shared: 'import json',
    steps: [
      step(
        'class',
        [
          'if fail:',
          '    raise SystemExit(3)',
          'value = 7',
          'score = 1',
          'open("ran-class.txt", "w").write("ran")'
        ].join('\n'),
        {
          outputs: ['value'],
          parameters: ['fail'],
          limits: { cpu: '2', memory: '1Gi' }
        }
      ),
      step(
        'lambda',
        [
          'with open("received.json", "w", encoding="utf-8") as out:',
          '    json.dump({"s": s, "n": n, "f": [f, type(f).__name__], "value": value}, out)'
        ].join('\n'),
        { inputs: { value: 'class' }, parameters: ['s', 'n', 'f'] }
      ),
      // Its script, steps/json.py, must not be what `import json` finds.
      step('json', 'other = len(json.dumps([1, 2]))'),
      step('run_step', 'score = 2.5')
    ],
    edges: [
      ['class', 'lambda'],
      ['class', 'json'],
      ['lambda', 'run_step'],
      ['json', 'run_step']
    ],
    order: ['class', 'lambda', 'json', 'run_step'],
    requirements: ''
  });
}

/**
 * A one-step pipeline `name` of the notebook at `path`.
 */
export function tinyPipeline(name: string, path: string): PipelineIR {
  return pipelineSchema.parse({
    schemaVersion: 1,
    name,
    notebook: { path, contentHash: HASH },
    parameters: [],
    metrics: ['one'],
    shared: '',
    steps: [step('only', 'one = 1')],
    edges: [],
    order: ['only'],
    requirements: ''
  });
}
