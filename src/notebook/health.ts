import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex } from '@noble/hashes/utils';

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

function hex(text: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(text)));
}
