/**
 * Writes a synthetic notebook of N chained steps (default 10; each reads
 * the list the step before made and a parameter of its own) and its
 * `local` and `dvc` exports, as the frontend would, for
 * bench/pipeline_noop_bench.py:
 *
 *   OUT/noop.ipynb, OUT/pipelines/noop/local/, OUT/pipelines/noop/dvc/
 *
 * That script compiles this file with `tsc` and runs it with node:
 * `node pipeline_noop_exports.js OUT [N]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { analyzeDataflow } from '../src/pipeline/dataflow';
import { exportDvc } from '../src/pipeline/export/dvc';
import { exportLocal } from '../src/pipeline/export/local';
import { buildPipelineGraph } from '../src/pipeline/graph';
import { buildPipelineIR } from '../src/pipeline/ir';

function cells(steps: number): { tags: string[]; source: string }[] {
  const last = steps - 1;
  const result = [
    { tags: ['imports'], source: 'import math' },
    {
      tags: ['parameters'],
      source: Array.from({ length: steps }, (_, i) => `p${i} = ${i}`).join('\n')
    },
    { tags: ['step:s0'], source: 'v0 = [float(x) for x in range(10000)]' }
  ];
  for (let i = 1; i < last; i++) {
    result.push({
      tags: [`step:s${i}`, `prev:s${i - 1}`],
      source: `v${i} = [x + p${i} for x in v${i - 1}]`
    });
  }
  // The last of the N steps sums the list: the pipeline's metric.
  result.push(
    {
      tags: ['step:total', `prev:s${last - 1}`],
      source: `total = math.fsum(x + p${last} for x in v${last - 1})`
    },
    { tags: ['pipeline-metrics'], source: 'total' }
  );
  return result;
}

function write(folder: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
}

function main(): void {
  const out = process.argv[2];
  const steps = Number(process.argv[3] ?? '10');
  if (!out || !Number.isInteger(steps) || steps < 2) {
    throw new Error('usage: node pipeline_noop_exports.js OUT [STEPS>=2]');
  }
  const notebook = cells(steps);
  const sources = notebook.map(cell => cell.source);
  const graph = buildPipelineGraph(
    notebook.map(cell => ({ cellType: 'code', tags: cell.tags }))
  );
  const result = buildPipelineIR({
    path: 'noop.ipynb',
    contentHash: '0'.repeat(64),
    sources,
    graph,
    flow: analyzeDataflow(graph, sources)
  });
  if (!result.ir) {
    throw new Error(result.errors.join('\n'));
  }
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'noop.ipynb'),
    JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: notebook.map(cell => ({
        cell_type: 'code',
        metadata: { tags: cell.tags },
        source: cell.source,
        outputs: [],
        execution_count: null
      }))
    })
  );
  write(
    join(out, 'pipelines', result.ir.name, 'local'),
    exportLocal(result.ir)
  );
  write(join(out, 'pipelines', result.ir.name, 'dvc'), exportDvc(result.ir));
  process.stdout.write(`${result.ir.order.join(' ')}\n`);
}

main();
