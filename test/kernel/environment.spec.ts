import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../src/bridge/gitfs/gitfs';
import { readCells } from '../../src/notebook/cells';
import { captureLive } from '../../src/kernel/liveValues';
import { installAuditHook } from '../../src/kernel/openedFiles';
import { takeSnapshot } from '../../src/tracking/capture/snapshot';
import { ExperimentStore } from '../../src/tracking/store/store';
import { UlidFactory } from '../../src/util/ids';
import { isolatedClient } from '../support/client';
import { startKernel } from '../support/kernel';

type Kernel = Awaited<ReturnType<typeof startKernel>>['kernel'];

// Distribution names compared as pip does (PEP 503).
const norm = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');
const KERNEL_OWN = [
  'ipykernel',
  'tornado',
  'pyzmq',
  'debugpy',
  'psutil',
  'ipython',
  'jupyter-client',
  'traitlets',
  'comm'
];

async function run(kernel: Kernel, code: string): Promise<string> {
  const reply = await kernel.requestExecute({ code }).done;
  return reply.content.status;
}

async function packages(kernel: Kernel): Promise<string[]> {
  const live = await captureLive(
    kernel,
    { parameters: [], metrics: [] },
    20_000
  );
  return Object.keys(live.environment.packages).map(norm).sort();
}

/**
 * requirements.txt records what the user's code imported, not what the
 * kernel loaded for itself: against real ipykernels.
 */
describe('the environment a snapshot records', () => {
  let kernel: Kernel;
  let stop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    ({ kernel, stop } = await startKernel());
    // As the lab does when a notebook's kernel starts (openedFiles.ts).
    await installAuditHook(kernel, { notebookPath: 'env/nb.ipynb' });
  }, 60_000);

  afterAll(() => stop());

  it("should list none of the kernel's own machinery for an idle kernel", async () => {
    const listed = await packages(kernel);
    for (const own of KERNEL_OWN) {
      expect(listed).not.toContain(own);
    }
  });

  it('should not list what showing a traceback loads', async () => {
    expect(await run(kernel, '1 / 0')).toBe('error');
    const listed = await packages(kernel);
    for (const own of ['asttokens', 'executing', 'stack-data', 'pure-eval']) {
      expect(listed).not.toContain(own);
    }
  });

  it('should not list what a !command loads', async () => {
    expect(await run(kernel, '!pip --version')).toBe('ok');
    const listed = await packages(kernel);
    expect(listed).not.toContain('pexpect');
    expect(listed).not.toContain('ptyprocess');
  });

  it('should list what the user imported, with its version', async () => {
    expect(await run(kernel, 'import sklearn')).toBe('ok');
    const live = await captureLive(kernel, { parameters: [], metrics: [] });
    expect(live.environment.packages['scikit-learn']).toMatch(/^\d+\.\d+/);
    expect(Object.keys(live.environment.packages).map(norm)).toContain('numpy');
    for (const own of KERNEL_OWN) {
      expect(Object.keys(live.environment.packages).map(norm)).not.toContain(
        own
      );
    }
  });

  it("should leave out the kernel's closure even when the hook came after the first cell", async () => {
    const late = await startKernel();
    try {
      expect(await run(late.kernel, 'import numpy\n1 / 0')).toBe('error');
      await installAuditHook(late.kernel, { notebookPath: 'env/nb.ipynb' });
      const listed = await packages(late.kernel);
      expect(listed).toContain('numpy');
      for (const own of [...KERNEL_OWN, 'asttokens', 'stack-data']) {
        expect(listed).not.toContain(own);
      }
    } finally {
      await late.stop();
    }
  });
});

/**
 * A Kale notebook run in a real kernel, then snapshotted: its
 * `pipeline-metrics` cell of `print(name)` lines names the metrics.
 */
describe('takeSnapshot() of a Kale notebook that ran', () => {
  const file = join(
    __dirname,
    '..',
    'fixtures',
    'notebooks',
    'kale',
    'backend',
    'kale',
    'tests',
    'assets',
    'notebooks',
    'pipeline_parameters_and_metrics.ipynb'
  );
  let kernel: Kernel;
  let stop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    ({ kernel, stop } = await startKernel());
  }, 60_000);

  afterAll(() => stop());

  it('should capture the metrics and parameters the cells left in the kernel', async () => {
    const notebook: unknown = JSON.parse(readFileSync(file, 'utf8'));
    for (const cell of readCells(notebook)) {
      expect(await run(kernel, cell.source)).toBe('ok');
    }
    const client = isolatedClient('kale');
    const saved = await takeSnapshot({
      notebook,
      path: 'kale/pipeline_parameters_and_metrics.ipynb',
      kernel,
      kernelSpecName: 'python3',
      store: new ExperimentStore({ fs: new BridgeGitFs({ client }) }),
      ids: new UlidFactory(),
      client,
      captureMaxBytes: 1024
    });
    expect(saved.manifest.health.kernel).toBe('live');
    expect(saved.manifest.parameters).toEqual({
      d1: 5,
      d2: 6,
      booltest: true,
      strtest: 'test'
    });
    expect(Object.keys(saved.manifest.metrics).sort()).toEqual([
      'd1',
      'd2',
      'sum_result'
    ]);
    expect(saved.manifest.metrics.d1).toBe(5);
    expect(saved.manifest.metrics.sum_result).toBeGreaterThan(0);
    expect(saved.manifest.metrics.sum_result).toBeLessThan(30);
    expect(saved.manifest.environment.packages['numpy']).toMatch(/^\d/);
    expect(saved.manifest.environment.packages['ipykernel']).toBeUndefined();
  });
});
