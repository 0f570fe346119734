import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex } from '@noble/hashes/utils';
import { z } from 'zod';

/**
 * Output-insensitive hashes of a notebook and its execution health, as
 * pure functions over plain cell data.
 */

/**
 * A cell as far as hashing and health are concerned.
 */
export interface ICellContent {
  cellType: string;
  source: string;
  /** Code cells: the execution count, null when never run. */
  executionCount?: number | null;
}

/**
 * SHA-256 (hex) of one cell's type and source; outputs and execution counts
 * do not count, so re-running a cell does not change it.
 */
export function cellHash(cell: ICellContent): string {
  return hex(`${cell.cellType}\u0000${cell.source}`);
}

/**
 * SHA-256 (hex) of the whole notebook's cell types and sources, in order.
 */
export function notebookContentHash(cells: readonly ICellContent[]): string {
  return hex(JSON.stringify(cells.map(cell => [cell.cellType, cell.source])));
}

/**
 * Execution health: code cells run out of notebook order, and code cells
 * with source that never ran (indexes are 0-based).
 */
export function executionHealth(cells: readonly ICellContent[]): {
  outOfOrder: boolean;
  neverRun: number[];
} {
  const neverRun: number[] = [];
  let last = 0;
  let outOfOrder = false;
  cells.forEach((cell, index) => {
    if (cell.cellType !== 'code') {
      return;
    }
    const count = cell.executionCount ?? null;
    if (count === null) {
      if (cell.source.trim() !== '') {
        neverRun.push(index);
      }
      return;
    }
    if (count <= last) {
      outOfOrder = true;
    }
    last = count;
  });
  return { outOfOrder, neverRun };
}

/**
 * Failures the outputs show: code cells with an error output (0-based
 * indexes), and whether the run was interrupted (a `KeyboardInterrupt`
 * error output). `sys.exit(0)` (`SystemExit: 0`) is no failure.
 */
export function runFailures(
  cells: readonly (ICellContent & { outputs: readonly unknown[] })[]
): { failedCells: number[]; interrupted: boolean } {
  const failedCells: number[] = [];
  let interrupted = false;
  cells.forEach((cell, index) => {
    if (cell.cellType !== 'code') {
      return;
    }
    let failed = false;
    for (const output of cell.outputs) {
      const error = errorOutput.safeParse(output);
      if (!error.success) {
        continue;
      }
      const { ename, evalue } = error.data;
      if (ename === 'SystemExit' && /^\s*(0|None|)\s*$/.test(evalue)) {
        continue;
      }
      failed = true;
      interrupted ||= ename === 'KeyboardInterrupt';
    }
    if (failed) {
      failedCells.push(index);
    }
  });
  return { failedCells, interrupted };
}

// An nbformat error output; names of the wrong type read as empty.
const errorOutput = z.object({
  output_type: z.literal('error'),
  ename: z.string().catch(''),
  evalue: z.string().catch('')
});

function hex(text: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(text)));
}
