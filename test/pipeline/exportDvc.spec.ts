import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  writeFileSync
} from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportDvc } from '../../src/pipeline/export/dvc';
import { exportLocal } from '../../src/pipeline/export/local';
import { demo, pipeline, place, step } from './dvc/fixtures';
import {
  dvc,
  dvcMetrics,
  ensureDvcVenv,
  loadYaml,
  makeProject,
  ranStages,
  removeProjects,
  runLocal,
  stepPython,
  writeTree
} from './dvc/project';
import { DEMO, ROOT } from './support';

/**
 * The `dvc` export on real DVC 3 (`.venv-dvc`, made by `ensureDvcVenv`
 * when missing: about 30 s): the demo's stages run with `dvc repro` and
 * give the local runner's metrics; an unchanged pipeline is up to date; a
 * changed parameter re-runs what reads it and what follows; hostile paths,
 * values and step names round-trip.
 */

let venvSeconds = 0;

/** What run_step.py, the step scripts and the demo's code import. */
const PLANTED_MODULES = [
  'json',
  're',
  'subprocess',
  'tempfile',
  'importlib',
  'mlops_marshal_x',
  'numpy',
  'pandas',
  'sklearn'
];

beforeAll(() => {
  venvSeconds = ensureDvcVenv();
  if (venvSeconds > 0) {
    console.log(`.venv-dvc made in ${venvSeconds.toFixed(0)} s`);
  }
}, 600_000);

afterAll(removeProjects);

describe('exportDvc()', () => {
  it('should write the DVC folder of the demo', () => {
    const ir = demo();
    const files = exportDvc(ir);
    expect(Object.keys(files).sort()).toEqual([
      'README.md',
      'dvc.yaml',
      'mlops_marshal.py',
      'params.yaml',
      'pipeline.json',
      'requirements.txt',
      'run_step.py',
      'steps/evaluate.py',
      'steps/load.py',
      'steps/train.py'
    ]);
    // The scripts are the local export's: one step, one script.
    const local = exportLocal(ir);
    for (const name of ['load', 'train', 'evaluate']) {
      expect(files[`steps/${name}.py`]).toBe(local[`steps/${name}.py`]);
    }
    expect(files['mlops_marshal.py']).toBe(local['mlops_marshal.py']);
    expect(files['README.md']).toContain('dvc repro');
    expect(files['README.md']).toContain('## Change a parameter');
  });

  it('should give each stage its cmd, wdir, deps, params, outs and metrics', () => {
    const { root } = makeProject('shape');
    const folder = place(demo(), root);
    const [yaml, params] = loadYaml(
      join(folder, 'dvc.yaml'),
      join(folder, 'params.yaml')
    );
    const base = 'pipelines/wine_classifier/dvc';
    const common = [`${base}/run_step.py`, `${base}/mlops_marshal.py`];
    const metrics = (name: string) => [
      { [`${base}/.mlops-dvc/${name}/mlops-metrics.json`]: { cache: false } }
    ];
    const file = `${base}/params.yaml`;
    expect(yaml).toEqual({
      stages: {
        load: {
          cmd: `python ${base}/run_step.py load`,
          wdir: '../../..',
          deps: [...common, `${base}/steps/load.py`],
          params: [{ [file]: ['data_path'] }],
          outs: [`${base}/.mlops-dvc/load/outputs`],
          metrics: metrics('load')
        },
        train: {
          cmd: `python ${base}/run_step.py train X=load y=load`,
          wdir: '../../..',
          deps: [
            ...common,
            `${base}/steps/train.py`,
            `${base}/.mlops-dvc/load/outputs`
          ],
          params: [
            {
              [file]: [
                'n_estimators',
                'max_depth',
                'test_size',
                'random_state',
                'model_path'
              ]
            }
          ],
          outs: [`${base}/.mlops-dvc/train/outputs`],
          metrics: metrics('train')
        },
        // It hands nothing on: no outs.
        evaluate: {
          cmd: `python ${base}/run_step.py evaluate model=train X_test=train y_test=train`,
          wdir: '../../..',
          deps: [
            ...common,
            `${base}/steps/evaluate.py`,
            `${base}/.mlops-dvc/train/outputs`
          ],
          metrics: metrics('evaluate')
        }
      }
    });
    expect(params).toEqual({
      n_estimators: 50,
      max_depth: 2,
      test_size: 0.25,
      random_state: 42,
      data_path: 'data/wine.csv',
      model_path: 'models/wine_rf.pkl'
    });
  });

  it('should declare what the shared code reads, the requirements, order-only parents and uncached steps', () => {
    const ir = pipeline({
      parameters: [
        { name: 'seed', type: 'int', default: 1 },
        { name: 'rate', type: 'float', default: 2 },
        { name: 'other', type: 'str', default: 'x' }
      ],
      shared:
        'import random\ndef draw():\n    return random.Random(seed).random()',
      requirements: 'numpy==2.0.0\n',
      steps: [
        step('first', 'print(rate)', { parameters: ['rate'] }),
        step('second', 'print(draw())', { cache: false })
      ],
      edges: [['first', 'second']]
    });
    const text = exportDvc(ir)['dvc.yaml'];
    const { root } = makeProject('shared');
    const folder = place(ir, root);
    const [yaml, params] = loadYaml(
      join(folder, 'dvc.yaml'),
      join(folder, 'params.yaml')
    ) as [
      { stages: Record<string, Record<string, unknown>> },
      Record<string, unknown>
    ];
    const base = 'pipelines/hand/dvc';
    expect(yaml.stages.first.params).toEqual([
      { [`${base}/params.yaml`]: ['seed', 'rate'] }
    ]);
    expect(yaml.stages.second.params).toEqual([
      { [`${base}/params.yaml`]: ['seed'] }
    ]);
    expect(yaml.stages.second.deps).toEqual([
      `${base}/run_step.py`,
      `${base}/mlops_marshal.py`,
      `${base}/requirements.txt`,
      `${base}/steps/second.py`,
      // `first` hands nothing on: its metrics order the two.
      `${base}/.mlops-dvc/first/mlops-metrics.json`
    ]);
    expect(yaml.stages.first.always_changed).toBeUndefined();
    expect(yaml.stages.second.always_changed).toBe(true);
    // A float keeps its point.
    expect(readFileSync(join(folder, 'params.yaml'), 'utf8')).toContain(
      'rate: 2.0\n'
    );
    expect(params).toEqual({ seed: 1, rate: 2, other: 'x' });
    expect(text).not.toContain('other');
  });
});

describe('dvc repro of the demo', () => {
  const ir = demo();
  let env: NodeJS.ProcessEnv;
  let folder: string;
  let local: string;
  let first: { code: number; out: string };
  let marker: string;

  beforeAll(() => {
    const project = makeProject('wine', { git: true });
    env = project.env;
    folder = place(ir, project.root);
    copyFileSync(join(ROOT, DEMO), join(project.root, DEMO));
    local = join(dirname(folder), 'local');
    writeTree(local, exportLocal(ir));
    // Modules planted beside the scripts (a cloned repository could hold
    // them): were the export folder on a step's path, they would run.
    marker = join(project.root, 'planted.txt');
    for (const where of [
      folder,
      join(folder, 'steps'),
      local,
      join(local, 'steps')
    ]) {
      for (const name of PLANTED_MODULES) {
        writeFileSync(
          join(where, `${name}.py`),
          `open(${JSON.stringify(marker)}, 'a').write(__name__ + '\\n')\n` +
            'import sys\ndel sys.modules[__name__]\n'
        );
      }
    }
    first = dvc(['repro'], folder, env);
  }, 300_000);

  it('should run no module planted beside its scripts', () => {
    expect(first.code, first.out).toBe(0);
    runLocal(local);
    expect(existsSync(marker) ? readFileSync(marker, 'utf8') : '').toBe('');
  }, 120_000);

  it("should run every stage, in the notebook's folder", () => {
    expect(first.code, first.out).toBe(0);
    expect(ranStages(first.out)).toEqual(['load', 'train', 'evaluate']);
    const notebookDir = dirname(dirname(dirname(folder)));
    expect(existsSync(join(notebookDir, 'data', 'wine.csv'))).toBe(true);
    expect(existsSync(join(notebookDir, 'models', 'wine_rf.pkl'))).toBe(true);
    expect(readdirSync(join(folder, '.mlops-dvc', 'train', 'outputs')).sort())
      .toMatchInlineSnapshot(`
      [
        "X_test.pandas.pickle",
        "model.joblib",
        "y_test.pandas.pickle",
      ]
    `);
  });

  it('should give the metrics the local runner gives', () => {
    const status = runLocal(local);
    expect(status.state).toBe('done');
    expect(Object.keys(status.metrics).sort()).toEqual([
      'accuracy',
      'f1_macro'
    ]);
    expect(dvcMetrics(folder, env, ir.order)).toEqual(status.metrics);
  }, 120_000);

  it('should be up to date the second time', () => {
    const again = dvc(['repro'], folder, env);
    expect(again.code, again.out).toBe(0);
    expect(ranStages(again.out)).toEqual([]);
    expect(again.out).toContain('Data and pipelines are up to date.');
  }, 120_000);

  it('should re-run only the stages that read a changed parameter, and those after', () => {
    const path = join(folder, 'params.yaml');
    const text = readFileSync(path, 'utf8');
    writeFileSync(
      path,
      text.replace('n_estimators: 50\n', 'n_estimators: 7\n')
    );
    const changed = dvc(['repro'], folder, env);
    expect(changed.code, changed.out).toBe(0);
    expect(ranStages(changed.out)).toEqual(['train', 'evaluate']);
    expect(changed.out).toContain("Stage 'load' didn't change, skipping");
    const status = runLocal(local, ['--param', 'n_estimators=7']);
    expect(dvcMetrics(folder, env, ir.order)).toEqual(status.metrics);
    // The same change through `data_path`, read by `load` alone: `train`
    // gets the same inputs and does not run again.
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace('"data/wine.csv"', '"data/wine2.csv"')
    );
    const other = dvc(['repro'], folder, env);
    expect(ranStages(other.out)).toEqual(['load']);
  }, 180_000);

  it('should stop at a params.yaml value that is not JSON', () => {
    const path = join(folder, 'params.yaml');
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        /^data_path: .*$/m,
        'data_path: data/wine3.csv'
      )
    );
    const bad = dvc(['repro'], folder, env);
    expect(bad.code).not.toBe(0);
    expect(ranStages(bad.out)).toEqual(['load']);
    expect(bad.out).toContain(
      "params.yaml:5: not a new 'name: <JSON scalar>' line (a string needs double quotes): 'data_path: data/wine3.csv'"
    );
  }, 120_000);

  it('should refuse a step or variable that is not a name', () => {
    const run = (...args: string[]) =>
      spawnSync(stepPython(), [join(folder, 'run_step.py'), ...args], {
        encoding: 'utf8'
      });
    expect(run('../load').stderr).toContain('usage: python run_step.py');
    expect(run('train', 'X=../load').stderr).toContain(
      "not VARIABLE=PRODUCER: 'X=../load'"
    );
    expect(run().status).toBe(1);
  });
});
