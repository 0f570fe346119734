import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isMlopsError } from '../../src/errors';
import { exportKfp, planKfpNames } from '../../src/pipeline/export/kfp';
import { exportLocal } from '../../src/pipeline/export/local';
import { PipelineIR, pipelineSchema } from '../../src/pipeline/ir';
import {
  containerOf,
  ensureVenv,
  HOSTILE,
  HOSTILE_2,
  hostileIR,
  lastJson,
  python,
  readCompiled,
  writeFiles
} from './kfp/support';
import { buildIR, DEMO, readNotebookCells, ROOT } from './support';

/**
 * The `kfp` export, checked with the real kfp SDK (`.venv-kfp`, made here
 * if missing: test/pipeline/kfp/requirements.txt): the module compiles to
 * KFP's IR YAML and runs end to end with kfp.local, giving the metrics the
 * local runner gives for the same IR.
 */

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

/** The lines of a module inside its component functions. */
function componentLines(module: string): string[] {
  const blocks = module.split('\n@dsl.component(').slice(1);
  return blocks.flatMap(block => block.split('\n\n\n')[0].split('\n'));
}

function find(folder: string, name: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter(entry => entry.name === name)
    .map(entry => join(entry.parentPath, entry.name));
}

describe('exportKfp()', () => {
  it('should write a KFP v2 module, its README and requirements', () => {
    const files = exportKfp(demo());
    expect(Object.keys(files).sort()).toEqual([
      'README.md',
      'pipeline.json',
      'pipeline.py',
      'requirements.txt'
    ]);
    expect(JSON.parse(files['pipeline.json'])).toEqual(demo());
    const module = files['pipeline.py'];
    expect(module.match(/^@dsl\.component\(/gm)).toHaveLength(3);
    expect(module).toContain('def load(\n    p_data_path: str,\n');
    expect(module).toContain('    out_X: Output[Artifact],\n');
    expect(module).toContain('    in_model: Input[Artifact],\n');
    expect(module).toContain('    mlops_metrics: Output[Metrics],\n');
    expect(module).toContain('@dsl.pipeline(name="wine-classifier"');
    expect(module).toContain('    n_estimators: int = 50,\n');
    expect(module).toContain('    test_size: float = 0.25,\n');
    expect(module).toContain(
      '    data_path: str = mlops_str("data/wine.csv"),\n'
    );
    // The step's code runs from a literal: never as lines of the module.
    expect(module).not.toMatch(/^\s*model\.fit\(X_train, y_train\)/m);
    expect(module).toContain('model.fit(X_train, y_train)\\n');
    expect(files['requirements.txt']).toBe(
      '# What pipeline.py needs to compile and to run with kfp.local.\nkfp==2.17.3\n'
    );
    expect(files['README.md']).toContain('| `train` | `train` | default |');
  });

  it('should be a pure function of the IR', () => {
    const ir = hostileIR();
    const copy = structuredClone(ir);
    expect(exportKfp(ir)).toEqual(exportKfp(copy));
    expect(ir).toEqual(copy);
  });

  it('should put no user text into a component but escaped literals', () => {
    const files = exportKfp(hostileIR());
    const lines = componentLines(files['pipeline.py']);
    expect(lines.length).toBeGreaterThan(100);
    // KFP resolves `{{$…}}` and /kfp-workspace anywhere in a command.
    expect(lines.filter(line => line.includes('{'))).toEqual(
      lines.filter(line => /\{"__name__"|\{\}/.test(line))
    );
    expect(lines.some(line => line.includes('/kfp-workspace'))).toBe(false);
    // The value is a literal default of the pipeline only, and never code.
    const module = files['pipeline.py'];
    expect(module).not.toContain('os.system("touch');
    const pwned = module.split('\n').filter(line => line.includes('PWNED'));
    expect(pwned).toHaveLength(1);
    expect(pwned[0]).toMatch(/^ {4}s: str = mlops_str\(".*"\),$/);
    expect(module).toContain('    t: str = "None",\n');
    expect(module).toContain('    f: float = 1.5,\n    b: bool = True,\n');
    expect(module.includes('\\U0001f600')).toBe(true);
    // Only ASCII: the notebook path, labels and code are escaped.
    expect(/^[\x20-\x7e\n]*$/.test(module)).toBe(true);
  });

  it('should set limits, image and cache, and list what KFP core cannot set', () => {
    const files = exportKfp(hostileIR());
    const module = files['pipeline.py'];
    expect(module).toContain('    t_class_step.set_cpu_limit("500m")\n');
    expect(module).toContain('    t_class_step.set_memory_limit("1Gi")\n');
    expect(module).toContain('    t_class_step.set_caching_options(False)\n');
    expect(module).toContain(
      '    t_import_step.set_accelerator_type("nvidia.com/gpu")\n    t_import_step.set_accelerator_limit("1")\n'
    );
    expect(module).toContain(
      '@dsl.component(base_image="python:3.11-slim", packages_to_install=PACKAGES)\ndef class_step('
    );
    expect(module).toContain('    "class": {"ephemeral-storage": "2Gi"},\n');
    expect(module).toMatch(
      /"class": \{"labels": \{"team": "it's \\"ml\\""\}, "annotations": \{"note": "\\x7b\\x7b\$\.inputs\\x7d\\x7d \\x2fkfp-workspace"\}\}/
    );
    const readme = files['README.md'];
    expect(readme).toContain(
      '| `class` | `class-step` | `python:3.11-slim` | `ephemeral-storage: 2Gi` | `team: it\'s "ml"` | `note: {{$.inputs}} /kfp-workspace` | off |'
    );
  });

  it('should install only plain pinned requirements', () => {
    const ir = {
      ...demo(),
      requirements:
        'numpy==2.4.6\nscikit-learn[alldeps]>=1.0,<2  # ok\n# a comment\nevil; $(touch PWNED)\n-r other.txt\ngit+https://example.com/x.git\n'
    };
    const files = exportKfp(ir);
    expect(files['pipeline.py']).toContain(
      'PACKAGES = ["numpy==2.4.6", "scikit-learn[alldeps]>=1.0,<2"]\n'
    );
    expect(files['README.md']).toContain(
      '- `evil; $(touch PWNED)`\n- `-r other.txt`\n- `git+https://example.com/x.git`\n'
    );
    expect(files['requirements.txt']).toContain('kfp==2.17.3\nnumpy==2.4.6\n');
  });

  it('should name steps apart after KFP cleans their names', () => {
    const names = planKfpNames(hostileIR());
    expect(names.pipeline).toBe('lambda_pipeline');
    expect(names.kfpName).toBe('lambda');
    const steps = Object.fromEntries(
      Object.entries(names.steps).map(([step, n]) => [
        step,
        [n.component, n.kfpTask]
      ])
    );
    expect(steps).toEqual({
      class: ['class_step', 'class-step'],
      import: ['import_step', 'import-step'],
      Train_A: ['Train_A', 'train-a'],
      train_a: ['train_a_2', 'train-a-2'],
      train__a: ['train__a_3', 'train-a-3'],
      _train_a: ['step_train_a', 'step-train-a']
    });
    // `train-a` itself is no step name: the IR refuses it.
    const ir = hostileIR();
    ir.steps[2].name = 'train-a';
    expect(pipelineSchema.safeParse(ir).success).toBe(false);
  });

  it('should refuse a parameter KFP cannot take and a default of another type', () => {
    const keyword = hostileIR();
    keyword.parameters[0].name = 'class';
    const typed = hostileIR();
    typed.parameters[2].default = 'three';
    for (const ir of [keyword, typed]) {
      let error: unknown;
      try {
        exportKfp(ir);
      } catch (caught) {
        error = caught;
      }
      expect(isMlopsError(error, 'E_PIPELINE_INVALID')).toBe(true);
    }
  });

  it('should export a pipeline of 500 cells quickly', () => {
    const ir = demo();
    const big: PipelineIR = {
      ...ir,
      steps: Array.from({ length: 500 }, (_, i) => ({
        ...ir.steps[0],
        name: `s${i}`,
        cells: [i],
        source: `${ir.steps[0].source}\nv${i} = ${i}\n`.repeat(20),
        outputs: [`v${i}`],
        inputs: i > 0 ? { [`v${i - 1}`]: `s${i - 1}` } : {}
      })),
      edges: Array.from({ length: 499 }, (_, i): [string, string] => [
        `s${i}`,
        `s${i + 1}`
      ]),
      order: Array.from({ length: 500 }, (_, i) => `s${i}`)
    };
    const started = performance.now();
    const files = exportKfp(pipelineSchema.parse(big));
    const ms = performance.now() - started;
    console.log(
      `exportKfp, 500 steps: ${ms.toFixed(0)} ms, pipeline.py ${(files['pipeline.py'].length / 1e6).toFixed(1)} MB`
    );
    expect(ms).toBeLessThan(5000);
  });
});

describe('exportKfp() with kfp', () => {
  let work: string;
  let venvSeconds: number;

  beforeAll(() => {
    venvSeconds = ensureVenv();
    console.log(`.venv-kfp ready in ${venvSeconds.toFixed(1)} s`);
    work = mkdtempSync(join(tmpdir(), 'mlops-kfp-'));
  }, 900_000);

  afterAll(() => {
    if (work) {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('should compile and run the demo with the local runner’s metrics', () => {
    const ir = demo();
    const project = join(work, 'demo');
    const exports = join(project, 'pipelines', ir.name);
    writeFiles(join(exports, 'kfp'), exportKfp(ir));
    writeFiles(join(exports, 'local'), exportLocal(ir));

    const compiled = python(['pipeline.py'], join(exports, 'kfp'));
    expect(compiled.code, compiled.stderr).toBe(0);
    const yaml = readCompiled(join(exports, 'kfp', 'pipeline.yaml'));
    expect(yaml.pipelineInfo.name).toBe('wine-classifier');
    expect(Object.keys(yaml.root.dag.tasks).sort()).toEqual([
      'evaluate',
      'load',
      'train'
    ]);
    expect(yaml.root.dag.tasks.evaluate.dependentTasks).toEqual(['train']);
    expect(yaml.root.inputDefinitions?.parameters.test_size).toEqual({
      defaultValue: 0.25,
      isOptional: true,
      parameterType: 'NUMBER_DOUBLE'
    });
    expect(Object.keys(yaml.root.outputDefinitions.artifacts).sort()).toEqual([
      'evaluate_metrics',
      'load_metrics',
      'train_metrics'
    ]);

    const kfp = lastJson(
      python(['pipeline.py', '--local', '--json'], join(exports, 'kfp'))
    ) as {
      metrics: Record<string, number>;
    };
    // The load step wrote its CSV where the notebook is.
    expect(existsSync(join(project, 'data', 'wine.csv'))).toBe(true);
    rmSync(join(project, 'data'), { recursive: true });
    const local = lastJson(
      python(
        ['-m', 'jupyterlab_mlops.run', join(exports, 'local'), '--json'],
        ROOT
      )
    ) as { state: string; metrics: Record<string, number> };
    expect(local.state).toBe('done');
    expect(Object.keys(kfp.metrics).sort()).toEqual(['accuracy', 'f1_macro']);
    expect(kfp.metrics).toEqual(local.metrics);
    expect(kfp.metrics.accuracy).toBeGreaterThan(0.8);
  }, 600_000);

  it('should refuse a parameter value of the wrong type', () => {
    const ir = demo();
    const folder = join(work, 'bad', 'pipelines', ir.name, 'kfp');
    writeFiles(folder, exportKfp(ir));
    const run = python(
      ['pipeline.py', '--local', '--param', 'n_estimators=5; rm -rf /'],
      folder
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--param n_estimators=5; rm -rf /: invalid literal for int()'
    );
    const unknown = python(['pipeline.py', '--param', 'nope=1'], folder);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('not a parameter (known: n_estimators,');
    expect(existsSync(join(folder, 'local_outputs'))).toBe(false);
  }, 120_000);

  it('should carry hostile names, paths and values through kfp exactly', () => {
    const ir = hostileIR();
    const project = join(work, 'hostile');
    const notebookFolder = join(project, dirname(ir.notebook.path));
    const exports = join(notebookFolder, 'pipelines', ir.name);
    writeFiles(join(exports, 'kfp'), exportKfp(ir));
    writeFiles(join(exports, 'local'), exportLocal(ir));
    const kfpFolder = join(exports, 'kfp');

    const compiled = python(['pipeline.py'], kfpFolder);
    expect(compiled.code, compiled.stderr).toBe(0);
    const yaml = readCompiled(join(kfpFolder, 'pipeline.yaml'));
    expect(yaml.pipelineInfo.name).toBe('lambda');
    const tasks = yaml.root.dag.tasks;
    expect(
      Object.fromEntries(
        Object.entries(tasks).map(([k, t]) => [k, t.taskInfo.name])
      )
    ).toEqual({
      'class-step': 'class',
      'import-step': 'import',
      'train-a': 'Train_A',
      'train-a-2': 'train_a',
      'train-a-3': 'train__a',
      'step-train-a': '_train_a'
    });
    expect(tasks['class-step'].cachingOptions?.enableCache).toBeFalsy();
    expect(tasks['train-a'].cachingOptions).toEqual({ enableCache: true });
    const cls = containerOf(yaml, 'class-step');
    expect(cls?.image).toBe('python:3.11-slim');
    expect(cls?.resources).toMatchObject({
      resourceCpuLimit: '500m',
      resourceMemoryLimit: '1Gi'
    });
    expect(JSON.stringify(yaml)).not.toContain('ephemeral-storage');
    expect(containerOf(yaml, 'import-step')?.resources).toMatchObject({
      accelerator: { resourceType: 'nvidia.com/gpu', resourceCount: '1' }
    });
    expect(containerOf(yaml, 'train-a')?.resources).toBeUndefined();
    const encoded = String(
      yaml.root.inputDefinitions?.parameters.s.defaultValue
    );
    expect(encoded.startsWith('mlops-base64:')).toBe(true);
    expect(Buffer.from(encoded.slice(13), 'base64').toString('utf8')).toBe(
      HOSTILE
    );

    const echo = () =>
      JSON.parse(
        readFileSync(join(notebookFolder, 'echo.json'), 'utf8')
      ) as unknown;
    const received = () =>
      readFileSync(join(notebookFolder, 'received.txt'), 'utf8');
    const marker = "{{$.inputs.parameters['s']}} /kfp-workspace {{$}}";
    const runs: [string[], string][] = [
      [[], HOSTILE],
      [['--param', `s=${HOSTILE_2}`, '--param', 't=null'], HOSTILE_2]
    ];
    const clear = () => {
      for (const name of ['received.txt', 'echo.json']) {
        rmSync(join(notebookFolder, name), { force: true });
      }
    };
    for (const [params, value] of runs) {
      clear();
      const kfp = lastJson(
        python(['pipeline.py', '--local', '--json', ...params], kfpFolder)
      ) as {
        metrics: Record<string, number>;
      };
      expect(received()).toBe(value);
      const kfpEcho = echo();
      clear();
      expect(kfpEcho).toEqual({
        received: value,
        marker,
        X: [1, 2],
        x: [3],
        kinds: ['None', 3, 1.5, true]
      });
      const local = lastJson(
        python(
          [
            '-m',
            'jupyterlab_mlops.run',
            join(exports, 'local'),
            '--json',
            '--force',
            ...params
          ],
          ROOT
        )
      ) as { state: string; metrics: Record<string, number> };
      expect(local.state).toBe('done');
      expect(received()).toBe(value);
      expect(echo()).toEqual(kfpEcho);
      // `score`: the last of the steps in run order that knows it.
      expect(kfp.metrics).toEqual({ n_chars: [...value].length, score: 4 });
      expect(kfp.metrics).toEqual(local.metrics);
    }
    expect(find(work, 'PWNED')).toEqual([]);
    expect(existsSync(join(ROOT, 'PWNED'))).toBe(false);
  }, 600_000);
});
