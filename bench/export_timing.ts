/**
 * Times our export of a tagged notebook, in-process, for
 * bench/export_bench.py: tags → graph → data flow → IR → each exporter's
 * files (nothing written). Prints JSON: the milliseconds of every run, per
 * target, after one warm-up run.
 *
 *   node export_timing.js NOTEBOOK.ipynb RUNS
 */
import { readFileSync } from 'node:fs';

import { analyzeDataflow } from '../src/pipeline/dataflow';
import { exportAirflow } from '../src/pipeline/export/airflow';
import { exportDvc } from '../src/pipeline/export/dvc';
import { exportKfp } from '../src/pipeline/export/kfp';
import { exportLocal } from '../src/pipeline/export/local';
import { buildPipelineGraph } from '../src/pipeline/graph';
import { buildPipelineIR, PipelineIR } from '../src/pipeline/ir';

type Cell = {
  cell_type: string;
  source: string | string[];
  metadata?: { tags?: string[] };
};

const EXPORTERS: Record<string, (ir: PipelineIR) => Record<string, string>> = {
  local: exportLocal,
  dvc: exportDvc,
  kfp: exportKfp,
  airflow: exportAirflow
};

function exportOnce(cells: Cell[], target: string): number {
  const start = performance.now();
  const sources = cells.map(cell =>
    Array.isArray(cell.source) ? cell.source.join('') : cell.source
  );
  const graph = buildPipelineGraph(
    cells.map(cell => ({
      cellType: cell.cell_type,
      tags: cell.metadata?.tags ?? []
    }))
  );
  const built = buildPipelineIR({
    path: 'bench.ipynb',
    contentHash: '0'.repeat(64),
    sources,
    graph,
    flow: analyzeDataflow(graph, sources)
  });
  if (built.ir === null) {
    throw new Error(built.errors.join('\n'));
  }
  const files = EXPORTERS[target](built.ir);
  if (Object.keys(files).length === 0) {
    throw new Error('no files');
  }
  return performance.now() - start;
}

function main(): void {
  const [path, runsText] = process.argv.slice(2);
  const runs = Number(runsText ?? '5');
  const cells = (JSON.parse(readFileSync(path, 'utf8')) as { cells: Cell[] })
    .cells;
  const times: Record<string, number[]> = {};
  for (const target of Object.keys(EXPORTERS)) {
    exportOnce(cells, target);
    times[target] = Array.from({ length: runs }, () =>
      exportOnce(cells, target)
    );
  }
  process.stdout.write(`${JSON.stringify(times)}\n`);
}

main();
