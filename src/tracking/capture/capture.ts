import { ExperimentStore } from '../store/store';
import {
  MANIFEST_SCHEMA_VERSION,
  MAX_SKIPPED_PARAMETERS,
  Manifest
} from '../store/manifest';
import { experimentName } from '../store/names';
import {
  INotebookCell,
  metricsFromOutputs,
  readCells,
  readParameters
} from '../../notebook/cells';
import {
  cellHash,
  executionHealth,
  notebookContentHash,
  runFailures
} from '../../notebook/health';
import { metricSeriesFromOutputs } from '../../notebook/metricSeries';
import { ParameterValue } from '../../notebook/parameters';
import { printedMetrics } from '../../notebook/printedMetrics';
import { assertNoSecrets, scanNotebook } from '../../notebook/secrets';
import { notebookFile } from '../../notebook/notebookFile';
import { notebookSlug } from '../../util/ids';

/**
 * What the lab knows about a notebook at snapshot time. Built from the live
 * model (unsaved edits and outputs included) by the plugin.
 */
export interface ICaptureInput {
  id: string;
  createdAt: Date;
  /** Who takes the snapshot (the lab user's identity), if known. */
  author?: { username: string; name: string } | null;
  path: string;
  /** The notebook as nbformat JSON (`model.toJSON()`). */
  notebook: unknown;
  /** The kernel's name; '' reads as none (null). */
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
  /**
   * The notebook file, when the caller built it already (in slices, see
   * `notebookFileInSlices`); else it is built here from `notebook`.
   */
  notebookFile?: Uint8Array;
}

/**
 * Build the snapshot to store: secret scan first (nothing is built when it
 * finds anything), then the manifest and the files of the commit. The
 * stored notebook keeps no cell's `trusted` flag.
 */
export function buildSnapshot(input: ICaptureInput): ExperimentStore.ISnapshot {
  const cells = checkedCells(input.notebook);
  const read = readParameters(cells);
  const parameters = { ...read.values, ...input.live?.parameters };
  const metrics = {
    ...printedMetrics(cells),
    ...metricsFromOutputs(cells),
    ...input.live?.metrics
  };
  const series = Object.entries(metricSeriesFromOutputs(cells));
  const health = executionHealth(cells);
  const failures = runFailures(cells);
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    id: input.id,
    createdAt: input.createdAt.toISOString(),
    ...(input.author && { author: input.author }),
    notebook: {
      path: input.path,
      slug: notebookSlug(input.path),
      contentHash: notebookContentHash(cells),
      cellHashes: cells.map(cellHash),
      kernelName: input.kernelName?.trim() || null
    },
    parameters,
    metrics,
    // Only when a metric was logged with a step: other manifests stay as
    // they were.
    ...(series.length > 0 && {
      metricSeries: Object.fromEntries(
        series.map(([key, points]) => [
          key,
          points.map(({ step, value }): [number, number] => [step, value])
        ])
      )
    }),
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
      neverRun: health.neverRun,
      failedCells: failures.failedCells,
      interrupted: failures.interrupted || input.kernel === 'dead'
    },
    skippedParameters: read.skipped.slice(0, MAX_SKIPPED_PARAMETERS),
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
      data: input.notebookFile ?? notebookFile(input.notebook)
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
