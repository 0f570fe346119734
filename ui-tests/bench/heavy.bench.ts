import { expect, Page, test } from '@playwright/test';
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';

import { stats, writeSection } from '../../bench/support';

/**
 * A snapshot of a heavy notebook (300 cells, 20 MiB of PNG outputs that do
 * not compress, ~28 MB of JSON) in a real JupyterLab in Chromium, with a
 * running kernel:
 * - the snapshot command's time, from the call until it is saved;
 * - the longest gap between two animation frames while it runs (the UI's
 *   worst freeze), and the main thread's long tasks;
 * - the server's resident memory after each of the snapshots.
 *
 *   cd ui-tests && npx playwright test -c playwright.bench.config.js heavy
 *
 * MLOPS_BENCH_SNAPSHOTS (default 24) snapshots after one warm-up.
 * MLOPS_BENCH_PROFILE=1 also prints where one snapshot spends the main
 * thread (a CPU profile of the page, by self time).
 */

const ROOT = process.env.MLOPS_BENCH_ROOT ?? '';
const SNAPSHOTS = Number(process.env.MLOPS_BENCH_SNAPSHOTS ?? 24);
const REPO = path.resolve(__dirname, '..', '..');
const NOTEBOOK = 'heavy/heavy.ipynb';
const PORT = process.env.MLOPS_GALATA_PORT ?? '8899';

/** The resident memory of the process listening on the lab's port, MiB. */
function serverRssMiB(): number {
  const listening = execFileSync('ss', ['-Hltnp', `sport = :${PORT}`], {
    encoding: 'utf8'
  });
  const pid = /pid=(\d+)/.exec(listening)?.[1];
  if (!pid) {
    throw new Error(`nothing listens on ${PORT}: ${listening}`);
  }
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kib / 1024;
}

interface IRun {
  ms: number;
  maxGap: number;
  longTasks: number[];
  /** The snapshot's steps (User Timing `jupyterlab-mlops:snapshot-*`), ms. */
  steps: Record<string, number>;
}

const STEPS = [
  'json',
  'scan',
  'kernel',
  'data',
  'file',
  'build',
  'save',
  'tree',
  'commit'
];
const STEP_NAMES: Record<string, string> = {
  json: 'the notebook model as JSON (`model.toJSON()`)',
  scan: 'the secret scan',
  kernel: "the kernel's live values",
  data: 'data hashes and the project git state (after the kernel)',
  file: 'the notebook file, after those (built in slices from the start)',
  build: 'the manifest',
  save: 'the commit (blobs, tree, commit, ref)',
  tree: 'the commit: blobs and tree (the notebook sent to write-blob)',
  commit:
    'the commit: commit object, the small objects and the ref (one fs/commit)'
};

/** One snapshot, watched frame by frame. */
function snapshot(page: Page): Promise<IRun> {
  return page.evaluate(async names => {
    const longTasks: number[] = [];
    const observer = new PerformanceObserver(list =>
      list.getEntries().forEach(e => longTasks.push(e.duration))
    );
    observer.observe({ type: 'longtask' });
    let last = performance.now();
    let maxGap = 0;
    let watching = true;
    const frame = (now: number) => {
      maxGap = Math.max(maxGap, now - last);
      last = now;
      if (watching) {
        requestAnimationFrame(frame);
      }
    };
    // Start from a frame, so the first gap is a real one.
    await new Promise(resolve => requestAnimationFrame(resolve));
    last = performance.now();
    requestAnimationFrame(frame);
    const start = performance.now();
    await window.jupyterapp.commands.execute('mlops:snapshot-experiment');
    const ms = performance.now() - start;
    // The frame after: a freeze at the very end counts too.
    await new Promise(resolve => requestAnimationFrame(resolve));
    watching = false;
    observer.disconnect();
    const steps: Record<string, number> = {};
    for (const name of names) {
      const entry = performance
        .getEntriesByName(
          `jupyterlab-mlops:${['tree', 'commit'].includes(name) ? 'store' : 'snapshot'}-${name}`
        )
        .filter(e => e.startTime >= start - 1)
        .at(-1);
      steps[name] = entry?.duration ?? NaN;
    }
    return { ms, maxGap, longTasks, steps };
  }, STEPS);
}

async function experiments(page: Page): Promise<number> {
  const text = await page
    .locator('#jp-mlops-experiments .jp-mlops-Toolbar-count')
    .textContent();
  return Number(/(\d+)/.exec(text ?? '')?.[1] ?? 0);
}

interface IProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** A CPU profile's ten heaviest functions by self time. */
function heaviest(
  profile: { nodes: IProfileNode[]; samples: number[]; timeDeltas: number[] },
  top = 12
): string[] {
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node) {
      return;
    }
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, ms]) => `${ms.toFixed(0)} ms ${key}`);
}

test.skip(ROOT === '', 'run with -c playwright.bench.config.js');

/** A Chrome trace's main-thread events over 30 ms, longest first. */
function longEvents(trace: Buffer): string[] {
  const events = (
    JSON.parse(trace.toString('utf8')) as {
      traceEvents: {
        name: string;
        ph: string;
        dur?: number;
        tid: number;
        args?: { data?: Record<string, unknown>; name?: string };
      }[];
    }
  ).traceEvents;
  const main = events.find(
    e => e.name === 'thread_name' && e.args?.name === 'CrRendererMain'
  )?.tid;
  const longest = events
    .filter(e => e.tid === main && e.name === 'RunTask')
    .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))[0] as {
    ts: number;
    dur: number;
  };
  const inside = new Map<string, number>();
  for (const e of events as unknown as {
    ts: number;
    dur?: number;
    name: string;
    tid: number;
    args?: { data?: { functionName?: string; url?: string } };
  }[]) {
    if (
      e.tid === main &&
      e.ts >= longest.ts &&
      e.ts <= longest.ts + longest.dur
    ) {
      const key = `${e.name} ${e.args?.data?.functionName ?? ''} ${(e.args?.data?.url ?? '').split('/').pop()}`;
      inside.set(key, (inside.get(key) ?? 0) + (e.dur ?? 0) / 1000);
    }
  }
  console.log(
    [...inside]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([k, v]) => `  inside: ${v.toFixed(1)} ${k}`)
      .join('\n')
  );
  return events
    .filter(e => e.tid === main && e.ph === 'X' && (e.dur ?? 0) > 30_000)
    .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
    .slice(0, 25)
    .map(
      e =>
        `${((e.dur ?? 0) / 1000).toFixed(0)} ms ${e.name} ${JSON.stringify(e.args?.data ?? {}).slice(0, 160)}`
    );
}

test('snapshot of a heavy notebook', async ({ page, browser }) => {
  execFileSync('python', [
    path.join(REPO, 'scripts', 'heavy_notebook.py'),
    path.join(ROOT, NOTEBOOK),
    '--cells',
    '300',
    '--image-mib',
    '20'
  ]);
  const bytes = readFileSync(path.join(ROOT, NOTEBOOK)).length;
  await page.goto('/lab?reset');
  await page.waitForFunction(() => 'jupyterapp' in window, undefined, {
    timeout: 120_000
  });
  await page.evaluate(async file => {
    const app = window.jupyterapp;
    await app.restored;
    await app.serviceManager.kernelspecs.ready;
    await app.commands.execute('mlops:open-experiments');
    const widget = (await app.commands.execute('docmanager:open', {
      path: file
    })) as { id: string; sessionContext: { ready: Promise<void> } };
    app.shell.activateById(widget.id);
    await widget.sessionContext.ready;
  }, NOTEBOOK);
  await page
    .locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    .first()
    .waitFor({ timeout: 120_000 });

  const rssBefore = serverRssMiB();
  // Warm-up: the first snapshot creates the store.
  const warm = await snapshot(page);
  const runs: IRun[] = [];
  const rss: number[] = [];
  for (let i = 0; i < SNAPSHOTS; i++) {
    runs.push(await snapshot(page));
    rss.push(serverRssMiB());
  }
  await expect
    .poll(() => experiments(page), { timeout: 60_000 })
    .toBe(SNAPSHOTS + 1);

  let profile: string[] = [];
  if (process.env.MLOPS_BENCH_PROFILE) {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await snapshot(page);
    const { profile: p } = await cdp.send('Profiler.stop');
    profile = heaviest(p as never);
    console.log(profile.join('\n'));
  }

  if (process.env.MLOPS_BENCH_TRACE) {
    await browser.startTracing(page, {
      categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline']
    });
    await snapshot(page);
    console.log(longEvents(await browser.stopTracing()).join('\n'));
  }

  // The blob uploads as the browser saw them: sending, then the server.
  const uploads = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter(e => e.name.includes('/mlops/fs/write-blob'))
      .map(e => {
        const r = e as PerformanceResourceTiming;
        return {
          total: r.duration,
          waiting: r.responseStart - r.requestStart
        };
      })
  );
  console.log(JSON.stringify(uploads));

  const time = stats(runs.map(r => r.ms));
  const gap = stats(runs.map(r => r.maxGap));
  const longest = Math.max(...runs.flatMap(r => r.longTasks), 0);
  const f = (x: number) => x.toFixed(1);
  const half = Math.floor(rss.length / 2);
  console.log(
    JSON.stringify({ warm, time, gap, longest, rssBefore, rss }, null, 1)
  );
  writeSection(
    'Snapshot of a heavy notebook (300 cells, 20 MiB of images)',
    `\`cd ui-tests && npx playwright test -c playwright.bench.config.js heavy\`: a real JupyterLab in Debian's Chromium, a running kernel, a notebook of ${(bytes / 1e6).toFixed(1)} MB written by \`scripts/heavy_notebook.py\` (300 cells, 44 PNGs of random pixels that do not compress); ${SNAPSHOTS} snapshots after one warm-up, each from the command's call until it is saved.

| measure | median | p95 | target |
|---|---|---|---|
| snapshot | ${f(time.median)} ms | ${f(time.p95)} ms | p95 < 500 ms |
| longest gap between two frames while it runs | ${f(gap.median)} ms | ${f(gap.p95)} ms | no gap over 100 ms |
${STEPS.map(step => {
  const s = stats(runs.map(r => r.steps[step]));
  return `| of which ${STEP_NAMES[step]} | ${f(s.median)} ms | ${f(s.p95)} ms | |`;
}).join('\n')}

- Before (ade46ae, the notebook deflated, hashed and base64-encoded in the page and sent through \`write-many\`; the same benchmark on 2026-12-01, 6 snapshots, with the UI tests' MLflow server running beside it): snapshot median 9632 ms, p95 11432 ms; longest frame gap median 2950 ms, p95 3250 ms; longest task 2432 ms; server memory 143 MiB, then 252, 306, 308 MiB after snapshots 1 to 3. The code measured here, with that MLflow server beside it (it now does not start for benchmarks): median 2440 ms.
- Longest main-thread task in all runs: ${f(longest)} ms. The warm-up (creating the store): ${f(warm.ms)} ms, longest frame gap ${f(warm.maxGap)} ms.
- Server memory (VmRSS of the lab's server): ${f(rssBefore)} MiB before the warm-up; after snapshots 1, ${half}, ${rss.length}: ${f(rss[0])}, ${f(rss[half - 1])}, ${f(rss[rss.length - 1])} MiB; growth over the second half ${f(rss[rss.length - 1] - rss[half - 1])} MiB (target: flat after warm-up).
${profile.length > 0 ? `- Where one snapshot spends the page's main thread (CPU profile, self time):\n${profile.map(line => `  - ${line}`).join('\n')}\n` : ''}`
  );
});
