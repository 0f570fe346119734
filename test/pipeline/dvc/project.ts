import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { ROOT } from '../support';

/**
 * Helpers of test/pipeline/exportDvc.spec.ts: the venv with the pinned DVC
 * (`.venv-dvc`, made here when missing), projects in temporary folders,
 * and the runs of `dvc` and of the local runner in them.
 */

const VENV = join(ROOT, '.venv-dvc');
const VENV_PYTHON = join(VENV, 'bin', 'python');
const DVC = join(VENV, 'bin', 'dvc');
const REQUIREMENTS = join(__dirname, 'requirements.txt');
// What the venv was last installed from: pip runs again when it changes.
const STAMP = join(VENV, '.mlops-requirements.txt');

/**
 * Make `.venv-dvc` with the pinned DVC unless it is there; answer the
 * seconds it took (0 when it was there).
 */
export function ensureDvcVenv(): number {
  // Two spec files (exportDvc, exportDvcHostile) may ask at once.
  return Private.withLock(`${VENV}.lock`, makeDvcVenv);
}

function makeDvcVenv(): number {
  const start = Date.now();
  const wanted = readFileSync(REQUIREMENTS, 'utf8');
  if (
    existsSync(DVC) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === wanted
  ) {
    return 0;
  }
  if (!existsSync(VENV_PYTHON)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  execFileSync(
    VENV_PYTHON,
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
  writeFileSync(STAMP, wanted);
  return (Date.now() - start) / 1000;
}

let python: string | undefined;

/**
 * The Python the steps and the local runner run with: the `python` on the
 * PATH that has jupyterlab_mlops (the repository's .venv).
 */
export function stepPython(): string {
  python ??= execFileSync(
    'python',
    ['-c', 'import sys, jupyterlab_mlops; print(sys.executable)'],
    { encoding: 'utf8' }
  ).trim();
  return python;
}

// The temporary folders of `makeProject`, for `removeProjects`.
const made: string[] = [];

/** Remove the folders `makeProject` made. */
export function removeProjects(): void {
  for (const top of made.splice(0)) {
    rmSync(top, { recursive: true, force: true });
  }
}

/**
 * A temporary project: `root` (made a DVC project, without git unless
 * asked) and the environment its `dvc` runs in: the steps' Python first on
 * the PATH, DVC's configuration and site cache inside the project's
 * temporary folder, no analytics and no update check.
 */
export function makeProject(
  name: string,
  options: { git?: boolean } = {}
): { root: string; env: NodeJS.ProcessEnv } {
  const top = mkdtempSync(join(tmpdir(), 'mlops-dvc-'));
  made.push(top);
  const root = join(top, name);
  mkdirSync(root);
  const config = join(top, 'dvc-config');
  mkdirSync(config);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(stepPython())}:${process.env['PATH'] ?? ''}`,
    DVC_NO_ANALYTICS: '1',
    DVC_GLOBAL_CONFIG_DIR: config,
    DVC_SYSTEM_CONFIG_DIR: config,
    DVC_SITE_CACHE_DIR: join(top, 'dvc-site-cache')
  };
  if (options.git) {
    execFileSync('git', ['init', '-q'], { cwd: root, env });
  }
  const init = options.git ? ['init', '-q'] : ['init', '-q', '--no-scm'];
  execFileSync(DVC, init, { cwd: root, env });
  execFileSync(DVC, ['config', 'core.check_update', 'false'], {
    cwd: root,
    env
  });
  return { root, env };
}

/** Write files (path relative to `folder` → text). */
export function writeTree(folder: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
}

/**
 * One `dvc` command in `cwd`: its exit code and its output (stdout and
 * stderr, in that order).
 */
export function dvc(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv
): { code: number; out: string } {
  const done = spawnSync(DVC, args, {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024
  });
  return { code: done.status ?? -1, out: `${done.stdout}${done.stderr}` };
}

/** The stage names `dvc repro` said it ran, in order. */
export function ranStages(out: string): string[] {
  return [...out.matchAll(/^Running stage '([^']+)':$/gm)].map(m => m[1]);
}

/** YAML files read as DVC reads them (its own loader). */
export function loadYaml(...paths: string[]): unknown[] {
  return JSON.parse(
    execFileSync(VENV_PYTHON, [join(__dirname, 'load_yaml.py'), ...paths], {
      encoding: 'utf8'
    })
  ) as unknown[];
}

/**
 * The metrics of `dvc metrics show --json`, the stages' files merged in
 * run order (a later step's value winning), as the local runner merges.
 */
export function dvcMetrics(
  exportDir: string,
  env: NodeJS.ProcessEnv,
  stems: string[]
): Record<string, unknown> {
  const shown = dvc(['metrics', 'show', '--json'], exportDir, env);
  if (shown.code !== 0) {
    throw new Error(shown.out);
  }
  // One entry: the workspace ("" without git); paths relative to `cwd`.
  const [workspace] = Object.values(
    JSON.parse(shown.out) as Record<
      string,
      { data: Record<string, { data?: Record<string, unknown> }> }
    >
  );
  const merged: Record<string, unknown> = {};
  for (const stem of stems) {
    const file = `.mlops-dvc/${stem}/mlops-metrics.json`;
    const entry = Object.entries(workspace.data).find(
      ([path]) => path === file || path.endsWith(`/${file}`)
    );
    if (!entry?.[1].data) {
      throw new Error(`no metrics of ${stem} in ${shown.out}`);
    }
    Object.assign(merged, entry[1].data);
  }
  return merged;
}

/**
 * Run a `local` export with the local runner (`--json`): its final status.
 */
export function runLocal(
  folder: string,
  args: string[] = []
): { state: string; metrics: Record<string, unknown> } {
  const out = execFileSync(
    stepPython(),
    ['-m', 'jupyterlab_mlops.run', folder, '--json', ...args],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
  );
  return JSON.parse(out) as { state: string; metrics: Record<string, unknown> };
}

namespace Private {
  /**
   * Run `work` holding the lock folder `path` (mkdir is atomic), waiting
   * for another holder (one older than 15 minutes is taken as stale).
   */
  export function withLock<T>(path: string, work: () => T): T {
    const deadline = Date.now() + 900_000;
    for (;;) {
      try {
        mkdirSync(path);
        break;
      } catch (reason) {
        if (
          (reason as NodeJS.ErrnoException).code !== 'EEXIST' ||
          Date.now() > deadline
        ) {
          throw reason;
        }
        try {
          if (Date.now() - statSync(path).mtimeMs > 900_000) {
            rmSync(path, { recursive: true, force: true });
          }
        } catch {
          // released meanwhile
        }
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      }
    }
    try {
      return work();
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  }
}
