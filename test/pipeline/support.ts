import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { analyzeDataflow } from '../../src/pipeline/dataflow';
import { buildPipelineGraph } from '../../src/pipeline/graph';
import { buildPipelineIR } from '../../src/pipeline/ir';

/**
 * Helpers shared by the pipeline specs: notebooks read as the panel sees
 * them, and the IR of a list of cells.
 */

/** The repository's root. */
export const ROOT = join(__dirname, '..', '..');

/** The demo notebook, relative to the root. */
export const DEMO = 'examples/wine_classifier.ipynb';

/**
 * A cell as the pipeline code takes it: its type, tags and source.
 */
export interface ICell {
  cellType: string;
  tags: string[];
  source: string;
}

/**
 * The cells of a notebook file (a path relative to the root): tags that
 * are not strings are left out, sources joined.
 */
export function readNotebookCells(path: string): ICell[] {
  const notebook = JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as {
    cells: {
      cell_type: string;
      source: string | string[];
      metadata?: { tags?: unknown };
    }[];
  };
  return notebook.cells.map(cell => ({
    cellType: cell.cell_type,
    tags: Array.isArray(cell.metadata?.tags)
      ? (cell.metadata.tags as unknown[]).filter(
          (tag): tag is string => typeof tag === 'string'
        )
      : [],
    source: Array.isArray(cell.source) ? cell.source.join('') : cell.source
  }));
}

/**
 * The graph and data flow of cells (code cells when no type is given).
 */
export function analyze(
  cells: readonly { tags: string[]; source: string; cellType?: string }[]
) {
  const sources = cells.map(cell => cell.source);
  const graph = buildPipelineGraph(
    cells.map(cell => ({ cellType: cell.cellType ?? 'code', tags: cell.tags }))
  );
  return { graph, sources, flow: analyzeDataflow(graph, sources) };
}

/**
 * `buildPipelineIR` of cells, at `path`, with this content hash and these
 * requirements.
 */
export function buildIR(
  cells: readonly { tags: string[]; source: string; cellType?: string }[],
  options: { path: string; contentHash: string; requirements?: string }
): ReturnType<typeof buildPipelineIR> {
  const { graph, sources, flow } = analyze(cells);
  return buildPipelineIR({ ...options, sources, graph, flow });
}
