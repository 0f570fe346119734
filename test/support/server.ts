import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real jupyter_server running the jupyterlab_mlops extension on loopback.
 */
export interface IRunningServer {
  baseUrl: string;
  token: string;
  rootDir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
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

/**
 * Start `jupyter server` (from PATH, or $JUPYTER) in a fresh temp root.
 */
export async function startServer(
  options: {
    rootDir?: string;
    port?: number;
    token?: string;
    /** More command-line options, e.g. `--MlopsExtension.max_read_many_bytes=2048`. */
    args?: string[];
  } = {}
): Promise<IRunningServer & { kill: () => Promise<void> }> {
  const ownRoot = options.rootDir === undefined;
  const rootDir =
    options.rootDir ?? mkdtempSync(join(tmpdir(), 'mlops-vitest-'));
  const token = options.token ?? randomBytes(16).toString('hex');
  const port = options.port ?? (await freePort());
  const jupyter = process.env.JUPYTER ?? 'jupyter';
  const child: ChildProcess = spawn(
    jupyter,
    [
      'server',
      '--no-browser',
      '--ServerApp.ip=127.0.0.1',
      `--ServerApp.port=${port}`,
      '--ServerApp.port_retries=0',
      `--ServerApp.root_dir=${rootDir}`,
      `--IdentityProvider.token=${token}`,
      '--ServerApp.allow_root=True',
      '--ServerApp.jpserver_extensions={"jupyterlab_mlops": True}',
      // The hash cache's key stays out of the user's data folder and out
      // of the root.
      `--MlopsExtension.hash_cache_key_file=${rootDir}.hash-cache.key`,
      // The team's remote for Sync (a local repository: the server's own
      // setting may name one; the lab's may not). Made by the Sync spec.
      `--MlopsExtension.experiments_remote=${rootDir}.team.git`,
      ...(options.args ?? [])
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, JUPYTER_PLATFORM_DIRS: '1' }
    }
  );
  let log = '';
  child.stdout?.on('data', chunk => (log += chunk));
  child.stderr?.on('data', chunk => (log += chunk));
  const baseUrl = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`jupyter server exited (${child.exitCode}):\n${log}`);
    }
    try {
      const response = await fetch(`${baseUrl}mlops/status`, {
        headers: { Authorization: `token ${token}` }
      });
      if (response.ok) {
        break;
      }
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `jupyter server did not answer /mlops/status in 30 s:\n${log}`
      );
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  return {
    baseUrl,
    token,
    rootDir,
    // A crash: no chance to clean up or finish a request.
    kill: async () => {
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([
        exited,
        new Promise(resolve => setTimeout(resolve, 5000))
      ]);
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
      if (ownRoot) {
        rmSync(rootDir, { recursive: true, force: true });
      }
    }
  };
}
