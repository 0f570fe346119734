import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { MlopsError } from '../../../src/errors';
import { UlidFactory } from '../../../src/util/ids';
import { takeSnapshot } from '../../../src/tracking/capture/snapshot';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { isolatedClient } from '../../support/client';
import { startKernel } from '../../support/kernel';

const demo = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', '..', 'examples', 'wine_classifier.ipynb'),
    'utf8'
  )
) as { cells: { source: string | string[] }[] };

describe('takeSnapshot()', () => {
  const root = () => inject('jupyterServer').rootDir;
  let kernel: Awaited<ReturnType<typeof startKernel>>['kernel'];
  let stop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    ({ kernel, stop } = await startKernel());
    // What running the demo leaves in the kernel, without training a model
    // (its import is what requirements.txt records).
    await kernel.requestExecute({
      code: 'import numpy\nn_estimators = 80\nmax_depth = 3\naccuracy = 0.93\nf1_macro = 0.92'
    }).done;
    mkdirSync(join(root(), 'proj', 'data'), { recursive: true });
    writeFileSync(
      join(root(), 'proj', 'data', 'wine.csv'),
      'alcohol,target\n13.2,0\n'
    );
    // The project is a git repository: the snapshot records its HEAD.
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t'
    };
    for (const args of [
      ['init', '-q', '-b', 'main'],
      ['add', '-A'],
      ['commit', '-qm', 'project']
    ]) {
      execFileSync('git', ['-C', join(root(), 'proj'), ...args], { env });
    }
  }, 60_000);

  afterAll(() => stop());

  function context(prefix: string) {
    const client = isolatedClient(prefix);
    const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
    const gitDir = join(root(), client.store ?? '', 'experiments.git');
    return {
      client,
      store,
      git: (...args: string[]) =>
        execFileSync('git', ['--git-dir', gitDir, ...args], {
          encoding: 'utf8'
        }),
      options: {
        path: 'proj/wine_classifier.ipynb',
        kernelSpecName: 'python3',
        store,
        ids: new UlidFactory(),
        client,
        captureMaxBytes: 1024
      }
    };
  }

  it('should record live values, hashed data and the notebook in one commit', async () => {
    const { options, git } = context('take');
    const phases: string[] = [];
    const saved = await takeSnapshot({
      ...options,
      notebook: demo,
      kernel,
      onPhase: phase => phases.push(phase)
    });
    // What the progress toast says it waits for, in order.
    expect(phases[0]).toBe('kernel');
    expect(phases.slice(-1)).toEqual(['saving']);
    expect(phases).toContain('hashing');
    expect(saved.note).toBeNull();
    expect(saved.manifest.health.kernel).toBe('live');
    expect(saved.manifest.parameters).toMatchObject({
      n_estimators: 80,
      max_depth: 3,
      test_size: 0.25
    });
    expect(saved.manifest.metrics).toEqual({ accuracy: 0.93, f1_macro: 0.92 });
    expect(saved.manifest.environment.python).toMatch(/^3\./);
    expect(saved.manifest.code).toEqual({
      commit: execFileSync(
        'git',
        ['-C', join(root(), 'proj'), 'rev-parse', 'HEAD'],
        {
          encoding: 'utf8'
        }
      ).trim(),
      branch: 'main',
      dirty: false
    });
    expect(saved.manifest.data).toEqual([
      {
        path: 'proj/data/wine.csv',
        kind: 'file',
        sha256: createHash('sha256')
          .update('alcohol,target\n13.2,0\n')
          .digest('hex'),
        size: 22,
        stored: true,
        sources: ['code']
      }
    ]);
    // The bytes kept are the bytes hashed: the bridge sent them together.
    const kept = git('show', `${saved.ref}:data/proj/data/wine.csv`);
    expect(kept).toBe('alcohol,target\n13.2,0\n');
    expect(createHash('sha256').update(kept).digest('hex')).toBe(
      saved.manifest.data[0]?.sha256
    );
    expect(git('ls-tree', '--name-only', saved.ref).split('\n')).toContain(
      'requirements.txt'
    );
    const requirements = git('show', `${saved.ref}:requirements.txt`);
    expect(requirements).toMatch(/^numpy==\d/m);
    expect(requirements).not.toMatch(/^(ipykernel|tornado|pyzmq)==/m);
    git('fsck', '--strict', '--no-dangling');
  });

  it('should keep what it hashed of the small files a notebook reads, and nothing from outside the root', async () => {
    const { options, git } = context('reads');
    const outside = mkdtempSync(join(tmpdir(), 'snapshot-outside-'));
    writeFileSync(join(outside, 'secret.csv'), 'outside,1\n');
    mkdirSync(join(root(), 'reads', 'data'), { recursive: true });
    writeFileSync(join(root(), 'reads', 'data', 'small.csv'), 'inside,1\n');
    writeFileSync(join(root(), 'reads', 'data', 'big.csv'), 'x'.repeat(2000));
    symlinkSync(
      join(outside, 'secret.csv'),
      join(root(), 'reads', 'data', 'out.csv')
    );
    const notebook = {
      cells: [
        {
          cell_type: 'code',
          source: [
            'import pandas as pd',
            "small = pd.read_csv('data/small.csv')",
            "big = pd.read_csv('data/big.csv')",
            "out = pd.read_csv('data/out.csv')"
          ].join('\n'),
          metadata: {},
          outputs: [],
          execution_count: null
        }
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5
    };
    const saved = await takeSnapshot({
      ...options,
      path: 'reads/analysis.ipynb',
      notebook,
      kernel: null
    });
    const data = Object.fromEntries(
      saved.manifest.data.map(entry => [entry.path, entry])
    );
    expect(Object.keys(data).sort()).toEqual([
      'reads/data/big.csv',
      'reads/data/small.csv'
    ]);
    expect(data['reads/data/small.csv']).toMatchObject({
      stored: true,
      sha256: createHash('sha256').update('inside,1\n').digest('hex')
    });
    expect(data['reads/data/big.csv']).toMatchObject({
      stored: false,
      size: 2000
    });
    expect(git('show', `${saved.ref}:data/reads/data/small.csv`)).toBe(
      'inside,1\n'
    );
    expect(git('ls-tree', '-r', '--name-only', saved.ref)).not.toMatch(
      /out\.csv|big\.csv/
    );
  });

  it('should ask a kernel whose connection is not up yet, and skip a dead one', async () => {
    // A notebook page just opened (Notebook 7 in particular): the kernel
    // reports `unknown` until its websocket is connected. It is asked (the
    // request waits for the connection), not recorded as dead.
    const { options } = context('starting');
    const reporting = (status: string) =>
      new Proxy(kernel, {
        get: (target, key) =>
          key === 'status'
            ? status
            : Reflect.get(target, key, target) instanceof Function
              ? (Reflect.get(target, key, target) as CallableFunction).bind(
                  target
                )
              : Reflect.get(target, key, target)
      });
    const phases: string[] = [];
    const starting = await takeSnapshot({
      ...options,
      notebook: demo,
      kernel: reporting('unknown'),
      onPhase: phase => phases.push(phase)
    });
    expect(phases[0]).toBe('kernel-starting');
    expect(starting.manifest.health.kernel).toBe('live');
    expect(starting.manifest.metrics).toEqual({
      accuracy: 0.93,
      f1_macro: 0.92
    });
    const dead = await takeSnapshot({
      ...options,
      notebook: demo,
      kernel: reporting('dead')
    });
    expect(dead.manifest.health.kernel).toBe('dead');
    expect(dead.note).toBe('E_KERNEL_UNAVAILABLE');
    expect(dead.manifest.metrics).toEqual({});
  });

  it('should keep static values when there is no kernel', async () => {
    const { options } = context('nokernel');
    const saved = await takeSnapshot({
      ...options,
      notebook: demo,
      kernel: null
    });
    expect(saved.manifest.health.kernel).toBe('none');
    expect(saved.manifest.parameters.n_estimators).toBe(50);
    expect(saved.manifest.metrics).toEqual({});
  });

  it('should hash paths from the settings too, saying where each came from', async () => {
    const { options } = context('settings');
    const saved = await takeSnapshot({
      ...options,
      notebook: demo,
      kernel: null,
      settingsPaths: ['proj/data', 'proj/data/wine.csv', '../outside', '/etc']
    });
    expect(saved.manifest.data.map(d => [d.path, d.kind, d.sources])).toEqual([
      ['proj/data', 'dir', ['settings']],
      ['proj/data/wine.csv', 'file', ['code', 'settings']]
    ]);
  });

  it('should write nothing when the notebook holds a secret', async () => {
    const { options, store } = context('secret');
    const leaky = {
      cells: [
        ...demo.cells,
        {
          cell_type: 'code',
          source: `slack = "${['xoxb', '123456789012', '1234567890123', 'AbCdEfGhIjKlMnOpQrStUvWx'].join('-')}"`,
          metadata: {},
          outputs: []
        }
      ]
    };
    const error = await takeSnapshot({
      ...options,
      notebook: leaky,
      kernel
    }).catch(e => e);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('E_SECRET_FOUND');
    expect(await store.list()).toEqual([]);
  });
});
