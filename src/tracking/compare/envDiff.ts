import { Manifest } from '../store/manifest';
import { compareVersions } from '../../util/versions';

/**
 * How the environment changed between experiments (oldest first): the
 * Python version, platform and kernel, and the packages added, removed,
 * upgraded or downgraded, as plain data.
 */

/**
 * What happened to one value from one experiment to the next.
 * `unknown`: one of the two environments was not captured (no kernel).
 */
export type EnvChange =
  | 'same'
  | 'added'
  | 'removed'
  | 'upgraded'
  | 'downgraded'
  | 'changed'
  | 'unknown';

/**
 * One row of the environment diff: a runtime field or a package.
 */
export interface IEnvRow {
  key: string;
  /** One value per experiment; null where absent or not captured. */
  values: (string | null)[];
  /**
   * The change from the previous captured experiment, one per experiment;
   * null for the first captured one and for those not captured.
   */
  changes: (EnvChange | null)[];
  /** Whether any captured experiments disagree. */
  differs: boolean;
}

/**
 * Counts of package changes from one experiment to the next.
 */
export interface IEnvStep {
  from: number;
  to: number;
  added: number;
  removed: number;
  upgraded: number;
  downgraded: number;
  changed: number;
}

/**
 * The environment diff of a comparison.
 */
export interface IEnvironmentDiff {
  /** Whether each experiment's environment was captured (a kernel answered). */
  captured: boolean[];
  /** Python, platform and kernel rows. */
  runtime: IEnvRow[];
  /** Package rows, sorted by name (case-insensitive). */
  packages: IEnvRow[];
  /** One step per pair of consecutive captured experiments. */
  steps: IEnvStep[];
}

/**
 * Diff the environments of experiments given oldest first. With
 * `onlyDifferences`, rows whose captured values all agree are left out.
 */
export function diffEnvironments(
  manifests: readonly Manifest[],
  options: { onlyDifferences?: boolean } = {}
): IEnvironmentDiff {
  const captured = manifests.map(m => m.environment.python !== null);
  const runtime: IEnvRow[] = [
    Private.row(
      'python',
      manifests.map(m => m.environment.python),
      captured,
      true
    ),
    Private.row(
      'platform',
      manifests.map(m => m.environment.platform),
      captured,
      false
    ),
    // The kernel name comes from the notebook, not the kernel: it is
    // known even when no kernel answered.
    Private.row(
      'kernel',
      manifests.map(m => m.notebook.kernelName),
      manifests.map(() => true),
      false
    )
  ];
  const maps = manifests.map(m => Private.packageMap(m.environment.packages));
  const names = new Map<string, string>();
  for (const map of maps) {
    for (const [key, { name }] of map) {
      if (!names.has(key)) {
        names.set(key, name);
      }
    }
  }
  const packages = [...names.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, name]) =>
      Private.row(
        name,
        maps.map((map, i) =>
          captured[i] ? (map.get(key)?.version ?? null) : null
        ),
        captured,
        true,
        true
      )
    );
  const steps: IEnvStep[] = [];
  let previous = -1;
  captured.forEach((isCaptured, i) => {
    if (!isCaptured) {
      return;
    }
    if (previous >= 0) {
      const step: IEnvStep = {
        from: previous,
        to: i,
        added: 0,
        removed: 0,
        upgraded: 0,
        downgraded: 0,
        changed: 0
      };
      for (const row of packages) {
        const change = row.changes[i];
        if (change && change !== 'same' && change !== 'unknown') {
          step[change] += 1;
        }
      }
      steps.push(step);
    }
    previous = i;
  });
  const keep = (row: IEnvRow) => !options.onlyDifferences || row.differs;
  return {
    captured,
    runtime: runtime.filter(keep),
    packages: packages.filter(keep),
    steps
  };
}

namespace Private {
  /**
   * Packages keyed by their normalised name (PEP 503: case-insensitive,
   * runs of `-_.` alike), in own properties only, so a package named
   * `constructor` or `__proto__` is a package like any other.
   */
  export function packageMap(
    packages: Readonly<Record<string, string>>
  ): Map<string, { name: string; version: string }> {
    const map = new Map<string, { name: string; version: string }>();
    for (const name of Object.keys(packages).sort()) {
      const version = Object.getOwnPropertyDescriptor(packages, name)?.value;
      const key = name.toLowerCase().replace(/[-_.]+/g, '-');
      if (typeof version === 'string' && !map.has(key)) {
        map.set(key, { name, version });
      }
    }
    return map;
  }

  /**
   * A row over the experiments; transitions are taken between consecutive
   * experiments whose value was captured.
   */
  export function row(
    key: string,
    values: (string | null)[],
    captured: boolean[],
    versioned: boolean,
    presence = false
  ): IEnvRow {
    const shown = values.map((value, i) => (captured[i] ? value : null));
    const changes: (EnvChange | null)[] = shown.map(() => null);
    let previous = -1;
    let differs = false;
    shown.forEach((value, i) => {
      if (!captured[i]) {
        return;
      }
      if (previous >= 0) {
        const change = transition(shown[previous], value, versioned, presence);
        changes[i] = change;
        differs = differs || change !== 'same';
      }
      previous = i;
    });
    return { key, values: shown, changes, differs };
  }

  function transition(
    before: string | null,
    after: string | null,
    versioned: boolean,
    presence: boolean
  ): EnvChange {
    if (before === after) {
      return 'same';
    }
    if (before === null || after === null) {
      if (!presence) {
        return 'changed';
      }
      return before === null ? 'added' : 'removed';
    }
    if (!versioned) {
      return 'changed';
    }
    const order = compareVersions(before, after);
    return order === null
      ? 'changed'
      : order < 0
        ? 'upgraded'
        : order > 0
          ? 'downgraded'
          : 'same';
  }
}
