import { stepScript } from './export/local';
import { PipelineIR } from './ir';

/**
 * Where a failing step's error came from in the notebook: the last frame
 * of a Python traceback in the step's log that is in the step's script,
 * mapped back to the cell and the line in it. Pure.
 */

/** A place in the notebook. */
export interface INotebookPlace {
  /** The cell's index in the notebook. */
  cell: number;
  /** The line in the cell, from 1. */
  line: number;
  /** The error line of the traceback (`ValueError: …`), if found. */
  error: string | null;
}

/**
 * The notebook place of the last frame of `log`'s traceback that is in
 * step `name`'s own code (its cells), or null when the error was raised
 * elsewhere (a library, the shared imports), the log has no traceback, or
 * the notebook's cells (`sources`, by index) are no longer the exported
 * ones.
 */
export function locateFailure(
  ir: PipelineIR,
  name: string,
  log: string,
  sources: readonly string[]
): INotebookPlace | null {
  const step = ir.steps.find(s => s.name === name);
  if (
    !step ||
    step.cells.map(i => sources[i] ?? '').join('\n') !== step.source
  ) {
    return null;
  }
  const script = stepScript(ir, name).split('\n');
  const marker = script.indexOf(`# ---- step ${JSON.stringify(name)} ----`);
  if (marker < 0) {
    return null;
  }
  // Script lines count from 1; the step's first line follows the marker.
  const first = marker + 2;
  const file = new RegExp(
    `File "[^"\\n]*[\\\\/]steps[\\\\/]${name}\\.py", line (\\d+)`,
    'g'
  );
  let last: number | null = null;
  for (const match of log.matchAll(file)) {
    last = Number(match[1]);
  }
  if (last === null) {
    return null;
  }
  let offset = last - first;
  for (const cell of step.cells) {
    const length = (sources[cell] ?? '').split('\n').length;
    if (offset >= 0 && offset < length) {
      return { cell, line: offset + 1, error: Private.errorLine(log) };
    }
    offset -= length;
  }
  return null;
}

namespace Private {
  /** The last `SomeError: message` line of a traceback. */
  export function errorLine(log: string): string | null {
    const lines = log.trimEnd().split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      if (
        /^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)\b/.test(lines[i])
      ) {
        return lines[i];
      }
    }
    return null;
  }
}
