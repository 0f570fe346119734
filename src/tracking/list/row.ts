import { z } from 'zod';

import { isMlopsError } from '../../errors';
import { Manifest } from '../store/manifest';
import { parameterValue } from '../../notebook/parameters';
import { ExperimentStore } from '../store/store';

/**
 * The rows of the Experiments panel and where they come from, below the
 * list (`experimentList.ts`), its IndexedDB cache (`rowCache.ts`) and the bulk reader
 * (`bulkSource.ts`), which all share them. DOM-free.
 */

/**
 * One row of the Experiments panel, as zod reads it back from a cache
 * (IndexedDB is shared by every tab and extension of the origin).
 */
export const experimentRowSchema = z.object({
  ref: z.string(),
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.string(),
  notebookPath: z.string(),
  /** Who took it: the lab user's name (username if none), if recorded. */
  author: z.string().optional(),
  parameters: z.record(z.string(), parameterValue),
  metrics: z.record(z.string(), z.number()),
  starred: z.boolean(),
  tags: z.array(z.string()),
  /**
   * The range of each step-wise metric (`metricSeries`), so the list can
   * show its best value instead of its last (`stepValues.ts`).
   */
  series: z
    .record(
      z.string(),
      z.object({ min: z.number(), max: z.number(), steps: z.number() })
    )
    .optional(),
  /** The user's note (searched by the filter's free words). */
  note: z.string().optional(),
  /**
   * The run failed: a cell has an error output, the run was interrupted or
   * its kernel died (`failedOf`). Optional so rows built elsewhere need not
   * say; rows read from manifests always do.
   */
  failed: z.boolean().optional(),
  /** Why the experiment cannot be read (corrupt manifest, …), if so. */
  broken: z.object({ code: z.string(), message: z.string() }).optional()
});

/**
 * One row of the Experiments panel.
 */
export type IExperimentRow = z.infer<typeof experimentRowSchema>;

/**
 * Where the Experiments panel gets its rows: the refs, and the manifests
 * they point at.
 */
export interface IRowSource {
  /**
   * The experiment refs of one notebook slug, or of all, newest first.
   */
  list(slug?: string): Promise<ExperimentStore.IEntry[]>;
  /**
   * The rows of these refs, in their order; a broken one says so.
   */
  read(
    entries: readonly ExperimentStore.IEntry[],
    onProgress?: (done: number, total: number) => void
  ): Promise<IExperimentRow[]>;
}

/**
 * One row read from its ref's manifest; a broken one is a row that says so.
 */
export async function readRow(
  store: ExperimentStore,
  entry: ExperimentStore.IEntry
): Promise<IExperimentRow> {
  try {
    const { manifest } = await store.read(entry.ref);
    return rowOf(entry, manifest);
  } catch (reason) {
    return brokenRow(entry, reason);
  }
}

/**
 * The row of an experiment whose manifest was read.
 */
export function rowOf(
  entry: ExperimentStore.IEntry,
  manifest: Manifest
): IExperimentRow {
  return {
    ref: entry.ref,
    id: entry.id,
    slug: entry.slug,
    name: manifest.user.name,
    createdAt: manifest.createdAt,
    notebookPath: manifest.notebook.path,
    ...(manifest.author && {
      author: manifest.author.name || manifest.author.username
    }),
    parameters: manifest.parameters,
    metrics: manifest.metrics,
    ...(manifest.metricSeries && {
      series: seriesRanges(manifest.metricSeries)
    }),
    starred: manifest.user.starred,
    tags: manifest.user.tags,
    note: manifest.user.note,
    failed: failedOf(manifest)
  };
}

/**
 * The range of one step-wise metric of a run.
 */
export interface ISeriesRange {
  min: number;
  max: number;
  /** How many steps were logged. */
  steps: number;
}

/**
 * The range of each step-wise metric of a manifest's `metricSeries`
 * (`[step, value]` pairs); series without a finite value are left out.
 */
export function seriesRanges(
  series: Readonly<Record<string, readonly (readonly [number, number])[]>>
): Record<string, ISeriesRange> {
  const ranges: Record<string, ISeriesRange> = {};
  for (const [key, points] of Object.entries(series)) {
    let min = Infinity;
    let max = -Infinity;
    let steps = 0;
    for (const [, value] of points) {
      if (Number.isFinite(value)) {
        min = Math.min(min, value);
        max = Math.max(max, value);
        steps += 1;
      }
    }
    if (steps > 0) {
      ranges[key] = { min, max, steps };
    }
  }
  return ranges;
}

/**
 * Whether an experiment's run failed: a cell with an error output, an
 * interrupted run, or a dead kernel (manifests written before failures
 * were recorded can only say the last).
 */
export function failedOf(manifest: Manifest): boolean {
  const { health } = manifest;
  return (
    (health.failedCells?.length ?? 0) > 0 ||
    health.interrupted === true ||
    health.kernel === 'dead'
  );
}

/**
 * The row of an experiment that cannot be read: shown as broken, never
 * hidden and never fatal.
 */
export function brokenRow(
  entry: ExperimentStore.IEntry,
  reason: unknown
): IExperimentRow {
  return {
    ref: entry.ref,
    id: entry.id,
    slug: entry.slug,
    name: entry.id,
    createdAt: '',
    notebookPath: '',
    parameters: {},
    metrics: {},
    starred: false,
    tags: [],
    failed: false,
    broken: Private.describe(reason)
  };
}

namespace Private {
  /**
   * Why one experiment is broken: its own code, else `E_STORE_CORRUPT`
   * (isomorphic-git's errors for a missing or malformed object).
   */
  export function describe(reason: unknown): { code: string; message: string } {
    return isMlopsError(reason)
      ? { code: reason.code, message: reason.message }
      : { code: 'E_STORE_CORRUPT', message: String(reason) };
  }
}
