import { z } from 'zod';

import type { INotebookCell } from './cells';
import { hasRoleTag } from './tags';

/**
 * Metrics a Kale `pipeline-metrics` cell printed when it ran, read from its
 * outputs with no kernel (a notebook saved after its run, a kernel that
 * died since): the cell is one `print(name)` per line, as Kale writes it,
 * and its standard output is one number per line, as many as there are
 * prints. Anything else (a line that is not `print(name)`, a count that
 * differs, a value that is not a number) reads nothing: a wrong pairing of
 * names and values would be worse than none. DOM-free.
 */

// Linear on any line: no two quantifiers over the same characters meet
// (`\s*(?:;\s*)?`, `\d+(?:\.\d*)?`), and longer lines are not read at all.
const PRINT =
  /^print\(\s*([A-Za-z_][A-Za-z0-9_]{0,199})\s*\)\s*(?:;\s*)?(?:#.*)?$/;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
// A `print(name)` line or a printed number is never longer than this.
const MAX_LINE = 300;
// More prints than this in one cell are not a metrics cell we pair.
const MAX_PRINTS = 1000;

/**
 * The metrics the metrics cells printed (later cells win).
 */
export function printedMetrics(
  cells: readonly INotebookCell[]
): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const cell of cells) {
    if (cell.cellType !== 'code' || !hasRoleTag(cell.tags, 'metrics')) {
      continue;
    }
    const lines = cell.source
      .split('\n')
      .map(line => line.trim())
      .filter(line => line !== '' && !line.startsWith('#'));
    const names = lines.map(line =>
      line.length > MAX_LINE ? undefined : PRINT.exec(line)?.[1]
    );
    if (names.length === 0 || names.length > MAX_PRINTS) {
      continue;
    }
    const printed = Private.stdout(cell.outputs, MAX_PRINTS + 1);
    if (printed.length !== names.length) {
      continue;
    }
    const values = printed.map(text =>
      text.length <= MAX_LINE && NUMBER.test(text) ? Number(text) : NaN
    );
    if (
      names.every(name => name !== undefined) &&
      values.every(value => Number.isFinite(value))
    ) {
      names.forEach((name, i) => {
        if (name !== undefined) {
          metrics[name] = values[i];
        }
      });
    }
  }
  return metrics;
}

namespace Private {
  const stream = z.object({
    output_type: z.literal('stream'),
    name: z.literal('stdout'),
    text: z.union([
      z.string(),
      z.array(z.string()).transform(lines => lines.join(''))
    ])
  });

  /**
   * The non-empty lines of a cell's standard output, trimmed; at most
   * `limit` (enough to tell that there are too many).
   */
  export function stdout(outputs: readonly unknown[], limit: number): string[] {
    const lines: string[] = [];
    for (const output of outputs) {
      const parsed = stream.safeParse(output);
      if (!parsed.success) {
        continue;
      }
      for (const line of parsed.data.text.split('\n')) {
        if (line.trim() !== '') {
          lines.push(line.trim());
          if (lines.length >= limit) {
            return lines;
          }
        }
      }
    }
    return lines;
  }
}
