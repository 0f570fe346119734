/**
 * One snapshot of the demo notebook whose data is a 1 GiB file already
 * hashed: ours (takeSnapshot through the bridge with a live kernel) against
 * `dvc exp save` and MLflow logging the same params, metrics and notebook,
 * in one run. Needs `bash bench/setup_peers.sh` first. Writes the
 * "Snapshot" section of RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, inject, it } from 'vitest';

import { BridgeGitFs } from '../src/bridge/gitfs/gitfs';
import { liveRequestFor } from '../src/notebook/cells';
import { UlidFactory } from '../src/util/ids';
import { captureLive } from '../src/kernel/liveValues';
import { takeSnapshot } from '../src/tracking/capture/snapshot';
import { ExperimentStore } from '../src/tracking/store/store';
import { isolatedClient } from '../test/support/client';
import { startKernel } from '../test/support/kernel';
import { sample, stats, writeSection } from './support';

const RUNS = 30;
/** The steps a snapshot records (src/tracking/capture/snapshot.ts, store.ts). */
const STEPS: [string, string][] = [
  ['snapshot-scan', 'secret scan of the cells'],
  [
    'snapshot-kernel',
    "the kernel's live values (the project's git state and the known data hashes run beside it)"
  ],
  ['snapshot-data', 'data hashes and git state left after the kernel'],
  ['snapshot-file', 'the notebook file left after those'],
  ['snapshot-build', 'manifest'],
  ['snapshot-save', 'commit (blobs, tree, commit, ref)'],
  ['store-tree', 'of which the blobs and tree built in memory'],
  [
    'store-commit',
    'of which the commit object, and all objects with the ref in one `fs/commit` request'
  ]
];
const SIZE = 1024 * 1024 * 1024;
const PEERS = resolve(__dirname, '..', '.bench-venv', 'bin');

function writeBig(path: string): void {
  const chunk = Buffer.alloc(16 << 20);
  const fd = openSync(path, 'w');
  for (let done = 0; done < SIZE; done += chunk.length) {
    chunk.fill((done >> 20) & 0xff);
    writeSync(fd, chunk);
  }
  closeSync(fd);
}

/** The demo notebook, reading the big file through its `data_path`. */
function notebook(): unknown {
  const nb = JSON.parse(
    readFileSync(
      join(__dirname, '..', 'examples', 'wine_classifier.ipynb'),
      'utf8'
    )
  );
  for (const cell of nb.cells) {
    const source = Array.isArray(cell.source)
      ? cell.source.join('')
      : cell.source;
    cell.source = source.replace(
      'data_path = "data/wine.csv"',
      'data_path = "data/big.bin"'
    );
  }
  return nb;
}

let stopKernel: () => Promise<void> = async () => undefined;
afterAll(() => stopKernel());

it('snapshot: ours vs dvc exp save vs MLflow', async () => {
  const root = inject('jupyterServer').rootDir;
  mkdirSync(join(root, 'bench', 'data'), { recursive: true });
  writeBig(join(root, 'bench', 'data', 'big.bin'));
  const nb = notebook();

  const { kernel, stop } = await startKernel();
  stopKernel = stop;
  await kernel.requestExecute({
    code: 'n_estimators = 50\nmax_depth = 2\naccuracy = 0.93\nf1_macro = 0.92'
  }).done;
  const client = isolatedClient('bench-snap');
  const options = {
    notebook: nb,
    path: 'bench/wine_classifier.ipynb',
    kernel,
    kernelSpecName: 'python3',
    store: new ExperimentStore({ fs: new BridgeGitFs({ client }) }),
    ids: new UlidFactory(),
    client,
    captureMaxBytes: 1 << 20
  };
  // The first snapshot hashes the 1 GiB file (cold); the timed ones find it cached.
  const cold = performance.now();
  const first = await takeSnapshot(options);
  const coldMs = performance.now() - cold;
  if (
    first.manifest.data[0]?.size !== SIZE ||
    first.manifest.health.kernel !== 'live'
  ) {
    throw new Error(
      `bench setup is wrong: ${JSON.stringify(first.manifest.data)}`
    );
  }
  performance.clearMeasures();
  const ours = stats(
    await sample(RUNS, async () => void (await takeSnapshot(options)))
  );
  // Each step's User Timing (src/util/timing.ts), of the timed runs only.
  const steps = STEPS.map(([name, label]) => {
    const all = performance
      .getEntriesByName(`jupyterlab-mlops:${name}`)
      .map(entry => entry.duration);
    return { label, ...stats(all.slice(-RUNS)) };
  });
  // The part no bridge change can shorten: the kernel's one request.
  const request = {
    ...liveRequestFor(nb),
    audit: { notebookPath: options.path, store: client.store }
  };
  const kernelOnly = stats(
    await sample(RUNS, async () => void (await captureLive(kernel, request)))
  );

  // DVC: a git + DVC repo with the same notebook, params, metrics and the
  // 1 GiB file tracked (hard-linked cache, added once).
  const dvcDir = mkdtempSync(join(tmpdir(), 'bench-dvc-'));
  const run = (cmd: string, args: string[]) =>
    execFileSync(cmd, args, {
      cwd: dvcDir,
      stdio: 'pipe',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'bench',
        GIT_AUTHOR_EMAIL: 'bench@example.org',
        GIT_COMMITTER_NAME: 'bench',
        GIT_COMMITTER_EMAIL: 'bench@example.org',
        DVC_NO_ANALYTICS: '1'
      }
    });
  run('git', ['init', '-q']);
  run(join(PEERS, 'dvc'), ['init', '-q']);
  run(join(PEERS, 'dvc'), ['config', 'cache.type', 'hardlink']);
  mkdirSync(join(dvcDir, 'data'));
  execFileSync('ln', [
    join(root, 'bench', 'data', 'big.bin'),
    join(dvcDir, 'data', 'big.bin')
  ]);
  run(join(PEERS, 'dvc'), ['add', '-q', 'data/big.bin']);
  writeFileSync(join(dvcDir, 'wine_classifier.ipynb'), JSON.stringify(nb));
  writeFileSync(
    join(dvcDir, 'metrics.json'),
    '{"accuracy": 0.93, "f1_macro": 0.92}\n'
  );
  writeFileSync(join(dvcDir, 'params.yaml'), 'n_estimators: 0\n');
  run('git', ['add', '-A']);
  run('git', ['commit', '-qm', 'init']);
  const dvc = stats(
    await sample(
      Math.min(RUNS, 15),
      async i => {
        writeFileSync(
          join(dvcDir, 'params.yaml'),
          `n_estimators: ${i + 1000}\nmax_depth: 2\n`
        );
        run(join(PEERS, 'dvc'), ['exp', 'save', '-q', '-n', `run-${i + 1000}`]);
      },
      2
    )
  );

  // MLflow: the same params, metrics and notebook, to a local sqlite store.
  const mlflowDir = mkdtempSync(join(tmpdir(), 'bench-mlflow-'));
  const nbPath = join(mlflowDir, 'wine_classifier.ipynb');
  writeFileSync(nbPath, JSON.stringify(nb));
  const mlflowTimes = JSON.parse(
    execFileSync(
      join(PEERS, 'python'),
      [
        join(__dirname, 'peers', 'mlflow_log.py'),
        mlflowDir,
        nbPath,
        String(RUNS),
        '3'
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR: 'false' }
      }
    )
      .trim()
      .split('\n')
      .pop() ?? '[]'
  ) as number[];
  const mlflow = stats(mlflowTimes);
  const versions = `${run(join(PEERS, 'dvc'), ['--version']).toString().trim()}, mlflow ${execFileSync(join(PEERS, 'python'), ['-c', 'import mlflow; print(mlflow.__version__)'], { encoding: 'utf8' }).trim()}`;
  // The peers' folders go: each run left a GiB-sized DVC repository behind.
  for (const folder of [dvcDir, mlflowDir]) {
    rmSync(folder, { recursive: true, force: true });
  }

  const f = (ms: number) => ms.toFixed(1);
  writeSection(
    'Snapshot of the demo notebook with a 1 GiB data file already hashed',
    `
Command: \`bash bench/setup_peers.sh && PATH=.venv/bin:$PATH npx vitest run -c bench/vitest.config.mts bench/snapshot.bench.ts\`
(ours: ${RUNS} runs of the whole snapshot — secret scan, live values and the audit hook's report from a real kernel, data hash through the bridge (cache hit) while the kernel answers, commit through isomorphic-git over the bridge with its objects and ref in one \`fs/commit\` request;
dvc: 15 runs of \`dvc exp save\` after a params change, as a CLI process, in a git + DVC repo tracking the same 1 GiB file;
MLflow: ${RUNS} runs of start_run + log_params + log_metrics + log_artifact(notebook) in one Python process, local sqlite store (MLflow 3 refuses the file store by default). Peers: ${versions}.)

| how | median ms | p95 ms | ours faster by (median) |
|---|---|---|---|
| ours: snapshot | ${f(ours.median)} | ${f(ours.p95)} | 1.0x |
| peer: \`dvc exp save\` | ${f(dvc.median)} | ${f(dvc.p95)} | ${(dvc.median / ours.median).toFixed(1)}x |
| peer: MLflow logging (in-process) | ${f(mlflow.median)} | ${f(mlflow.p95)} | ${(mlflow.median / ours.median).toFixed(1)}x |

| step of ours | median ms | p95 ms |
|---|---|---|
${steps.map(step => `| ${step.label} | ${f(step.median)} | ${f(step.p95)} |`).join('\n')}

Of the snapshot, the kernel's one silent \`user_expressions\` request (live values, environment, audit hook report) takes ${f(kernelOnly.median)} ms at the median (p95 ${f(kernelOnly.p95)}) when timed alone; the rest (secret scan, hashing in parallel with the kernel, manifest, commit: one \`fs/commit\` request with every object and the ref) is the difference. The extension sets \`TCP_NODELAY\` on kernel websockets (setting \`kernel_websocket_nodelay\`, on by default; see "Kernel websocket round trip"): before it, that request waited ~40 ms behind Nagle's algorithm and delayed ACKs (48.1 ms at the median on 2026-11-30).

First snapshot, hashing the 1 GiB file cold: ${f(coldMs)} ms. Targets: p95 under 150 ms (${ours.p95 < 150 ? 'met' : 'not met'}), at least 5x faster than \`dvc exp save\` (${dvc.median / ours.median >= 5 ? 'met' : 'not met'}).
`
  );
});
