import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  airflowDag,
  airflowDagId,
  exportAirflow,
  pythonString
} from '../../src/pipeline/export/airflow';
import { exportLocal } from '../../src/pipeline/export/local';
import { PipelineIR, pipelineSchema } from '../../src/pipeline/ir';
import {
  AirflowHome,
  ensureAirflowVenv,
  IRun,
  lastJson,
  run,
  writeFiles
} from './airflow/engine';
import {
  HOSTILE,
  HOSTILE_CONF,
  hostilePipeline,
  tinyPipeline,
  WEIRD_DIR
} from './airflow/hostile';
import { buildIR, DEMO, readNotebookCells } from './support';

function demo(): PipelineIR {
  const result = buildIR(readNotebookCells(DEMO), {
    path: DEMO,
    contentHash: 'b'.repeat(64)
  });
  if (!result.ir) {
    throw new Error(result.errors.join('\n'));
  }
  return result.ir;
}

interface IDagLiterals {
  constants: Record<string, unknown>;
  description: string;
  params: Record<string, { default: unknown; type: unknown }>;
  task_ids: string[];
  calls: string[];
}

/** What `dag.py` says, read with Python's `ast` (no Airflow needed). */
function literals(dag: string): IDagLiterals {
  const output = execFileSync(
    'python',
    [join(__dirname, 'airflow', 'dag_literals.py')],
    { input: dag, encoding: 'utf8' }
  );
  return JSON.parse(output) as IDagLiterals;
}

describe('exportAirflow()', () => {
  it('should write the DAG beside the local export, its scripts unchanged', () => {
    const ir = demo();
    const files = exportAirflow(ir);
    const local = exportLocal(ir);
    expect(Object.keys(files).sort()).toEqual(
      [...Object.keys(local), 'dag.py', '.airflowignore'].sort()
    );
    for (const path of Object.keys(local).filter(p => p !== 'README.md')) {
      expect(files[path], path).toBe(local[path]);
    }
    const id = airflowDagId(ir);
    expect(files['README.md']).toContain(`airflow dags test ${id}`);
    expect(files['README.md']).toContain('`cache:disabled` changes nothing');
    expect(files['.airflowignore'].split('\n')).toEqual(
      expect.arrayContaining(['steps/', 'mlops_marshal.py', '.mlops-runs/'])
    );
  });

  it('should make a TaskFlow DAG with params typed from the IR', () => {
    const dag = exportAirflow(demo())['dag.py'];
    expect(dag).toContain(
      'from airflow.sdk import Param, dag, get_current_context, task'
    );
    expect(dag).toContain('    done["train"] = run_step.override(');
    expect(dag).toContain(
      '    )(step="evaluate", upstream={"train": done["train"]})'
    );
    const read = literals(dag);
    expect(read.params).toEqual({
      n_estimators: { default: 50, type: 'integer' },
      max_depth: { default: 2, type: 'integer' },
      test_size: { default: 0.25, type: 'number' },
      random_state: { default: 42, type: 'integer' },
      data_path: { default: 'data/wine.csv', type: 'string' },
      model_path: { default: 'models/wine_rf.pkl', type: 'string' }
    });
    expect(read.task_ids).toEqual([
      'load',
      'train',
      'evaluate',
      'mlops-metrics'
    ]);
    expect(read.constants['STEPS']).toEqual({
      load: {},
      train: { X: 'load', y: 'load' },
      evaluate: { model: 'train', X_test: 'train', y_test: 'train' }
    });
    expect(read.constants['METRICS']).toEqual(['accuracy', 'f1_macro']);
  });

  it('should put user text into dag.py only as ASCII string literals', () => {
    const ir = hostilePipeline();
    const dag = exportAirflow(ir)['dag.py'];
    expect(dag).toMatch(/^[\x20-\x7e\n]*$/);
    expect(dag).not.toContain('touch PWNED") #');
    const read = literals(dag);
    expect(read.params['s']).toEqual({ default: HOSTILE, type: 'string' });
    expect(read.params['n']).toEqual({
      default: null,
      type: ['null', 'string']
    });
    expect(read.constants['NOTEBOOK']).toBe(ir.notebook.path);
    expect(read.description).toBe(
      `Pipeline import of the notebook ${ir.notebook.path}`
    );
    // Keywords and Airflow's own names are task ids (strings), nothing more.
    expect(read.task_ids).toEqual([
      'class',
      'lambda',
      'json',
      'run_step',
      'mlops-metrics'
    ]);
    // No call that the demo's DAG does not make.
    expect(read.calls).toEqual(literals(exportAirflow(demo())['dag.py']).calls);
  });

  it('should write any text as a Python literal that reads back equal', () => {
    const texts = [
      HOSTILE,
      HOSTILE_CONF,
      WEIRD_DIR,
      '',
      '\0\x7f\x80\u00ff\u0100\uffff',
      '\ud800 lone',
      '\u{10ffff}\u{1f600}',
      '\\"\'"""\'\'\'',
      '\u2028\u2029\x0b\x0c\x1c\x85'
    ];
    const output = execFileSync(
      'python',
      [
        '-c',
        'import ast, json, sys; print(json.dumps([ast.literal_eval(line) for line in sys.stdin.read().split("\\n")]))'
      ],
      { input: texts.map(pythonString).join('\n'), encoding: 'utf8' }
    );
    expect(JSON.parse(output)).toEqual(texts);
    expect(texts.map(pythonString).join('')).toMatch(/^[\x20-\x7e]*$/);
  });

  it('should take pool slots from a cpu limit and record the other limits', () => {
    const ir = hostilePipeline();
    const dag = airflowDag(ir);
    const limited = dag.slice(
      dag.indexOf('done["class"]'),
      dag.indexOf('done["lambda"] =')
    );
    expect(limited).toContain('pool_slots=2,');
    expect(limited).toContain('memory=1Gi');
    const slots = (cpu: string) => {
      const steps = ir.steps.map(s =>
        s.name === 'class' ? { ...s, limits: { cpu } } : s
      );
      const text = airflowDag({ ...ir, steps });
      return /pool_slots=(\d+)/.exec(text)?.[1] ?? null;
    };
    expect(slots('1.5')).toBe('2');
    expect(slots('2500m')).toBe('3');
    expect(slots('500m')).toBeNull();
    expect(slots('lots')).toBeNull();
  });

  it('should make DAG ids Airflow takes, apart for names that slug alike', () => {
    const ids = [
      tinyPipeline('a_b', 'a-b.ipynb'),
      tinyPipeline('a_b', 'a b.ipynb'),
      tinyPipeline('train', 'one/train.ipynb'),
      tinyPipeline('train', 'two/train.ipynb'),
      tinyPipeline('x'.repeat(63), `${'y/'.repeat(2000)}x.ipynb`),
      hostilePipeline()
    ].map(airflowDagId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_.-]{1,250}$/);
    }
    expect(ids[5]).toMatch(/^import-[0-9a-f]{8}$/);
  });

  it('should refuse a step that takes a variable from a step run after it', () => {
    const ir = hostilePipeline();
    const bad = pipelineSchema.parse({
      ...ir,
      steps: ir.steps.map(s =>
        s.name === 'lambda' ? { ...s, inputs: { late: 'run_step' } } : s
      )
    });
    expect(() => exportAirflow(bad)).toThrow(
      'step lambda takes from run_step, which does not run before it'
    );
  });
});

/**
 * End to end: Airflow 3.3.2 in `.venv-airflow` (made when missing: about a
 * minute on 2 cores), `airflow db migrate` on SQLite, the exports linked
 * into a dags folder, `airflow dags test` runs them (about 15 s for the
 * demo, 7 s for a small pipeline).
 */
describe('exportAirflow() with Airflow 3', () => {
  const times: Record<string, number> = {};
  let base: string;
  let airflow: AirflowHome;
  const hostile = hostilePipeline();
  const notebookDir = () => join(base, 'project', WEIRD_DIR);
  const hostileExport = () => join(notebookDir(), 'pipelines', 'import');

  /** `airflow dags test` with a fresh run folder; the folder too. */
  function dagsTest(
    ir: PipelineIR,
    conf?: Record<string, unknown>
  ): [IRun, string] {
    const runs = mkdtempSync(join(base, 'runs-'));
    const args = ['dags', 'test', airflowDagId(ir)];
    if (conf !== undefined) {
      args.push('--conf', JSON.stringify(conf));
    }
    const result = airflow.airflow(args, { env: { MLOPS_RUNS_DIR: runs } });
    const label = conf ? ` (conf ${Object.keys(conf).join(', ')})` : '';
    times[`dags test ${ir.name}${label}`] = result.seconds;
    return [result, join(runs, airflowDagId(ir))];
  }

  /** The local runner's metrics of a local export. */
  function localRunner(
    folder: string,
    env: Record<string, string> = {}
  ): Record<string, number> {
    const result = run(
      'python',
      ['-m', 'jupyterlab_mlops.run', folder, '--json'],
      { env: { ...process.env, ...env } }
    );
    expect(result.status, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { metrics: Record<string, number> })
      .metrics;
  }

  beforeAll(() => {
    const venv = ensureAirflowVenv();
    times['venv create'] = venv.create;
    times['pip install'] = venv.install;
    base = mkdtempSync(join(tmpdir(), 'mlops-airflow-'));
    airflow = new AirflowHome(base);
    const migrated = airflow.airflow(['db', 'migrate']);
    expect(migrated.status, migrated.stderr).toBe(0);
    times['db migrate'] = migrated.seconds;
    const exports: [string, PipelineIR, string][] = [
      [
        'demo',
        demo(),
        join(base, 'demo', 'examples', 'pipelines', 'wine_classifier')
      ],
      ['import', hostile, hostileExport()],
      [
        'one',
        tinyPipeline('train', 'one/train.ipynb'),
        join(base, 'one', 'pipelines', 'train')
      ],
      [
        'two',
        tinyPipeline('train', 'two/train.ipynb'),
        join(base, 'two', 'pipelines', 'train')
      ]
    ];
    for (const [link, ir, folder] of exports) {
      writeFiles(join(folder, 'airflow'), exportAirflow(ir));
      writeFiles(join(folder, 'local'), exportLocal(ir));
      airflow.link(link, join(folder, 'airflow'));
    }
  }, 900_000);

  afterAll(() => {
    console.log('airflow export timings (s):', JSON.stringify(times));
    if (base) {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('should parse every exported DAG, and nothing else, with no import error', () => {
    const errors = airflow.airflow([
      'dags',
      'list-import-errors',
      '--local',
      '-o',
      'json'
    ]);
    times['list-import-errors'] = errors.seconds;
    expect(errors.status, errors.stderr).toBe(0);
    expect(lastJson(errors.stdout)).toEqual([]);
    const listed = airflow.airflow(['dags', 'list', '--local', '-o', 'json']);
    const dags = lastJson(listed.stdout) as {
      dag_id: string;
      fileloc: string;
    }[];
    expect(dags.map(d => d.dag_id).sort()).toEqual(
      [
        demo(),
        hostile,
        tinyPipeline('train', 'one/train.ipynb'),
        tinyPipeline('train', 'two/train.ipynb')
      ]
        .map(airflowDagId)
        .sort()
    );
    expect(dags.every(d => d.fileloc.endsWith('/dag.py'))).toBe(true);
    // Parsing ran no step.
    expect(existsSync(join(notebookDir(), 'ran-class.txt'))).toBe(false);
    // Without .airflowignore, safe mode would import the step scripts (the
    // folder's name holds "airflow" and "dag"): the ignore file is what
    // keeps the notebook's code out of the DAG processor.
    const bare = join(base, 'bare-dags', 'import');
    cpSync(join(hostileExport(), 'airflow'), bare, { recursive: true });
    rmSync(join(bare, '.airflowignore'));
    const control = airflow.airflow(
      ['dags', 'list-import-errors', '--local', '-o', 'json'],
      {
        env: { AIRFLOW__CORE__DAGS_FOLDER: join(base, 'bare-dags') }
      }
    );
    const failed = (lastJson(control.stdout) as { filepath: string }[]).map(
      e => e.filepath
    );
    expect(failed.some(path => path.includes('/steps/'))).toBe(true);
  }, 120_000);

  it("should run the demo with airflow dags test to the local runner's metrics", () => {
    const folder = join(
      base,
      'demo',
      'examples',
      'pipelines',
      'wine_classifier'
    );
    const expected = localRunner(join(folder, 'local'));
    expect(Object.keys(expected).sort()).toEqual(['accuracy', 'f1_macro']);
    const [result, runs] = dagsTest(demo());
    expect(result.status, result.stdout.slice(-4000)).toBe(0);
    const [runFolder] = readdirSync(runs);
    const metrics = JSON.parse(
      readFileSync(join(runs, runFolder, 'metrics.json'), 'utf8')
    );
    expect(metrics).toEqual(expected);
    expect(airflow.latestXCom(airflowDagId(demo()), 'mlops-metrics')).toEqual(
      expected
    );
    // The steps ran in the notebook's folder, as locally.
    expect(
      existsSync(join(base, 'demo', 'examples', 'models', 'wine_rf.pkl'))
    ).toBe(true);
  }, 300_000);

  it('should hand a hostile parameter value to a step exactly, never as code or template', () => {
    // The local runner puts a step script's folder first on sys.path, where
    // steps/json.py would shadow json; the DAG sets PYTHONSAFEPATH itself.
    const expected = localRunner(join(hostileExport(), 'local'), {
      PYTHONSAFEPATH: '1'
    });
    expect(expected).toEqual({ score: 2.5, other: 6 });
    rmSync(join(notebookDir(), 'received.json'));
    const [result, runs] = dagsTest(hostile);
    expect(result.status, result.stdout.slice(-4000)).toBe(0);
    expect(
      JSON.parse(readFileSync(join(notebookDir(), 'received.json'), 'utf8'))
    ).toEqual({
      s: HOSTILE,
      n: null,
      f: [0.5, 'float'],
      value: 7
    });
    const [runFolder] = readdirSync(runs);
    expect(
      JSON.parse(readFileSync(join(runs, runFolder, 'metrics.json'), 'utf8'))
    ).toEqual(expected);
    expect(airflow.latestXCom(airflowDagId(hostile), 'mlops-metrics')).toEqual(
      expected
    );
    expect(findPwned(base)).toEqual([]);
  }, 300_000);

  it("should take parameter values from a run's conf, typed", () => {
    const [result] = dagsTest(hostile, { s: HOSTILE_CONF, n: 'null?', f: 2 });
    expect(result.status, result.stdout.slice(-4000)).toBe(0);
    expect(
      JSON.parse(readFileSync(join(notebookDir(), 'received.json'), 'utf8'))
    ).toEqual({
      s: HOSTILE_CONF,
      n: 'null?',
      f: [2, 'float'],
      value: 7
    });
    expect(findPwned(base)).toEqual([]);
  }, 300_000);

  it('should refuse a conf value of the wrong type before any step runs', () => {
    rmSync(join(notebookDir(), 'ran-class.txt'), { force: true });
    const [result, runs] = dagsTest(hostile, { f: '1; import os' });
    expect(result.status).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(
      /ParamValidationError|is not of type 'number'/
    );
    expect(existsSync(runs)).toBe(false);
    expect(existsSync(join(notebookDir(), 'ran-class.txt'))).toBe(false);
  }, 300_000);

  it('should fail the run when a step fails, and run nothing after it', () => {
    const [result, runs] = dagsTest(hostile, { fail: true });
    expect(result.status).not.toBe(0);
    const [runFolder] = readdirSync(runs);
    expect(readdirSync(join(runs, runFolder)).sort()).toEqual(['class']);
    expect(existsSync(join(runs, runFolder, 'class', 'outputs'))).toBe(false);
    expect(existsSync(join(runs, runFolder, 'metrics.json'))).toBe(false);
  }, 300_000);
});

/** Files named PWNED anywhere under a folder. */
function findPwned(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter(
    path => path.split('/').pop() === 'PWNED'
  );
}
