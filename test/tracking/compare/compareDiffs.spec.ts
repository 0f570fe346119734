import { describe, expect, it } from 'vitest';

import {
  compareExperiments,
  metricSeries
} from '../../../src/tracking/compare/compare';
import {
  diffData,
  formatBytes,
  summarizeData
} from '../../../src/tracking/compare/dataDiff';
import { diffEnvironments } from '../../../src/tracking/compare/envDiff';
import { UlidFactory } from '../../../src/util/ids';
import { Manifest, parseManifest } from '../../../src/tracking/store/manifest';
import { makeManifest } from '../fixtures';

const ids = new UlidFactory();
const hash = (c: string) => c.repeat(64);

function withData(
  entries: [path: string, sha: string, size: number][],
  over: Partial<Manifest> = {}
): Manifest {
  return makeManifest(ids.next(), {
    data: entries.map(([path, sha, size]) => ({
      path,
      kind: 'file' as const,
      sha256: hash(sha),
      size,
      stored: size < 100,
      sources: ['code' as const]
    })),
    ...over
  });
}

function withEnv(
  python: string | null,
  packages: Record<string, string>,
  over: Partial<Manifest> = {}
): Manifest {
  return makeManifest(ids.next(), {
    environment: { python, platform: python ? 'linux' : null, packages },
    ...over
  });
}

describe('diffData()', () => {
  const a = withData([
    ['data/train.csv', 'a', 10],
    ['data/keep.csv', 'k', 5],
    ['data/old.csv', 'o', 7]
  ]);
  const b = withData([
    ['data/train.csv', 'b', 12],
    ['data/keep.csv', 'k', 5],
    ['data/new.csv', 'n', 3]
  ]);
  const c = withData([
    ['data/train.csv', 'b', 12],
    ['data/keep.csv', 'k', 5]
  ]);

  it('should say per path what changed from one experiment to the next', () => {
    const rows = diffData([a, b, c]);
    expect(rows.map(r => [r.path, r.changes, r.differs])).toEqual([
      ['data/keep.csv', [null, 'unchanged', 'unchanged'], false],
      ['data/new.csv', [null, 'added', 'removed'], true],
      ['data/old.csv', [null, 'removed', null], true],
      ['data/train.csv', [null, 'changed', 'unchanged'], true]
    ]);
    const train = rows.find(r => r.path === 'data/train.csv');
    expect(train?.versions.map(v => v?.size)).toEqual([10, 12, 12]);
    expect(train?.versions[0]?.sha256).toBe(hash('a'));
    expect(rows.find(r => r.path === 'data/old.csv')?.versions[1]).toBeNull();
  });

  it('should keep only differences when asked', () => {
    expect(
      diffData([a, b, c], { onlyDifferences: true }).map(r => r.path)
    ).toEqual(['data/new.csv', 'data/old.csv', 'data/train.csv']);
    expect(diffData([a, a], { onlyDifferences: true })).toEqual([]);
  });

  it('should summarize from the oldest to the newest', () => {
    expect(summarizeData(diffData([a, b, c]))).toEqual({
      added: 0,
      removed: 1,
      changed: 1,
      unchanged: 1
    });
    expect(summarizeData(diffData([a, b]))).toEqual({
      added: 1,
      removed: 1,
      changed: 1,
      unchanged: 1
    });
  });

  it('should count a file that became a folder as changed', () => {
    const dir = withData([['data/train.csv', 'a', 10]]);
    dir.data[0] = { ...dir.data[0], kind: 'dir' };
    const file = withData([['data/train.csv', 'a', 10]]);
    expect(diffData([file, dir])[0].changes).toEqual([null, 'changed']);
  });

  it('should take the first entry of a path listed twice', () => {
    const twice = withData([
      ['x.csv', 'a', 1],
      ['x.csv', 'b', 2]
    ]);
    const rows = diffData([twice, withData([['x.csv', 'a', 1]])]);
    expect(rows).toHaveLength(1);
    expect(rows[0].changes).toEqual([null, 'unchanged']);
  });

  it('should keep hostile paths as plain keys', () => {
    const paths = ['__proto__', 'constructor', '<img src=x onerror=alert(1)>'];
    const rows = diffData([
      withData(paths.map(p => [p, 'a', 1])),
      withData([])
    ]);
    expect(rows.map(r => r.path)).toEqual([...paths].sort());
    expect(rows.every(r => r.changes[1] === 'removed')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should handle experiments without data', () => {
    expect(diffData([withData([]), withData([])])).toEqual([]);
  });
});

describe('formatBytes()', () => {
  it('should print sizes for people', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1024 ** 3)).toBe('1.0 GiB');
    expect(formatBytes(250 * 1024 ** 2)).toBe('250 MiB');
    expect(formatBytes(-1)).toBe('?');
    expect(formatBytes(Number.NaN)).toBe('?');
  });
});

describe('diffEnvironments()', () => {
  it('should find packages added, removed, upgraded and downgraded', () => {
    const a = withEnv('3.11.7', {
      numpy: '1.26.4',
      pandas: '2.2.0',
      scipy: '1.9.0',
      six: '1.16.0'
    });
    const b = withEnv('3.12.1', {
      numpy: '2.1.0',
      pandas: '2.1.4',
      scipy: '1.10.0',
      torch: '2.3.0'
    });
    const diff = diffEnvironments([a, b]);
    expect(diff.captured).toEqual([true, true]);
    const changes = Object.fromEntries(
      diff.packages.map(r => [r.key, r.changes[1]])
    );
    expect(changes).toEqual({
      numpy: 'upgraded',
      pandas: 'downgraded',
      scipy: 'upgraded',
      six: 'removed',
      torch: 'added'
    });
    expect(diff.steps).toEqual([
      {
        from: 0,
        to: 1,
        added: 1,
        removed: 1,
        upgraded: 2,
        downgraded: 1,
        changed: 0
      }
    ]);
    expect(diff.runtime.map(r => [r.key, r.changes[1]])).toEqual([
      ['python', 'upgraded'],
      ['platform', 'same'],
      ['kernel', 'same']
    ]);
  });

  it('should respect only differences', () => {
    const a = withEnv('3.11.7', { numpy: '2.1.0', six: '1.16.0' });
    const b = withEnv('3.11.7', { numpy: '2.1.0', six: '1.17.0' });
    const diff = diffEnvironments([a, b], { onlyDifferences: true });
    expect(diff.runtime).toEqual([]);
    expect(diff.packages.map(r => r.key)).toEqual(['six']);
    expect(diffEnvironments([a, a], { onlyDifferences: true })).toMatchObject({
      runtime: [],
      packages: []
    });
  });

  it('should say changed for versions it cannot order', () => {
    const a = withEnv('3.11.7', { mylib: 'main-abc123' });
    const b = withEnv('3.11.7', { mylib: 'main-def456' });
    expect(diffEnvironments([a, b]).packages[0].changes).toEqual([
      null,
      'changed'
    ]);
  });

  it('should match package names as pip does', () => {
    const a = withEnv('3.11.7', { Scikit_Learn: '1.4.0' });
    const b = withEnv('3.11.7', { 'scikit-learn': '1.5.0' });
    const diff = diffEnvironments([a, b]);
    expect(diff.packages).toHaveLength(1);
    expect(diff.packages[0].changes[1]).toBe('upgraded');
  });

  it('should skip environments that were not captured', () => {
    const a = withEnv('3.11.7', { numpy: '1.26.4' });
    const none = withEnv(null, {}, {});
    const c = withEnv('3.11.7', { numpy: '2.1.0' });
    const diff = diffEnvironments([a, none, c]);
    expect(diff.captured).toEqual([true, false, true]);
    // Not "numpy removed, then added": the middle one is unknown.
    expect(diff.packages[0].values).toEqual(['1.26.4', null, '2.1.0']);
    expect(diff.packages[0].changes).toEqual([null, null, 'upgraded']);
    expect(diff.steps).toEqual([
      {
        from: 0,
        to: 2,
        added: 0,
        removed: 0,
        upgraded: 1,
        downgraded: 0,
        changed: 0
      }
    ]);
    // The kernel name is known without a kernel.
    expect(diff.runtime.find(r => r.key === 'kernel')?.values).toEqual([
      'python3',
      'python3',
      'python3'
    ]);
  });

  it('should treat hostile package names as names', () => {
    const hostile = {
      constructor: '1.0',
      toString: '2.0',
      '<img src=x onerror=alert(1)>': '1.0'
    };
    const a = withEnv('3.11.7', hostile);
    const b = withEnv('3.11.7', {});
    const diff = diffEnvironments([a, b]);
    expect(diff.packages.map(r => [r.key, r.changes[1]])).toEqual([
      ['<img src=x onerror=alert(1)>', 'removed'],
      ['constructor', 'removed'],
      ['toString', 'removed']
    ]);
    // And the other way round: absent is absent, not Object.prototype's.
    expect(diffEnvironments([b, a]).packages.map(r => r.values)).toEqual([
      [null, '1.0'],
      [null, '1.0'],
      [null, '2.0']
    ]);
  });

  it('should read a __proto__ package safely', () => {
    const base = withEnv('3.11.7', {});
    const text = JSON.stringify(base).replace(
      '"packages":{}',
      '"packages":{"__proto__":"9.9","numpy":"2.1.0"}'
    );
    // The schema drops the key without touching the prototype ...
    const parsed = parseManifest(new TextEncoder().encode(text));
    expect(Object.keys(parsed.environment.packages)).toEqual(['numpy']);
    expect(Object.getPrototypeOf(parsed.environment.packages)).toBe(
      Object.prototype
    );
    // ... and an own __proto__ property (JSON.parse makes one) is a name.
    const raw = JSON.parse(text) as Manifest;
    expect(
      diffEnvironments([raw, base]).packages.map(r => [r.key, r.values])
    ).toEqual([
      ['__proto__', ['9.9', null]],
      ['numpy', ['2.1.0', null]]
    ]);
  });
});

describe('compareExperiments()', () => {
  it('should not read Object.prototype for absent keys', () => {
    const a = makeManifest(ids.next(), {
      parameters: { constructor: 1, toString: 'x', valueOf: true }
    });
    const b = makeManifest(ids.next(), { parameters: {} });
    const rows = compareExperiments([b, a]).filter(
      r => r.section === 'parameter'
    );
    expect(rows.map(r => [r.key, r.values])).toEqual([
      ['constructor', [null, 1]],
      ['toString', [null, 'x']],
      ['valueOf', [null, true]]
    ]);
  });

  it('should list python, platform and kernel for the CSV', () => {
    const a = withEnv('3.11.7', {});
    const b = withEnv('3.12.0', {});
    expect(
      compareExperiments([a, b], { onlyDifferences: true })
        .filter(r => r.section === 'environment')
        .map(r => [r.key, r.values])
    ).toEqual([['python', ['3.11.7', '3.12.0']]]);
  });
});

describe('metricSeries()', () => {
  it('should give one series per metric with gaps where absent', () => {
    const a = makeManifest(ids.next(), { metrics: { accuracy: 0.9 } });
    const b = makeManifest(ids.next(), {
      metrics: { accuracy: 0.95, loss: 0.1 }
    });
    expect(metricSeries([a, b])).toEqual([
      { key: 'accuracy', values: [0.9, 0.95], differs: true },
      { key: 'loss', values: [null, 0.1], differs: true }
    ]);
    expect(metricSeries([a, a], { onlyDifferences: true })).toEqual([]);
  });
});
