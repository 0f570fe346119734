import { expect, test } from '@jupyterlab/galata';

import {
  DEMO,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * Issue 10, item 10 (the table and sidebar parts): one number format with
 * the full value on hover, relative times with the full date on hover,
 * one size format in the detail and the comparison, one sort control per
 * view.
 */

test.describe('Formatting', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should round metrics the same way everywhere, the full value on hover', async ({
    page,
    tmpPath
  }) => {
    const notebookPath = `${tmpPath}/wine_classifier.ipynb`;
    for (const [name, accuracy] of [
      ['thirds', 0.9111111111111111],
      ['perfect', 1]
    ] as const) {
      writeExperiment({
        notebookPath,
        name,
        notebook: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 },
        parameters: { max_depth: name === 'perfect' ? 5 : 2 },
        metrics: { accuracy }
      });
    }
    await page.contents.uploadFile(DEMO, notebookPath);
    await openNotebook(page, notebookPath);
    const panel = await openExperiments(page);
    const chips = panel.locator('.jp-mlops-Chip.jp-mod-metric');
    await expect(chips).toHaveText(['accuracy 1', 'accuracy 0.9111']);
    await expect(chips.nth(1)).toHaveAttribute(
      'title',
      'accuracy = 0.9111111111111111'
    );

    // Times: relative, the full date on hover.
    const time = panel.locator('.jp-mlops-ExperimentTable-time').first();
    await expect(time).toHaveText(/^(now|\d+ sec\. ago|\d+ min\. ago)$/);
    const year = String(new Date().getFullYear());
    expect(await time.getAttribute('title')).toContain(year);

    // The comparison rounds the same way.
    for (const name of ['thirds', 'perfect']) {
      await panel
        .locator('.jp-mlops-ExperimentTable-row', {
          has: page.locator('.jp-mlops-ExperimentTable-open', {
            hasText: name
          })
        })
        .locator('.jp-mlops-ExperimentTable-select')
        .check();
    }
    await panel.getByRole('button', { name: 'Compare (2)' }).click();
    const accuracyRow = page.locator('.jp-mlops-Compare-row', {
      has: page.locator('th', { hasText: /^accuracy$/ })
    });
    // The values (the cells also hold the change against the baseline).
    await expect(
      accuracyRow.locator('td .jp-mlops-MetricCell-value')
    ).toHaveText(['0.9111', '1']);
    await expect(accuracyRow.locator('td').first()).toHaveAttribute(
      'title',
      '0.9111111111111111'
    );
  });

  test('should show data sizes in one unit in the detail and the comparison', async ({
    page,
    tmpPath
  }) => {
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await page.contents.uploadFile(DEMO, notebook);
    await openNotebook(page, notebook);
    expect(await page.notebook.run()).toBe(true);
    const panel = await openExperiments(page);
    const rows = panel.locator('.jp-mlops-ExperimentTable-row');
    const snapshot = page.locator(
      '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
    );
    await snapshot.click();
    await expect(rows).toHaveCount(1, { timeout: 60000 });
    await snapshot.click();
    await expect(rows).toHaveCount(2, { timeout: 60000 });

    // The detail: data/wine.csv in KiB, its bytes on hover.
    await rows.first().locator('.jp-mlops-ExperimentTable-open').click();
    // (The parameters table has a data_path row too: the data files
    // table's row starts with the file's path.)
    const dataRow = page.locator('.jp-mlops-Detail-table tr', {
      has: page.locator('td:first-child', { hasText: /\/data\/wine\.csv$/ })
    });
    const size = dataRow.locator('td').nth(1);
    await expect(size).toHaveText(/^\d+(\.\d)? KiB$/);
    const bytes = Number(await size.getAttribute('title'));
    expect(bytes).toBeGreaterThan(1024);
    const detailSize = (await size.textContent()) ?? '';

    // The comparison's data changes: the same words for the same file.
    for (const i of [0, 1]) {
      await rows.nth(i).locator('.jp-mlops-ExperimentTable-select').check();
    }
    await panel.getByRole('button', { name: 'Compare (2)' }).click();
    const version = page
      .locator('.jp-mlops-Compare-row', { hasText: 'data/wine.csv' })
      .locator('.jp-mlops-DataChanges-version')
      .first();
    await expect(version).toContainText(` ${detailSize}`);
    expect(await version.textContent()).not.toMatch(/\d,\d{3}/);
  });

  test('should have one sort control in each view', async ({
    page,
    tmpPath
  }) => {
    writeExperiment({
      notebookPath: `${tmpPath}/a.ipynb`,
      name: 'one',
      notebook: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 },
      metrics: { accuracy: 0.5 }
    });
    const panel = await openExperiments(page);
    await expect(panel.locator('.jp-mlops-ExperimentTable-open')).toHaveCount(
      1
    );
    await expect(panel.getByLabel('Sort experiments')).toHaveCount(1);
    await expect(panel.locator('.jp-mlops-ExperimentTable-sort')).toHaveCount(
      0
    );
    await panel.getByRole('button', { name: 'Table', exact: true }).click();
    const table = page.locator('#jp-mlops-experiments-table');
    await expect(
      table.locator('.jp-mlops-ExperimentTable-sort')
    ).not.toHaveCount(0);
    await expect(table.getByLabel('Sort experiments')).toHaveCount(0);
  });
});
