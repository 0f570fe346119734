import { ExperimentStore } from '../store/store';
import { MANIFEST_SCHEMA_VERSION, Manifest } from '../store/manifest';
import { experimentName } from '../store/names';
import {
  cellHash,
  executionHealth,
  ICellContent,
  notebookContentHash
} from '../../notebook/cells';
import { notebookSlug } from '../../util/ids';
import { ParameterValue, parseParameters } from '../../notebook/parameters';
import { assertNoSecrets, scanNotebook } from '../../notebook/secrets';
import { withoutCellTrust } from '../../notebook/trust';
import { field } from '../../util/untrusted';

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
 * finds anything), then the manifest and the files of the commit. The
 * stored notebook keeps no cell's `trusted` flag.
 */
export function buildSnapshot(input: ICaptureInput): ExperimentStore.ISnapshot {
  const cells = checkedCells(input.notebook);
  const parameters = { ...staticParameters(cells), ...input.live?.parameters };
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
      // Trust is this lab's, never the store's (see notebook/trust.ts).
      data: new TextEncoder().encode(
        `${JSON.stringify(withoutCellTrust(input.notebook), null, 1)}\n`
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

// Notebooks already scanned (by object): a snapshot checks early, before
// the kernel is asked or data hashed, and builds later from the same JSON.
const CHECKED = new WeakMap<object, INotebookCell[]>();

/**
 * The cells of a notebook after the secret scan; throws `E_SECRET_FOUND`.
 * The same notebook object is scanned once.
 */
export function checkedCells(notebook: unknown): INotebookCell[] {
  const known =
    typeof notebook === 'object' && notebook !== null
      ? CHECKED.get(notebook)
      : undefined;
  if (known) {
    return known;
  }
  const cells = readCells(notebook);
  assertNoSecrets(scanNotebook(cells));
  if (typeof notebook === 'object' && notebook !== null) {
    CHECKED.set(notebook, cells);
  }
  return cells;
}

/**
 * The literal assignments of every `parameters`/`pipeline-parameters` cell,
 * later cells winning.
 */
export function staticParameters(
  cells: readonly INotebookCell[]
): Record<string, ParameterValue> {
  return Object.assign(
    {},
    ...cells
      .filter(cell =>
        cell.tags.some(t => t === 'parameters' || t === 'pipeline-parameters')
      )
      .map(cell => parseParameters(cell.source).values)
  );
}

/**
 * The cells of nbformat JSON, with sources joined and tags read safely.
 */
export function readCells(notebook: unknown): INotebookCell[] {
  const raw = field(notebook, 'cells');
  if (!Array.isArray(raw)) {
    return [];
  }
  return raw.map(cell => {
    const source = field(cell, 'source');
    const tags = field(field(cell, 'metadata'), 'tags');
    const outputs = field(cell, 'outputs');
    const count = field(cell, 'execution_count');
    return {
      cellType: String(field(cell, 'cell_type') ?? 'code'),
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
      const data = field(field(output, 'data'), METRICS_MIME);
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
