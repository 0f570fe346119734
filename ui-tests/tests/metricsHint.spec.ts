import { expect, test } from '@jupyterlab/galata';

import {
  notebookJson,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT
} from './support';

/**
 * The status bar item says when a snapshot is worth taking: after cells
 * run, the kernel's values of the notebook's metrics differ from the
 * newest experiment's. A snapshot records them and the hint goes.
 */

const NOTEBOOK = notebookJson([
  {
    cell_type: 'code',
    source: 'max_depth = 3',
    metadata: { tags: ['parameters'] },
    outputs: [],
    execution_count: null
  },
  {
    cell_type: 'code',
    source: 'accuracy = 0.5 + max_depth / 100',
    metadata: {},
    outputs: [],
    execution_count: null
  },
  {
    cell_type: 'code',
    source: 'accuracy',
    metadata: { tags: ['metrics'] },
    outputs: [],
    execution_count: null
  }
]);

test.describe('Metrics changed hint', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should show after a run changes a metric, and go with a snapshot', async ({
    page,
    tmpPath
  }, testInfo) => {
    const file = `${tmpPath}/hint.ipynb`;
    await page.contents.uploadContent(NOTEBOOK, 'text', file);
    await openNotebook(page, file);
    const status = page.locator('.jp-mlops-SnapshotStatus-button');
    const hint = page.locator('.jp-mlops-SnapshotStatus-hint');
    await page.notebook.runCellByCell();
    // No snapshot yet: the status says so, no hint.
    await expect(status).toHaveText('No snapshot yet');
    await expect(hint).toHaveCount(0);

    const snapshot = page.locator(
      '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
    );
    await snapshot.click();
    await expect(status).toContainText('Snapshot', { timeout: 15_000 });
    await expect(status).toHaveAttribute('data-state', 'saved');
    await expect(hint).toHaveCount(0);

    // Running a cell that leaves the metric as it was: still no hint.
    await page.notebook.runCell(2);
    await page.waitForTimeout(1500);
    await expect(hint).toHaveCount(0);

    // A new parameter, run: the metric changes, the hint shows.
    await page.notebook.setCell(0, 'code', 'max_depth = 7');
    await page.notebook.runCellByCell();
    await expect(hint).toHaveText('metrics changed since last snapshot');
    await expect(status).toHaveAttribute('data-metrics-changed', 'true');
    await page.screenshot({ path: testInfo.outputPath('hint-light.png') });
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('apputils:change-theme', {
        theme: 'JupyterLab Dark'
      });
    });
    await expect(page.locator('body')).toHaveAttribute(
      'data-jp-theme-light',
      'false'
    );
    await expect(page.locator('#jupyterlab-splash')).toHaveCount(0);
    await expect(hint).toBeVisible();
    await page.waitForTimeout(500);
    await page.screenshot({ path: testInfo.outputPath('hint-dark.png') });
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('apputils:change-theme', {
        theme: 'JupyterLab Light'
      });
    });
    await expect(page.locator('#jupyterlab-splash')).toHaveCount(0);

    // The snapshot records the new value: the hint goes.
    await snapshot.click();
    await expect(hint).toHaveCount(0, { timeout: 15_000 });
    await expect(status).toHaveAttribute('data-state', 'saved');
  });
});
