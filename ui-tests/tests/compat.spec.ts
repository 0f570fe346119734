import { expect, test } from '@jupyterlab/galata';

import {
  DEMO,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest
} from './support';

/**
 * The smoke test of the oldest JupyterLab the extension declares: the
 * compat phase of scripts/test.sh runs it (MLOPS_COMPAT=1) on a fresh
 * server of JupyterLab 4.4.10 in a venv of its own; the main galata run,
 * on the newest lab, leaves it to the panels, snapshot and audit specs. It loads, shares JupyterLab's own copies of React and
 * Lumino (no second copy behind an unsatisfied version), snapshots the demo
 * notebook and lists the experiment.
 */

// The experiment it takes must not show in the other specs' panels.
removeExperimentsAfterEachTest();

test.describe('Compatibility smoke', () => {
  test('should load, snapshot and list on this JupyterLab', async ({
    page,
    tmpPath
  }, testInfo) => {
    const problems: string[] = [];
    page.on('pageerror', error => problems.push(`page error: ${error}`));
    page.on('console', message => {
      const text = message.text();
      // Module federation warns when a shared package's version does not
      // satisfy the extension's range, then loads a second copy.
      if (/unsatisfied version/i.test(text)) {
        problems.push(`console: ${text}`);
      }
    });
    await page.reload();
    await page.waitForSelector('#jp-main-dock-panel');
    const version = await page.evaluate(() => window.jupyterapp.version);
    testInfo.annotations.push({ type: 'jupyterlab', description: version });

    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await page.contents.uploadFile(DEMO, notebook);
    await openNotebook(page, notebook);
    const panel = await openExperiments(page);
    await expect(panel).toContainText('Experiments');

    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .click();
    // The first snapshot of a fresh server starts its kernel and hashes
    // the demo's data: on a loaded 2-core machine that can take a while.
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Saved experiment' })
    ).toBeVisible({ timeout: 90_000 });
    // The experiment is a ref in the store, written through the bridge.
    const refs = await page.evaluate(async () => {
      const response = await fetch('/mlops/fs/list', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ path: 'experiments.git/refs/exps' })
      });
      const body = (await response.json()) as { entries: { name: string }[] };
      return body.entries.map(entry => entry.name);
    });
    const prefix = `${tmpPath}/wine_classifier`
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '')
      .slice(0, 20);
    expect(refs.filter(slug => slug.startsWith(prefix))).toHaveLength(1);
    await expect(panel).not.toContainText(
      'No experiments for this notebook yet'
    );
    expect(problems).toEqual([]);
  });
});
