import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { ROOT } from '../pipeline/support';

/**
 * Real MLflow for the registry's tests: `.venv-mlflow` (made here when
 * missing, about a minute) with the pinned MLflow and the kernel's own
 * versions of scikit-learn, numpy, pandas, scipy and cloudpickle, so a
 * model pickled in the kernel loads there as it would in production.
 */

export const MLFLOW_VERSION = '3.17.2';
const VENV = join(ROOT, '.venv-mlflow');
export const MLFLOW_PYTHON = join(VENV, 'bin', 'python');
export const MLFLOW = join(VENV, 'bin', 'mlflow');
const STAMP = join(VENV, '.mlops-requirements.txt');

/** The versions of the model's libraries in the Python the kernels run (PATH's). */
function kernelPins(): string[] {
  const code =
    'import importlib.metadata as m\n' +
    "for d in ('scikit-learn', 'numpy', 'pandas', 'scipy', 'cloudpickle'):\n" +
    "    print(d + '==' + m.version(d))\n";
  return execFileSync('python', ['-c', code], { encoding: 'utf8' })
    .trim()
    .split('\n');
}

/** Make `.venv-mlflow` unless it has what is wanted; the seconds it took (0 when there). */
export function ensureMlflowVenv(): number {
  const start = Date.now();
  const wanted =
    [`mlflow==${MLFLOW_VERSION}`, ...kernelPins()].join('\n') + '\n';
  if (
    existsSync(MLFLOW) &&
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === wanted
  ) {
    return 0;
  }
  if (!existsSync(MLFLOW_PYTHON)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  execFileSync(
    MLFLOW_PYTHON,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      '-q',
      ...wanted.trim().split('\n')
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] }
  );
  writeFileSync(STAMP, wanted);
  return (Date.now() - start) / 1000;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port'))
      );
    });
  });
}

/** `mlflow models serve -m folder --env-manager local` on a free port, once `/ping` answers. */
export async function serveModel(
  folder: string,
  timeoutMs = 120_000
): Promise<{
  url: string;
  process: ChildProcess;
  output: () => string;
  stop: () => void;
}> {
  const port = await freePort();
  let output = '';
  const child = spawn(
    MLFLOW,
    [
      'models',
      'serve',
      '-m',
      folder,
      '--env-manager',
      'local',
      '-h',
      '127.0.0.1',
      '-p',
      String(port)
    ],
    {
      env: {
        ...process.env,
        // mlflow runs `uvicorn` from the PATH.
        PATH: `${join(VENV, 'bin')}:${process.env['PATH'] ?? ''}`,
        MLFLOW_TRACKING_URI: 'file:///nonexistent-mlflow-tracking'
      }
    }
  );
  child.stdout?.on('data', chunk => (output += String(chunk)));
  child.stderr?.on('data', chunk => (output += String(chunk)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `mlflow models serve exited ${child.exitCode}: ${output}`
      );
    }
    try {
      const ping = await fetch(`${url}/ping`);
      if (ping.ok) {
        break;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mlflow models serve never answered /ping: ${output}`);
    }
    await new Promise(resolve => setTimeout(resolve, 250));
  }
  return {
    url,
    process: child,
    output: () => output,
    stop: () => {
      child.kill('SIGTERM');
    }
  };
}

/** Run Python in `.venv-mlflow`; its stdout. */
export function mlflowPython(code: string, args: string[] = []): string {
  return execFileSync(MLFLOW_PYTHON, ['-c', code, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      MLFLOW_TRACKING_URI: 'file:///nonexistent-mlflow-tracking'
    }
  });
}
