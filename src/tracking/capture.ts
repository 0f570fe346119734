import { ExperimentStore } from './store';
import { MANIFEST_SCHEMA_VERSION, Manifest } from './manifest';
import { experimentName } from './names';
import {
  cellHash,
  executionHealth,
  ICellContent,
  notebookContentHash
} from './notebook';
import { notebookSlug } from './ids';
import { ParameterValue, parseParameters } from './parameters';
import { assertNoSecrets, scanNotebook } from './secrets';

/**
 * The MIME type of metrics outputs (`jupyterlab_mlops.log_metrics`).
 */
export const METRICS_MIME = 'application/vnd.mlops.metrics+json';

/**
 * What the lab knows about a notebook at snapshot time. Built from the live
 * model (unsaved edits and outputs included) by the plugin.
 */
export interface ICaptureInput {
  id: string;
  createdAt: Date;
  path: string;
  /** The notebook as nbformat JSON (`model.toJSON()`). */
  notebook: unknown;
  kernelName: string | null;
  kernel: Manifest['health']['kernel'];
  /** Indexes of code cells edited after they last ran. */
  editedAfterRun?: number[];
  /** Live values from the kernel, when one answered. */
  live?: {
    parameters?: Record<string, ParameterValue>;
    metrics?: Record<string, number>;
    environment?: Manifest['environment'];
  };
  /** Name of the parent experiment (restored from), if any. */
  parent?: string | null;
  /** The project's own git state, when the notebook is in a repository. */
  code?: Manifest['code'];
  /** Hashed data (see data.ts) and the small files kept in the commit. */
  data?: Manifest['data'];
  dataFiles?: readonly ExperimentStore.IFile[];
}

/**
 * A cell of nbformat JSON, narrowed from untrusted input.
 */
export interface INotebookCell extends ICellContent {
  tags: string[];
  outputs: unknown[];
}

/**
 * Build the snapshot to store: secret scan first (nothing is built when it
 * finds anything), then the manifest and the files of the commit.
 */
export function buildSnapshot(input: ICaptureInput): ExperimentStore.ISnapshot {
  const cells = readCells(input.notebook);
  assertNoSecrets(scanNotebook(cells));
  const paramsCell = cells.find(cell =>
    cell.tags.some(tag => tag === 'parameters' || tag === 'pipeline-parameters')
  );
  const parameters = {
    ...(paramsCell ? parseParameters(paramsCell.source).values : {}),
    ...input.live?.parameters
  };
  const metrics = { ...metricsFromOutputs(cells), ...input.live?.metrics };
  const health = executionHealth(cells);
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    id: input.id,
    createdAt: input.createdAt.toISOString(),
    notebook: {
      path: input.path,
      slug: notebookSlug(input.path),
      contentHash: notebookContentHash(cells),
      cellHashes: cells.map(cellHash),
      kernelName: input.kernelName
    },
    parameters,
    metrics,
    data: input.data ?? [],
    environment: input.live?.environment ?? {
      python: null,
      platform: null,
      packages: {}
    },
    health: {
      kernel: input.kernel,
      outOfOrder: health.outOfOrder,
      editedAfterRun: input.editedAfterRun ?? [],
      neverRun: health.neverRun
    },
    code: input.code ?? null,
    user: {
      name: experimentName(input.id),
      tags: [],
      starred: false,
      note: '',
      parent: input.parent ?? null
    }
  };
  const files: ExperimentStore.IFile[] = [
    {
      path: 'notebook.ipynb',
      data: new TextEncoder().encode(
        `${JSON.stringify(input.notebook, null, 1)}\n`
      )
    }
  ];
  files.push(...(input.dataFiles ?? []));
  const packages = Object.entries(manifest.environment.packages);
  if (packages.length > 0) {
    files.push({
      path: 'requirements.txt',
      data: new TextEncoder().encode(
        packages
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, version]) => `${name}==${version}\n`)
          .join('')
      )
    });
  }
  return { manifest, files };
}

/**
 * The names to ask the kernel for: every name assigned at the top of the
 * parameters cell, and every bare name in the metrics cell (Kale style).
 */
export function liveRequestFor(notebook: unknown): {
  parameters: string[];
  metrics: string[];
} {
  const cells = readCells(notebook);
  const tagged = (...tags: string[]) =>
    cells.filter(cell => cell.tags.some(tag => tags.includes(tag)));
  const names = (sources: INotebookCell[], pattern: RegExp) => [
    ...new Set(
      sources.flatMap(cell =>
        cell.source.split('\n').flatMap(line => {
          const match = pattern.exec(line);
          return match ? [match[1]] : [];
        })
      )
    )
  ];
  return {
    parameters: names(
      tagged('parameters', 'pipeline-parameters'),
      /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=(?!=)/
    ),
    metrics: names(
      tagged('metrics', 'pipeline-metrics'),
      /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:#.*)?$/
    )
  };
}

/**
 * The cells of nbformat JSON, with sources joined and tags read safely.
 */
export function readCells(notebook: unknown): INotebookCell[] {
  const raw = Private.field(notebook, 'cells');
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw.map(cell => {
    const source = Private.field(cell, 'source');
    const tags = Private.field(Private.field(cell, 'metadata'), 'tags');
    const outputs = Private.field(cell, 'outputs');
    const count = Private.field(cell, 'execution_count');
    return {
      cellType: String(Private.field(cell, 'cell_type') ?? 'code'),
      source: Array.isArray(source)
        ? source.join('')
        : typeof source === 'string'
          ? source
          : '',
      executionCount: typeof count === 'number' ? count : null,
      tags: Array.isArray(tags)
        ? tags.filter((t): t is string => typeof t === 'string')
        : [],
      outputs: Array.isArray(outputs) ? outputs : []
    };
  });
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
      const data = Private.field(Private.field(output, 'data'), METRICS_MIME);
      if (typeof data !== 'object' || data === null || Array.isArray(data)) {
        continue;
      }
      for (const [key, value] of Object.entries(data)) {
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

namespace Private {
  /**
   * A property of an untrusted value, or undefined.
   */
  export function field(value: unknown, key: string): unknown {
    return typeof value === 'object' && value !== null && key in value
      ? (value as Record<string, unknown>)[key]
      : undefined;
  }
}
