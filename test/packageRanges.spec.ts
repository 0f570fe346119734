import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The JupyterLab versions the extension declares, in the three places
 * that must agree: the npm ranges (what `jupyter labextension list`
 * checks), the ranges the build puts in the share scope (what the browser
 * checks; the builder would otherwise take its own JupyterLab's), and the
 * Python requirement (what pip checks), with the oldest tested version of
 * scripts/test.sh inside all of them.
 */

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  jupyterlab: {
    sharedPackages: Record<string, { requiredVersion?: string } | false>;
  };
};
const pyproject = readFileSync(join(root, 'pyproject.toml'), 'utf8');
const testScript = readFileSync(join(root, 'scripts', 'test.sh'), 'utf8');

describe('declared JupyterLab versions', () => {
  const lab = Object.entries(pkg.dependencies).filter(([name]) =>
    name.startsWith('@jupyterlab/')
  );

  it('should share every @jupyterlab package at its declared range', () => {
    expect(lab.length).toBeGreaterThan(5);
    for (const [name, range] of lab) {
      const shared = pkg.jupyterlab.sharedPackages[name];
      expect(shared, name).toMatchObject({ requiredVersion: range });
    }
  });

  it('should ask pip for the same oldest JupyterLab, and test it', () => {
    const npmOldest = /^\^(\d+\.\d+)\.\d+$/.exec(
      pkg.dependencies['@jupyterlab/application']
    )?.[1];
    const pipOldest = /"jupyterlab>=(\d+\.\d+),<5"/.exec(pyproject)?.[1];
    const tested = /^OLDEST_JUPYTERLAB=(\d+\.\d+)\.\d+$/m.exec(testScript)?.[1];
    expect(npmOldest).toBeDefined();
    expect(pipOldest).toBe(npmOldest);
    expect(tested).toBe(npmOldest);
  });
});
