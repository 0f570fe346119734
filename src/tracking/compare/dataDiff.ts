import { Manifest } from '../store/manifest';

/**
 * How the data the experiments read changed (oldest first), path by path,
 * as plain data.
 */

/**
 * One data path as one experiment recorded it.
 */
export interface IDataVersion {
  kind: 'file' | 'dir';
  sha256: string;
  size: number;
  stored: boolean;
}

/**
 * What happened to a path from the previous experiment to this one.
 */
export type DataChange = 'added' | 'removed' | 'changed' | 'unchanged';

/**
 * One path across the compared experiments.
 */
export interface IDataRow {
  path: string;
  /** One entry per experiment; null where the experiment did not read it. */
  versions: (IDataVersion | null)[];
  /**
   * The change from the previous experiment, one per experiment; null for
   * the first, and where the path is absent on both sides.
   */
  changes: (DataChange | null)[];
  /** Whether the path is not the same content in every experiment. */
  differs: boolean;
}

/**
 * Counts over all rows, from the oldest experiment to the newest.
 */
export interface IDataSummary {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

/**
 * Diff the data of experiments given oldest first, paths sorted. With
 * `onlyDifferences`, paths with the same content everywhere are left out.
 * A path listed twice in one manifest counts once (its first entry).
 */
export function diffData(
  manifests: readonly Manifest[],
  options: { onlyDifferences?: boolean } = {}
): IDataRow[] {
  const maps = manifests.map(m => {
    const map = new Map<string, IDataVersion>();
    for (const entry of m.data) {
      if (!map.has(entry.path)) {
        map.set(entry.path, {
          kind: entry.kind,
          sha256: entry.sha256,
          size: entry.size,
          stored: entry.stored
        });
      }
    }
    return map;
  });
  const paths = [...new Set(maps.flatMap(map => [...map.keys()]))].sort();
  const rows: IDataRow[] = [];
  for (const path of paths) {
    const versions = maps.map(map => map.get(path) ?? null);
    const changes = versions.map((version, i) =>
      i === 0 ? null : Private.change(versions[i - 1], version)
    );
    const differs = versions.some(
      version =>
        version === null ||
        version.sha256 !== versions[0]?.sha256 ||
        version.kind !== versions[0]?.kind
    );
    if (!options.onlyDifferences || differs) {
      rows.push({ path, versions, changes, differs });
    }
  }
  return rows;
}

/**
 * What changed from the oldest experiment to the newest, path by path:
 * in the newest only (added), the oldest only (removed), in both with
 * other content (changed) or the same (unchanged). Paths in neither end
 * do not count.
 */
export function summarizeData(rows: readonly IDataRow[]): IDataSummary {
  const summary: IDataSummary = {
    added: 0,
    removed: 0,
    changed: 0,
    unchanged: 0
  };
  for (const row of rows) {
    const first = row.versions[0] ?? null;
    const last = row.versions[row.versions.length - 1] ?? null;
    const change = Private.change(first, last);
    if (change !== null) {
      summary[change] += 1;
    }
  }
  return summary;
}

/**
 * A size in bytes for people: `532 B`, `1.2 KiB`, `3.4 GiB`.
 */
export function formatBytes(size: number): string {
  if (!Number.isFinite(size) || size < 0) {
    return '?';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0
    ? `${value} B`
    : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

namespace Private {
  export function change(
    before: IDataVersion | null,
    after: IDataVersion | null
  ): DataChange | null {
    if (before === null) {
      return after === null ? null : 'added';
    }
    if (after === null) {
      return 'removed';
    }
    return before.sha256 === after.sha256 && before.kind === after.kind
      ? 'unchanged'
      : 'changed';
  }
}
