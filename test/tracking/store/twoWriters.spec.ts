import {
  ChildProcess,
  execFileSync,
  spawn,
  spawnSync
} from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { parseManifest } from '../../../src/tracking/store/manifest';
import { parseExperimentRef } from '../../../src/tracking/store/refs';

/**
 * Two separate node processes, each with its own bridge client and git fs
 * adapter, save 100 snapshots each into one store at the same time through
 * the run's real server. Nothing may be lost, and the git CLI must find a
 * valid repository.
 */

const COUNT = 100;
const here = __dirname;

interface IWriter {
  child: ChildProcess;
  refs: string[];
  errors: string[];
  stderr: string;
  ready: Promise<void>;
  exited: Promise<number | null>;
}

function startWriter(name: string, store: string): IWriter {
  const server = inject('jupyterServer');
  const child = spawn(
    process.execPath,
    [
      join(here, '..', '..', 'support', 'runTs.mjs'),
      join(here, '..', '..', 'support', 'snapshotWriter.ts')
    ],
    {
      cwd: join(here, '..', '..', '..'),
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        MLOPS_BASE_URL: server.baseUrl,
        MLOPS_TOKEN: server.token,
        MLOPS_STORE: store,
        MLOPS_WRITER: name,
        MLOPS_COUNT: String(COUNT)
      }
    }
  );
  const writer: Partial<IWriter> = { child, refs: [], errors: [], stderr: '' };
  let buffered = '';
  writer.ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', chunk => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') {
          resolve();
        } else {
          const parsed = JSON.parse(line) as { ref?: string; error?: string };
          if (parsed.ref !== undefined) {
            writer.refs?.push(parsed.ref);
          } else {
            writer.errors?.push(String(parsed.error));
          }
        }
      }
    });
    child.once('exit', code =>
      reject(new Error(`writer ${name} exited (${code}) before it was ready`))
    );
  });
  child.stderr?.on('data', chunk => (writer.stderr += chunk));
  writer.exited = new Promise(resolve => child.once('exit', resolve));
  return writer as IWriter;
}

describe('ExperimentStore with two writer processes', () => {
  it('should keep all 200 snapshots two processes save at once', async () => {
    const store = `.mlops-two-writers-${process.pid}`;
    const writers = [startWriter('a', store), startWriter('b', store)];
    try {
      await Promise.all(writers.map(writer => writer.ready));
      // Both start together, on a store that does not exist yet: they also
      // race to create the repository.
      const started = Date.now();
      for (const writer of writers) {
        writer.child.stdin?.end('go\n');
      }
      const codes = await Promise.all(writers.map(writer => writer.exited));
      const seconds = (Date.now() - started) / 1000;
      console.info(`two writers, ${2 * COUNT} snapshots: ${seconds} s`);
      for (const writer of writers) {
        expect(writer.errors, writer.stderr).toEqual([]);
        expect(writer.refs).toHaveLength(COUNT);
      }
      expect(codes).toEqual([0, 0]);
    } finally {
      for (const writer of writers) {
        writer.child.kill('SIGKILL');
      }
    }

    const gitDir = join(
      inject('jupyterServer').rootDir,
      store,
      'experiments.git'
    );
    const gitBytes = (args: string[], input?: string): Buffer =>
      execFileSync('git', ['--git-dir', gitDir, ...args], {
        input,
        maxBuffer: 64 * 1024 ** 2
      });
    const git = (args: string[]) => gitBytes(args).toString('utf8');
    const listed = git([
      'for-each-ref',
      '--format=%(refname) %(objecttype)',
      'refs/exps'
    ])
      .trim()
      .split('\n')
      .map(line => line.split(' '));
    const saved = writers.flatMap(writer => writer.refs);
    expect(new Set(saved).size).toBe(2 * COUNT);
    expect(listed.map(([ref]) => ref).sort()).toEqual([...saved].sort());
    expect(listed.every(([, type]) => type === 'commit')).toBe(true);

    // Every manifest, read with the git CLI, parses and names its own ref.
    const batch = gitBytes(
      ['cat-file', '--batch=%(objecttype) %(objectsize)'],
      saved.map(ref => `${ref}:manifest.json\n`).join('')
    );
    let offset = 0;
    for (const ref of saved) {
      const end = batch.indexOf(0x0a, offset);
      const [type, size] = batch.subarray(offset, end).toString().split(' ');
      expect(type, `${ref}:manifest.json`).toBe('blob');
      const bytes = batch.subarray(end + 1, end + 1 + Number(size));
      offset = end + 1 + Number(size) + 1;
      const manifest = parseManifest(new Uint8Array(bytes), ref);
      expect(parseExperimentRef(ref)?.id).toBe(manifest.id);
    }
    expect(offset).toBe(batch.length);

    const fsck = spawnSync(
      'git',
      ['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling'],
      { encoding: 'utf8' }
    );
    expect(fsck.status, `${fsck.stdout}\n${fsck.stderr}`).toBe(0);
    const leftovers = readdirSync(join(gitDir, '..'), {
      recursive: true,
      encoding: 'utf8'
    }).filter(path => path.split('/').pop()?.startsWith('.mlops-tmp-'));
    expect(leftovers).toEqual([]);
  }, 120_000);
});
