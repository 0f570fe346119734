import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { exportDvc } from '../../src/pipeline/export/dvc';
import {
  HOSTILE_VALUES,
  hostilePipeline,
  pipeline,
  place,
  step
} from './dvc/fixtures';
import {
  dvc,
  dvcMetrics,
  ensureDvcVenv,
  loadYaml,
  makeProject,
  ranStages,
  removeProjects
} from './dvc/project';
import { ROOT } from './support';

/**
 * The `dvc` export on real DVC 3, hostile input (exportDvc.spec.ts has the
 * demo): paths, values and step names that would break a careless export
 * round-trip exactly; a value with U+0085; a step kept out of the cache.
 */

beforeAll(() => {
  ensureDvcVenv();
}, 600_000);

afterAll(removeProjects);

describe('dvc repro of hostile names and values', () => {
  const ir = hostilePipeline();
  let top: string;
  let env: NodeJS.ProcessEnv;
  let folder: string;
  let first: { code: number; out: string };

  beforeAll(() => {
    const project = makeProject(`proj 'q"uo' ü sp`);
    env = project.env;
    top = dirname(project.root);
    folder = place(ir, project.root);
    first = dvc(['repro'], folder, env);
  }, 300_000);

  it('should give files that never collide, even one case apart', () => {
    const paths = Object.keys(exportDvc(ir));
    expect(new Set(paths.map(p => p.toLowerCase())).size).toBe(paths.length);
    expect(paths).toContain('steps/Load.py');
    expect(paths).toContain('steps/load-3.py');
    expect(paths).toContain('steps/class.py');
    expect(paths).toContain('steps/null.py');
  });

  it('should be read by DVC and YAML as written', () => {
    const listed = dvc(['stage', 'list'], folder, env);
    expect(listed.code, listed.out).toBe(0);
    expect(
      listed.out
        .trim()
        .split('\n')
        .map(line => line.split(/\s+/)[0])
    ).toEqual(['class', 'Load', 'load', 'null']);
    const [params] = loadYaml(join(folder, 'params.yaml'));
    expect(params).toEqual({ ...HOSTILE_VALUES, true: 3 });
  });

  it('should hand each step the exact values and run no value', () => {
    expect(first.code, first.out).toBe(0);
    expect(ranStages(first.out)).toEqual(['class', 'Load', 'load', 'null']);
    const notebookDir = dirname(dirname(dirname(folder)));
    const received: unknown = JSON.parse(
      readFileSync(join(notebookDir, 'received.json'), 'utf8')
    );
    expect(received).toEqual(HOSTILE_VALUES);
    expect(
      JSON.parse(readFileSync(join(notebookDir, 'null.json'), 'utf8'))
    ).toEqual({
      a: 'from Load',
      b: 'from load',
      received: HOSTILE_VALUES,
      n: 4
    });
    const found = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
        entry.isDirectory()
          ? found(join(dir, entry.name))
          : entry.name === 'PWNED'
            ? [join(dir, entry.name)]
            : []
      );
    expect(found(top)).toEqual([]);
    expect(existsSync(join(ROOT, 'PWNED'))).toBe(false);
  });

  it('should keep the two steps one case apart in folders of their own', () => {
    const work = join(folder, '.mlops-dvc');
    expect(readdirSync(work).sort()).toEqual(
      ['Load', 'class', 'load-3', 'null'].sort()
    );
    expect(readdirSync(join(work, 'Load', 'outputs'))).toEqual([
      'a.cloudpickle'
    ]);
    expect(readdirSync(join(work, 'load-3', 'outputs'))).toEqual([
      'b.cloudpickle'
    ]);
    expect(
      dvcMetrics(folder, env, ['class', 'Load', 'load-3', 'null'])
    ).toEqual({ n: 4 });
  });

  it('should be up to date the second time', () => {
    const again = dvc(['repro'], folder, env);
    expect(again.code, again.out).toBe(0);
    expect(ranStages(again.out)).toEqual([]);
    expect(again.out).toContain('Data and pipelines are up to date.');
  }, 120_000);
});

describe('dvc repro of a value with U+0085', () => {
  it('should hand it to the step exactly; DVC checks the stage out again each time', () => {
    const ir = pipeline({
      parameters: [{ name: 'nel', type: 'str', default: 'a\u0085b' }],
      steps: [
        step('one', "open('got.json', 'w').write(json.dumps(nel))", {
          parameters: ['nel']
        })
      ],
      edges: []
    });
    const { root, env } = makeProject('nel');
    const folder = place(ir, root);
    expect(ranStages(dvc(['repro'], folder, env).out)).toEqual(['one']);
    expect(JSON.parse(readFileSync(join(root, 'got.json'), 'utf8'))).toBe(
      'a\u0085b'
    );
    // DVC 3.67's lock file writes the character raw, and reads it back as
    // a line break: the stage looks changed, and DVC restores its outputs
    // from its run cache instead of running it.
    const again = dvc(['repro'], folder, env);
    expect(again.code, again.out).toBe(0);
    expect(ranStages(again.out)).toEqual([]);
    expect(again.out).toContain(
      "Stage 'one' is cached - skipping run, checking out outputs"
    );
  }, 120_000);
});

describe('dvc repro of a step kept out of the cache', () => {
  it('should run it every time, and it alone', () => {
    const ir = pipeline({
      steps: [
        step('fixed', 'x = 1', { outputs: ['x'] }),
        step('fresh', 'y = x + 1', { inputs: { x: 'fixed' }, cache: false })
      ],
      edges: [['fixed', 'fresh']]
    });
    const { root, env } = makeProject('uncached');
    const folder = place(ir, root);
    const first = dvc(['repro'], folder, env);
    expect(first.code, first.out).toBe(0);
    expect(ranStages(first.out)).toEqual(['fixed', 'fresh']);
    const again = dvc(['repro'], folder, env);
    expect(again.code, again.out).toBe(0);
    expect(ranStages(again.out)).toEqual(['fresh']);
    expect(again.out).toContain("Stage 'fixed' didn't change, skipping");
  }, 120_000);
});
