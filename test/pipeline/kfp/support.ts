import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { PipelineIR, pipelineSchema } from '../../../src/pipeline/ir';
import { ROOT } from '../support';

/**
 * Helpers of the kfp export's spec: the venv with the real kfp SDK, files
 * written out, commands run, and the hostile IRs of the round-trips.
 */

/** The venv (in .gitignore) and its interpreter. */
export const VENV = join(ROOT, '.venv-kfp');
export const PYTHON = join(VENV, 'bin', 'python');
const REQUIREMENTS = join(__dirname, 'requirements.txt');

/**
 * Make `.venv-kfp` if missing and install the pinned requirements unless
 * this very list is installed already; answer the seconds it took.
 */
export function ensureVenv(): number {
  const started = Date.now();
  const wanted = readFileSync(REQUIREMENTS, 'utf8');
  const stamp = join(VENV, '.mlops-requirements.txt');
  if (!existsSync(PYTHON)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    execFileSync(
      PYTHON,
      [
        '-m',
        'pip',
        'install',
        '--disable-pip-version-check',
        '--progress-bar',
        'off',
        '-q',
        '-r',
        REQUIREMENTS
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] }
    );
    writeFileSync(stamp, wanted);
  }
  return (Date.now() - started) / 1000;
}

/** Write an export's files under a folder. */
export function writeFiles(folder: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
}

/** A command's exit code and output, run with the venv's Python. */
export function python(
  args: string[],
  cwd: string
): { code: number; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: ROOT };
  delete env['MLOPS_WORKDIR'];
  const result = spawnSync(PYTHON, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr
  };
}

/** The JSON a command prints last, or an error with its output. */
export function lastJson(result: ReturnType<typeof python>): unknown {
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || !line.startsWith('{')) {
    throw new Error(
      `exit ${result.code}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`
    );
  }
  return JSON.parse(line);
}

/** A compiled pipeline.yaml, read by PyYAML (which kfp brings). */
export function readCompiled(path: string): ICompiled {
  return lastJson(
    python(
      [
        '-c',
        'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))',
        path
      ],
      ROOT
    )
  ) as ICompiled;
}

/** What the spec reads of KFP's pipeline IR YAML. */
export interface ICompiled {
  pipelineInfo: { name: string; description?: string };
  root: {
    inputDefinitions?: {
      parameters: Record<
        string,
        { parameterType: string; defaultValue?: unknown }
      >;
    };
    outputDefinitions: { artifacts: Record<string, unknown> };
    dag: {
      tasks: Record<
        string,
        {
          taskInfo: { name: string };
          componentRef: { name: string };
          cachingOptions?: { enableCache?: boolean };
          dependentTasks?: string[];
        }
      >;
    };
  };
  components: Record<string, { executorLabel: string }>;
  deploymentSpec: {
    executors: Record<
      string,
      {
        container: {
          image: string;
          command: string[];
          resources?: Record<string, unknown>;
        };
      }
    >;
  };
}

/** The container of a compiled task. */
export function containerOf(compiled: ICompiled, task: string) {
  const component = compiled.root.dag.tasks[task]?.componentRef.name ?? '';
  const label = compiled.components[component]?.executorLabel ?? '';
  return compiled.deploymentSpec.executors[label]?.container;
}

/** Parameter values that would be code, shell or a KFP placeholder. */
export const HOSTILE =
  '\'; import os; os.system("touch PWNED") #"""\\\\ \\\nnext line {{$.inputs}} ' +
  "{{$.inputs.parameters['p_s']}} /kfp-workspace ü ✓ 😀 '''";
export const HOSTILE_2 =
  '{{$}} mlops-base64:abc $(touch PWNED) `touch PWNED` {{$.pipeline_job_name}}\\';

/** A notebook folder name with quotes, spaces and unicode. */
export const ODD_FOLDER = 'it\'s a "quoted" dïr ✓';

/**
 * A pipeline named by a keyword, steps named by keywords and names that
 * KFP's cleaning (lower case, `_` → `-`) makes one, variables that differ
 * in case, a hostile text parameter and code holding placeholder text.
 */
export function hostileIR(): PipelineIR {
  const step = (
    name: string,
    source: string,
    extra: Partial<PipelineIR['steps'][number]> = {}
  ): PipelineIR['steps'][number] => ({
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
  });
  const collide = ['Train_A', 'train_a', 'train__a', '_train_a'];
  const passed = ['received', 'marker', 'X', 'x', 'kinds'];
  return pipelineSchema.parse({
    schemaVersion: 1,
    name: 'lambda',
    notebook: {
      path: `${ODD_FOLDER}/nb "1" ✓.ipynb`,
      contentHash: 'c'.repeat(64)
    },
    parameters: [
      { name: 's', type: 'str', default: HOSTILE },
      { name: 't', type: 'none', default: null },
      { name: 'k', type: 'int', default: 3 },
      { name: 'f', type: 'float', default: 1.5 },
      { name: 'b', type: 'bool', default: true }
    ],
    metrics: ['n_chars', 'score'],
    shared: 'import json\n%matplotlib inline',
    steps: [
      step(
        'class',
        [
          'received = s',
          'with open("received.txt", "w", encoding="utf-8", newline="") as out:',
          '    out.write(s)',
          'marker = "{{$.inputs.parameters[\'s\']}} /kfp-workspace {{$}}"',
          'X, x = [1, 2], [3]',
          'kinds = [repr(t), k, f, b]'
        ].join('\n'),
        {
          outputs: passed,
          parameters: ['s', 't', 'k', 'f', 'b'],
          limits: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '2Gi' },
          labels: { team: 'it\'s "ml"' },
          annotations: { note: '{{$.inputs}} /kfp-workspace' },
          image: 'python:3.11-slim',
          cache: false
        }
      ),
      step(
        'import',
        [
          'with open("echo.json", "w", encoding="utf-8") as out:',
          '    json.dump({"received": received, "marker": marker, "X": X, "x": x, "kinds": kinds}, out)',
          'n_chars = len(received)'
        ].join('\n'),
        {
          inputs: Object.fromEntries(passed.map(v => [v, 'class'])),
          limits: { 'nvidia.com/gpu': '1' }
        }
      ),
      ...collide.map((name, i) => step(name, `score = ${i + 1}`))
    ],
    edges: [['class', 'import']],
    order: ['class', 'import', ...collide],
    requirements: ''
  });
}
