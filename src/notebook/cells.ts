import { z } from 'zod';

import type { ICellContent } from './health';
import { ISkippedLine, ParameterValue, parseParameters } from './parameters';
import { hasRoleTag } from './tags';

/**
 * The cells of a notebook as nbformat JSON (untrusted: a file, a model's
 * `toJSON()`, an experiment's stored copy), read with zod, and what a
 * snapshot takes from them without a kernel: the literal parameters and
 * the metrics outputs. Pure, DOM-free.
 */

/**
 * The MIME type of metrics outputs (`jupyterlab_mlops.log_metrics`).
 */
export const METRICS_MIME = 'application/vnd.mlops.metrics+json';

/**
 * A cell of nbformat JSON, narrowed from untrusted input.
 */
export interface INotebookCell extends ICellContent {
  tags: string[];
  outputs: unknown[];
}

/**
 * The cells of nbformat JSON. Every field is read leniently, as nbformat
 * files in the wild have them: v4.0 cells without `id`, `source` as a list
 * of lines, a string or missing, `metadata.tags` as a list or a single
 * string, and anything else of the wrong type read as absent. Not a
 * notebook (no `cells` list) reads as no cells.
 */
export function readCells(notebook: unknown): INotebookCell[] {
  const parsed = Private.notebook.safeParse(notebook);
  return parsed.success ? parsed.data.cells : [];
}

/**
 * papermill's tag for the cell it inserts with the values of a run: it
 * runs after the `parameters` cell, so its values win.
 */
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';

/**
 * A line of a parameters cell that was not read, and where (the cell's
 * 0-based index in the notebook, the line's 1-based number in the cell).
 */
export interface ISkippedParameter extends ISkippedLine {
  cell: number;
}

/**
 * The literal assignments of every `parameters`/`pipeline-parameters`
 * cell, later cells winning, then those of papermill's
 * `injected-parameters` cells over them (as papermill runs them); and
 * every line of those cells that was skipped.
 */
export function readParameters(cells: readonly INotebookCell[]): {
  values: Record<string, ParameterValue>;
  skipped: ISkippedParameter[];
} {
  const values: Record<string, ParameterValue> = {};
  const skipped: ISkippedParameter[] = [];
  const read = (pick: (cell: INotebookCell) => boolean) =>
    cells.forEach((cell, index) => {
      if (cell.cellType !== 'code' || !pick(cell)) {
        return;
      }
      const parsed = parseParameters(cell.source);
      Object.assign(values, parsed.values);
      skipped.push(...parsed.notes.map(note => ({ cell: index, ...note })));
    });
  read(cell => Private.isParameters(cell.tags));
  read(cell => cell.tags.includes(INJECTED_PARAMETERS_TAG));
  return { values, skipped };
}

/**
 * The literal parameter values (see `readParameters`).
 */
export function staticParameters(
  cells: readonly INotebookCell[]
): Record<string, ParameterValue> {
  return readParameters(cells).values;
}

/**
 * Numbers from `application/vnd.mlops.metrics+json` outputs; a later output
 * wins over an earlier one for the same key.
 */
export function metricsFromOutputs(
  cells: readonly INotebookCell[]
): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const cell of cells) {
    for (const output of cell.outputs) {
      const parsed = Private.metricsOutput.safeParse(output);
      if (!parsed.success) {
        continue;
      }
      for (const [key, value] of Object.entries(
        parsed.data.data[METRICS_MIME]
      )) {
        if (
          typeof value === 'number' &&
          Number.isFinite(value) &&
          key.length <= 200
        ) {
          metrics[key] = value;
        }
      }
    }
  }
  return metrics;
}

/**
 * The names to ask the kernel for: every name assigned at the top of the
 * parameters cells (papermill's injected cell too), and every metric the
 * metrics cell names as Kale reads it: a bare name or `print(name)` on a
 * line of its own.
 */
export function liveRequestFor(notebook: unknown): {
  parameters: string[];
  metrics: string[];
} {
  const cells = readCells(notebook).filter(cell => cell.cellType === 'code');
  // Lines over 400 characters: a parameter's name and `=` are at the start
  // (only that much is matched); a metric's line is never that long.
  const names = (
    pick: (tags: string[]) => boolean,
    pattern: RegExp,
    long: 'cut' | 'skip'
  ) => [
    ...new Set(
      cells
        .filter(cell => pick(cell.tags))
        .flatMap(cell =>
          cell.source.split('\n').flatMap(line => {
            const match =
              line.length <= 400
                ? pattern.exec(line)
                : long === 'cut'
                  ? pattern.exec(line.slice(0, 400))
                  : null;
            return match ? [match[1] ?? match[2]] : [];
          })
        )
    )
  ];
  return {
    parameters: names(
      tags =>
        Private.isParameters(tags) || tags.includes(INJECTED_PARAMETERS_TAG),
      /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=(?!=)/,
      'cut'
    ),
    metrics: names(
      tags => hasRoleTag(tags, 'metrics'),
      /^(?:([A-Za-z_][A-Za-z0-9_]*)|print\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\))\s*(?:;\s*)?(?:#.*)?$/,
      'skip'
    )
  };
}

namespace Private {
  /**
   * A parameters cell by its role tag, but not papermill's injected cell
   * (read after the others).
   */
  export function isParameters(tags: readonly string[]): boolean {
    return (
      hasRoleTag(tags, 'parameters') && !tags.includes(INJECTED_PARAMETERS_TAG)
    );
  }

  /**
   * nbformat's multiline string: a list of lines or one string.
   */
  const multiline = z
    .union([z.string(), z.array(z.string()).transform(lines => lines.join(''))])
    .catch('');

  const tags = z
    .union([
      z
        .array(z.unknown())
        .transform(items =>
          items.filter((t): t is string => typeof t === 'string')
        ),
      z.string().transform(tag => (tag.trim() === '' ? [] : [tag]))
    ])
    .catch([]);

  const cell = z
    .object({
      cell_type: z.string().catch('code').default('code'),
      source: multiline.default(''),
      metadata: z
        .object({ tags: tags.default([]) })
        .catch({ tags: [] })
        .default({ tags: [] }),
      outputs: z.array(z.unknown()).catch([]).default([]),
      execution_count: z.number().nullable().catch(null).default(null)
    })
    .transform((raw): INotebookCell => ({
      cellType: raw.cell_type,
      source: raw.source,
      executionCount: raw.execution_count,
      tags: raw.metadata.tags,
      outputs: raw.outputs
    }));

  /**
   * A notebook: its `cells`. An item that is not an object still counts as
   * an (empty code) cell, so indexes stay those of the file.
   */
  export const notebook = z.object({
    cells: z.array(z.unknown()).transform(items =>
      items.map(item => {
        const parsed = cell.safeParse(item);
        return parsed.success ? parsed.data : cell.parse({});
      })
    )
  });

  /**
   * An output that carries metrics: `data[METRICS_MIME]` is an object.
   */
  export const metricsOutput = z.object({
    data: z.object({
      [METRICS_MIME]: z.record(z.string(), z.unknown())
    })
  });
}
