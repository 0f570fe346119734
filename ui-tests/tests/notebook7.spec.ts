import { expect, test as base } from '@jupyterlab/galata';

import {
  notebookJson,
  openExperiments,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * Notebook 7 (a real `jupyter notebook` server: the notebook phase of
 * scripts/test.sh runs this spec alone, MLOPS_NOTEBOOK=1). Its main area
 * holds one document and ignores a second, so an experiment's detail, a
 * comparison and the Experiments table open in its down area (tabs under
 * the notebook, on the same page); the read-only notebook and a restored
 * one open where Notebook 7 opens documents, in a new browser tab.
 */

// Notebook 7's pages have no JupyterLab dock panel: ready is its main panel.
const test = base.extend({
  // Playwright reads a fixture's dependencies from this pattern: none.
  // eslint-disable-next-line no-empty-pattern
  waitForApplication: async ({}, use) => {
    await use(async page => {
      await page.waitForSelector('#main-panel');
    });
  }
});

/**
 * An uncaught error of Notebook 7.6's own (its shortcuts plugin reads the
 * schema of a plugin the settings registry does not hold) on every notebook
 * page, with this extension disabled too.
 */
const NOTEBOOK_OWN_ERROR =
  /^Cannot read properties of undefined \(reading 'schema'\)$/;

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
    source: 'accuracy = 0.9',
    metadata: { tags: ['metrics'] },
    outputs: [],
    execution_count: null
  }
]);

test.describe('Notebook 7', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should snapshot, and show detail, compare, table, read-only and restore', async ({
    page,
    tmpPath
  }, testInfo) => {
    const errors: string[] = [];
    const onError = (error: Error) => {
      if (!NOTEBOOK_OWN_ERROR.test(error.message)) {
        errors.push(`${error}`);
      }
    };
    page.on('pageerror', onError);
    const notebookPath = `${tmpPath}/nb7.ipynb`;
    const notebook = JSON.parse(NOTEBOOK) as unknown;
    writeExperiment({
      notebookPath,
      notebook,
      name: 'depth-three',
      parameters: { max_depth: 3 },
      metrics: { accuracy: 0.91 }
    });
    writeExperiment({
      notebookPath,
      notebook,
      name: 'depth-five',
      parameters: { max_depth: 5 },
      metrics: { accuracy: 0.93 }
    });
    await page.contents.uploadContent(NOTEBOOK, 'text', notebookPath);
    await page.goto(`notebooks/${notebookPath}`);
    await expect(page.locator('#main-panel .jp-Notebook')).toBeVisible();
    // This is Notebook 7, not JupyterLab.
    expect(await page.evaluate(() => window.jupyterapp.name)).toMatch(
      /Notebook/
    );

    const panel = await openExperiments(page);
    const rows = panel.locator('.jp-mlops-ExperimentTable-row');
    await expect(rows).toHaveCount(2);

    // A snapshot from the notebook's toolbar, on a real kernel.
    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .click();
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Saved experiment' })
    ).toBeVisible({ timeout: 90_000 });
    await expect(rows).toHaveCount(3);

    // The detail: a tab of the down area; the notebook stays in the main.
    const down = page.locator('#jp-down-stack');
    const downTabs = down.locator('.lm-TabBar-tab');
    await panel
      .locator('.jp-mlops-ExperimentTable-open', { hasText: 'depth-five' })
      .click();
    const detail = down.locator('.jp-mlops-Detail:visible');
    await expect(detail.getByLabel('Experiment name')).toHaveValue(
      'depth-five'
    );
    await expect(downTabs).toHaveCount(1);
    await expect(page.locator('#main-panel .jp-Notebook')).toBeVisible();

    // Compare: a second tab, shown again (not doubled) on a second click.
    for (const name of ['depth-three', 'depth-five']) {
      await rows
        .filter({ hasText: name })
        .locator('.jp-mlops-ExperimentTable-select')
        .check();
    }
    const compare = panel.getByRole('button', { name: /^Compare \(2\)$/ });
    await compare.click();
    await expect(down.locator('.jp-mlops-Compare:visible')).toBeVisible();
    await expect(
      down.locator('.jp-mlops-Compare:visible').getByText('0.93').first()
    ).toBeVisible();
    await expect(downTabs).toHaveCount(2);
    await downTabs.filter({ hasText: 'depth-five' }).click();
    await compare.click();
    await expect(downTabs).toHaveCount(2);
    await expect(down.locator('.lm-TabBar-tab.lm-mod-current')).toContainText(
      'Compare (2)'
    );
    // "To the side" means nothing here: the row's menu does not offer it.
    await rows.filter({ hasText: 'depth-three' }).click({ button: 'right' });
    await expect(
      page.locator('.lm-Menu-item', { hasText: /^Open Experiment$/ })
    ).toBeVisible();
    await expect(
      page.locator('.lm-Menu-item:visible', {
        hasText: 'Open Experiment to the Side'
      })
    ).toHaveCount(0);
    await page.keyboard.press('Escape');

    // The Experiments table: a third tab.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:open-experiments-table');
    });
    await expect(
      down.locator('.jp-mlops-ExperimentsTableWidget:visible')
    ).toBeVisible();
    await expect(downTabs).toHaveCount(3);
    // The down area opened tall enough to read (Notebook 7.6 opens it at
    // the height of its tab bar).
    const height = (await down.boundingBox())?.height ?? 0;
    expect(height).toBeGreaterThan(200);
    await page.screenshot({ path: testInfo.outputPath('notebook7-light.png') });
    await page.theme.setDarkTheme();
    await page.screenshot({ path: testInfo.outputPath('notebook7-dark.png') });
    await page.theme.setLightTheme();

    // The read-only notebook: a browser tab of its own, as Notebook 7
    // opens every document.
    await downTabs.filter({ hasText: 'depth-five' }).click();
    const [readOnly] = await Promise.all([
      page.context().waitForEvent('page'),
      detail.getByRole('button', { name: 'Open notebook (read-only)' }).click()
    ]);
    readOnly.on('pageerror', onError);
    await expect(
      readOnly.locator('.jp-mlops-ExperimentNotebook-label')
    ).toHaveText('Experiment depth-five · read-only (not the workspace file)', {
      timeout: 60_000
    });
    await expect(readOnly.locator('.jp-Notebook .jp-Cell')).toHaveCount(2);
    await readOnly.screenshot({
      path: testInfo.outputPath('notebook7-read-only.png')
    });
    await readOnly.close();

    // Restore as a new notebook: a new file, opened in a browser tab.
    const [restored] = await Promise.all([
      page.context().waitForEvent('page'),
      detail.getByRole('button', { name: 'Restore as new notebook' }).click()
    ]);
    await expect(restored).toHaveURL(/\/notebooks\/.*\.ipynb/, {
      timeout: 60_000
    });
    await expect(restored.locator('.jp-Notebook .jp-Cell')).toHaveCount(2, {
      timeout: 60_000
    });
    const restoredPath = decodeURIComponent(
      new URL(restored.url()).pathname.replace(/^\/notebooks\//, '')
    );
    expect(await page.contents.fileExists(restoredPath)).toBe(true);
    await restored.close();
    expect(errors).toEqual([]);
  });
});
