import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { dirname, join } from 'node:path';

import { ROOT } from '../support';

/**
 * A real Airflow 3 for the `airflow` export's spec: its own venv at the
 * repository's root (`.venv-airflow`, made here when missing, from the
 * pinned `requirements.txt` beside this file), an `AIRFLOW_HOME` with a
 * SQLite database, and the CLI.
 */

/** The venv, made only by this test. */
export const AIRFLOW_VENV = join(ROOT, '.venv-airflow');

const REQUIREMENTS = join(__dirname, 'requirements.txt');
// What the venv was last installed from: a changed pin set reinstalls.
const STAMP = join(AIRFLOW_VENV, '.mlops-requirements.sha256');

/**
 * The outcome of a command: exit status, output, and seconds taken.
 */
export interface IRun {
  status: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/**
 * Run a command, never through a shell; output kept (up to 256 MB).
 */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}
): IRun {
  const start = Date.now();
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024
  });
  if (result.error) {
    throw result.error;
  }
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    seconds: (Date.now() - start) / 1000
  };
}

/**
 * Make the venv if missing and install the pins unless already installed;
 * answer the seconds each part took (0 when skipped).
 */
export function ensureAirflowVenv(): { create: number; install: number } {
  const times = { create: 0, install: 0 };
  const python = join(AIRFLOW_VENV, 'bin', 'python');
  if (!existsSync(python)) {
    const made = run('python3', ['-m', 'venv', AIRFLOW_VENV]);
    if (made.status !== 0) {
      throw new Error(`python3 -m venv failed: ${made.stderr}`);
    }
    times.create = made.seconds;
  }
  const pins = readFileSync(REQUIREMENTS);
  const hash = createHash('sha256').update(pins).digest('hex');
  if (!existsSync(STAMP) || readFileSync(STAMP, 'utf8') !== hash) {
    const installed = run(python, [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      '-q',
      '-r',
      REQUIREMENTS
    ]);
    if (installed.status !== 0) {
      throw new Error(`pip install failed:\n${installed.stderr}`);
    }
    writeFileSync(STAMP, hash);
    times.install = installed.seconds;
  }
  return times;
}

/**
 * One `AIRFLOW_HOME` (SQLite) and a dags folder.
 */
export class AirflowHome {
  /**
   * Make the home and dags folders under `base`.
   */
  constructor(readonly base: string) {
    this.home = join(base, 'airflow-home');
    this.dags = join(base, 'dags');
    mkdirSync(this.home, { recursive: true });
    mkdirSync(this.dags, { recursive: true });
  }

  /** `AIRFLOW_HOME`. */
  readonly home: string;
  /** The dags folder: links to export folders, as the README says. */
  readonly dags: string;

  /**
   * Link an export folder into the dags folder as `name`.
   */
  link(name: string, folder: string): void {
    symlinkSync(folder, join(this.dags, name), 'dir');
  }

  /**
   * The environment of an Airflow command: ours, less any Airflow settings
   * and venv of the caller, with `extra` on top.
   */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!/^(AIRFLOW|MLOPS_|VIRTUAL_ENV$|PYTHON)/.test(key)) {
        env[key] = value;
      }
    }
    return {
      ...env,
      PATH: `${join(AIRFLOW_VENV, 'bin')}:${process.env['PATH'] ?? ''}`,
      AIRFLOW_HOME: this.home,
      AIRFLOW__CORE__DAGS_FOLDER: this.dags,
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
      ...extra
    };
  }

  /**
   * Run `airflow ARGS` in `cwd` (default: the base folder).
   */
  airflow(
    args: readonly string[],
    options: { env?: Record<string, string>; cwd?: string } = {}
  ): IRun {
    return run(join(AIRFLOW_VENV, 'bin', 'airflow'), args, {
      cwd: options.cwd ?? this.base,
      env: this.env(options.env)
    });
  }

  /**
   * The value of the latest XCom `return_value` of a task, read from the
   * SQLite database with the venv's Python.
   */
  latestXCom(dagId: string, taskId: string): unknown {
    const result = run(
      join(AIRFLOW_VENV, 'bin', 'python'),
      [
        join(__dirname, 'latest_xcom.py'),
        join(this.home, 'airflow.db'),
        dagId,
        taskId
      ],
      { env: this.env() }
    );
    if (result.status !== 0) {
      throw new Error(result.stderr);
    }
    return JSON.parse(result.stdout) as unknown;
  }
}

/**
 * The JSON a command printed with `-o json`: its last line (Airflow logs
 * warnings to stdout before it).
 */
export function lastJson(stdout: string): unknown {
  const lines = stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]) as unknown;
}

/**
 * Write an export's files into `folder`.
 */
export function writeFiles(
  folder: string,
  files: Record<string, string>
): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
}
