import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KernelManager, SessionManager } from '@jupyterlab/services';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { BridgeGitFs } from '../../src/bridge/gitfs/gitfs';
import { auditExpression } from '../../src/kernel/auditHook';
import {
  installAuditHook,
  parseAuditReport,
  watchKernelAudit
} from '../../src/kernel/openedFiles';
import { UlidFactory } from '../../src/util/ids';
import { captureLive } from '../../src/kernel/liveValues';
import { takeSnapshot } from '../../src/tracking/capture/snapshot';
import { ExperimentStore } from '../../src/tracking/store/store';
import { isolatedClient } from '../support/client';
import { kernelServerSettings } from '../support/kernel';

/**
 * A kernel started the way JupyterLab starts one for a notebook: through a
 * session, so it runs in the notebook's folder.
 */
async function startNotebookKernel(path: string) {
  const serverSettings = kernelServerSettings();
  const kernelManager = new KernelManager({ serverSettings });
  const sessions = new SessionManager({ kernelManager, serverSettings });
  const session = await sessions.startNew({
    path,
    name: path.split('/').pop() ?? path,
    type: 'notebook',
    kernel: { name: 'python3' }
  });
  const kernel = session.kernel;
  if (!kernel) {
    throw new Error('no kernel');
  }
  return {
    kernel,
    stop: async () => {
      await session.shutdown();
      sessions.dispose();
      kernelManager.dispose();
    }
  };
}

type Kernel = Awaited<ReturnType<typeof startNotebookKernel>>['kernel'];

/** Names that must travel as data, never as markup or code. */
const HOSTILE = [
  `it's "quoted".csv`,
  '<img src=x onerror=alert(1)>.csv',
  '[1] {x}.csv'
];
const NEWLINE = 'two\nlines.csv';
const NOTEBOOK = 'audit/nb.ipynb';
const STORE = '.mlops-audit-spec';

/** Run code in the kernel as a cell would; fails the test on an error. */
async function run(kernel: Kernel, code: string): Promise<void> {
  const reply = await kernel.requestExecute({ code }).done;
  if (reply.content.status !== 'ok') {
    throw new Error(`kernel error: ${JSON.stringify(reply.content)}`);
  }
}

/** A Python expression's repr, evaluated silently. */
async function look(kernel: Kernel, expression: string): Promise<unknown> {
  const reply = await kernel.requestExecute({
    code: '',
    silent: true,
    store_history: false,
    user_expressions: { x: expression }
  }).done;
  return reply.content.status === 'ok'
    ? reply.content.user_expressions['x']
    : null;
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) {
      return;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  throw new Error('timed out');
}

const HAS_HOOK =
  "getattr(__import__('sys'), '_jupyterlab_mlops_audit', None) is not None";

describe('kernel audit hook', () => {
  let kernel: Kernel;
  let stop: () => Promise<void> = async () => undefined;
  const root = inject('jupyterServer').rootDir;
  const outside = mkdtempSync(join(tmpdir(), 'mlops-audit-outside-'));
  const options = { notebookPath: NOTEBOOK, store: STORE };

  beforeAll(async () => {
    const folder = join(root, 'audit');
    mkdirSync(join(folder, 'data'), { recursive: true });
    mkdirSync(join(folder, 'venv', 'lib', 'site-packages', 'pkg'), {
      recursive: true
    });
    mkdirSync(join(root, STORE), { recursive: true });
    writeFileSync(join(folder, 'data', 'a.csv'), 'x,y\n1,2\n');
    writeFileSync(join(folder, 'data', 'b.txt'), 'b\n');
    writeFileSync(join(folder, '.env'), 'NOT_A_SECRET=1\n');
    writeFileSync(join(folder, 'helper.py'), 'VALUE = 1\n');
    writeFileSync(join(folder, 'nb.ipynb'), '{}');
    writeFileSync(join(root, STORE, 'inside-store.txt'), 'store\n');
    writeFileSync(
      join(folder, 'venv', 'lib', 'site-packages', 'pkg', 'x.txt'),
      ''
    );
    for (const name of [...HOSTILE, NEWLINE]) {
      writeFileSync(join(folder, 'data', name), 'hostile\n');
    }
    writeFileSync(join(outside, 'outside.csv'), 'o\n');
    ({ kernel, stop } = await startNotebookKernel(NOTEBOOK));
  }, 60_000);

  afterAll(() => stop());

  it('should install once, silently, without touching the user namespace or history', async () => {
    await run(kernel, 'user_value = 1');
    const state =
      'repr((sorted(globals()), len(In), len(Out), get_ipython().execution_count))';
    const stateId = "id(__import__('sys')._jupyterlab_mlops_audit)";
    const before = await look(kernel, state);
    const first = await installAuditHook(kernel, options);
    const installed = await look(kernel, stateId);
    // A second install (another tab, a snapshot) finds the flag and adds
    // no second hook: the state object is still the first one.
    const second = await installAuditHook(kernel, { ...options, limit: 1 });
    await captureLive(kernel, { parameters: [], metrics: [], audit: options });
    expect(first).toEqual({ paths: [], truncated: false });
    expect(second).toEqual(first);
    expect(await look(kernel, stateId)).toEqual(installed);
    expect(before).toMatchObject({ status: 'ok' });
    expect(await look(kernel, state)).toEqual(before);
  });

  it('should record files opened for reading under the root, and only those', async () => {
    await installAuditHook(kernel, options);
    await run(
      kernel,
      [
        'import os, numpy as np',
        'from pathlib import Path',
        "open('data/a.csv').read()",
        "Path('data/b.txt').read_bytes()",
        "np.save('arr.npy', np.arange(3))",
        "np.load('arr.npy')",
        `for name in ${JSON.stringify([...HOSTILE, NEWLINE])}:`,
        "    open(os.path.join('data', name), 'rb').close()",
        "open('data/written.csv', 'w').write('w')",
        "open('data/a.csv', 'r+').close()",
        "open('data/a.csv', 'a').close()",
        "os.close(os.open('data/b.txt', os.O_RDONLY))",
        "open('.env').read()",
        "open('nb.ipynb').read()",
        `open(${JSON.stringify(join(outside, 'outside.csv'))}).read()`,
        `open(os.path.join('..', ${JSON.stringify(STORE)}, 'inside-store.txt')).read()`,
        "open('venv/lib/site-packages/pkg/x.txt').read()",
        "try:\n    open('data')\nexcept IsADirectoryError:\n    pass",
        'import helper',
        "open('/proc/self/status').read()",
        "try:\n    open('data/missing.csv')\nexcept FileNotFoundError:\n    pass",
        // Relative paths follow the working directory of the moment.
        "os.chdir('data')",
        "open('a.csv').read()",
        "open('../../audit/data/b.txt').read()",
        "os.chdir('..')"
      ].join('\n')
    );
    const live = await captureLive(kernel, {
      parameters: [],
      metrics: [],
      audit: options
    });
    expect(live.audit?.truncated).toBe(false);
    // The newline name cannot reach the bridge (a control character): the
    // client drops it instead of splitting it into two paths.
    expect(live.audit?.paths).toEqual(
      [
        'audit/arr.npy',
        'audit/data/a.csv',
        'audit/data/b.txt',
        ...HOSTILE.map(name => `audit/data/${name}`)
      ].sort()
    );
  });

  it('should store the opened files in the snapshot with source audit', async () => {
    const client = isolatedClient('audit');
    const notebook = {
      cells: [
        {
          cell_type: 'code',
          source: "open('data/a.csv')",
          metadata: { tags: ['data:data/declared.txt', 'data:../escape'] },
          outputs: [],
          execution_count: 1
        }
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5
    };
    writeFileSync(join(root, 'audit', 'data', 'declared.txt'), 'd\n');
    const { manifest } = await takeSnapshot({
      notebook,
      path: NOTEBOOK,
      kernel,
      kernelSpecName: 'python3',
      store: new ExperimentStore({ fs: new BridgeGitFs({ client }) }),
      ids: new UlidFactory(),
      client,
      captureMaxBytes: 1024
    });
    const sources = Object.fromEntries(
      manifest.data.map(entry => [entry.path, entry.sources])
    );
    expect(sources).toEqual({
      'audit/arr.npy': ['audit'],
      'audit/data/a.csv': ['code', 'audit'],
      'audit/data/b.txt': ['audit'],
      'audit/data/declared.txt': ['tags'],
      ...Object.fromEntries(
        HOSTILE.map(name => [`audit/data/${name}`, ['audit']])
      )
    });
    expect(
      manifest.data.every(entry => /^[0-9a-f]{64}$/.test(entry.sha256))
    ).toBe(true);
  });

  it('should bound what it keeps, however many files the kernel opens', async () => {
    await kernel.restart();
    await waitFor(async () => kernel.status === 'idle');
    // A restarted kernel is a new process: no hook until it is installed again.
    expect(await look(kernel, HAS_HOOK)).toMatchObject({
      data: { 'text/plain': 'False' }
    });
    await installAuditHook(kernel, { ...options, limit: 5 });
    await run(
      kernel,
      [
        'import os',
        "os.makedirs('many', exist_ok=True)",
        'for i in range(50):',
        "    open(f'many/{i}.txt', 'w').close()",
        'for _ in range(400):',
        '    for i in range(50):',
        "        open(f'many/{i}.txt').close()"
      ].join('\n')
    );
    const report = await installAuditHook(kernel, options);
    expect(report?.truncated).toBe(true);
    expect(report?.paths).toHaveLength(5);
    expect(
      await look(
        kernel,
        "len(__import__('sys')._jupyterlab_mlops_audit['paths'])"
      )
    ).toMatchObject({ data: { 'text/plain': '5' } });
  });

  it('should be in place before the first cell of a kernel still starting', async () => {
    // The first cell, run as soon as the notebook opened, went to the
    // kernel before the hook when the watcher waited for 'idle'.
    for (let attempt = 0; attempt < 3; attempt++) {
      // A notebook of its own: a session of the same path reuses its kernel.
      const fresh = await startNotebookKernel(`audit/fresh-${attempt}.ipynb`);
      const watch = watchKernelAudit(fresh.kernel, () => options);
      try {
        await run(fresh.kernel, "open('data/a.csv').read()");
        const report = await installAuditHook(fresh.kernel, options);
        expect(report?.paths).toEqual(['audit/data/a.csv']);
      } finally {
        watch.dispose();
        await fresh.stop();
      }
    }
  }, 120_000);

  it('should be installed again by the watcher after a restart', async () => {
    const errors: unknown[] = [];
    const watch = watchKernelAudit(
      kernel,
      () => options,
      reason => errors.push(reason)
    );
    try {
      await kernel.restart();
      await waitFor(async () =>
        JSON.stringify(await look(kernel, HAS_HOOK)).includes('True')
      );
      await run(kernel, "open('data/b.txt').read()");
      const report = await installAuditHook(kernel, options);
      expect(report?.paths).toEqual(['audit/data/b.txt']);
      expect(errors.map(String)).toEqual([]);
    } finally {
      watch.dispose();
    }
  });
});

describe('auditExpression()', () => {
  it('should keep hostile paths out of the Python syntax', () => {
    const expression = auditExpression({
      notebookPath: `x'); __import__('os').system('touch /tmp/pwned'); ('.ipynb`,
      store: `"\n<img src=x onerror=alert(1)>`
    });
    expect(expression).not.toContain('pwned');
    expect(expression).not.toContain('onerror');
    expect(expression).not.toContain('\n');
  });
});

describe('parseAuditReport()', () => {
  it.each([null, 'x', 42, [], {}, { paths: 'a' }, { paths: null }])(
    'should read nothing from %j',
    value => {
      expect(parseAuditReport(value)).toBeNull();
    }
  );

  it('should keep only normalized relative paths, bounded', () => {
    const report = parseAuditReport({
      paths: [
        'data/a.csv',
        'data/a.csv',
        '/etc/passwd',
        '../up.csv',
        'a/../b',
        'a//b',
        './a',
        '~/x',
        'a\\b',
        'new\nline',
        'tab\there',
        'x'.repeat(1025),
        42,
        null,
        '<img src=x onerror=alert(1)>.csv',
        `it's "quoted".csv`
      ],
      truncated: false
    });
    expect(report).toEqual({
      paths: [
        '<img src=x onerror=alert(1)>.csv',
        'data/a.csv',
        `it's "quoted".csv`
      ],
      truncated: false
    });
    expect(parseAuditReport({ paths: ['a', 'b', 'c'] }, 2)).toEqual({
      paths: ['a', 'b'],
      truncated: true
    });
  });
});
