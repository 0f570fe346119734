import { expect, test } from '@jupyterlab/galata';

import {
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  writeExperiment
} from './support';

/**
 * "How does this run compare with the last one, and with the best?" in one
 * click: from the palette (the current notebook's newest experiment), from
 * a row's context menu, and from the toast of a snapshot just taken. Each
 * opens the Compare tab with the other experiment as the baseline.
 */

removeExperimentsAfterEachTest();

test.describe('Compare with previous and best', () => {
  test('should compare with the previous and the best run in one click', async ({
    page,
    tmpPath
  }, testInfo) => {
    const notebookPath = `${tmpPath}/runs.ipynb`;
    await page.contents.uploadContent(
      notebookJson([
        {
          cell_type: 'code',
          source: 'accuracy = 0.9',
          metadata: {},
          outputs: [],
          execution_count: null
        }
      ]),
      'text',
      notebookPath
    );
    const seed = (name: string, accuracy: number) =>
      writeExperiment({
        notebookPath,
        name,
        notebook: JSON.parse(notebookJson([])),
        metrics: { accuracy, val_loss: 1 - accuracy }
      });
    seed('best-run', 0.98);
    seed('weak-run', 0.9);
    seed('latest-run', 0.93);
    await openNotebook(page, notebookPath);
    const panel = await openExperiments(page);
    await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(3);

    const baselineOf = () =>
      page
        .locator('.jp-mlops-CompareWidget:visible th.jp-mod-baseline')
        .first();
    const accuracyDelta = () =>
      page
        .locator('.jp-mlops-CompareWidget:visible tr.jp-mlops-Compare-row', {
          has: page.locator('th', { hasText: /^accuracy$/ })
        })
        .first()
        .locator('.jp-mlops-MetricCell-delta');

    // The palette: the current notebook's newest run against the one before.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:compare-with-previous');
    });
    await expect(baselineOf()).toContainText('weak-run');
    await expect(accuracyDelta()).toHaveText('+0.03 (+3.33 %)');
    await expect(accuracyDelta()).toHaveClass(/jp-mod-better/);

    // The row's context menu: against the best run by the key metric.
    await panel
      .locator('.jp-mlops-ExperimentTable-row', { hasText: 'latest-run' })
      .click({ button: 'right' });
    await page
      .locator('.lm-Menu-itemLabel', {
        hasText: 'Compare with Best Experiment'
      })
      .click();
    await expect(baselineOf()).toContainText('best-run');
    await expect(accuracyDelta()).toHaveText('−0.05 (−5.1 %)');
    await expect(accuracyDelta()).toHaveClass(/jp-mod-worse/);

    // A snapshot's toast: one click compares it with the run before it.
    await page.activity.activateTab(notebookPath.split('/').pop() ?? '');
    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .first()
      .click();
    const toast = page.locator('.Toastify__toast', {
      hasText: 'Saved experiment'
    });
    await expect(toast).toBeVisible({ timeout: 30_000 });
    await toast.getByRole('button', { name: 'Compare with previous' }).click();
    await expect(baselineOf()).toContainText('latest-run');
    await page
      .locator('.jp-mlops-CompareWidget:visible')
      .screenshot({ path: testInfo.outputPath('compare-with-previous.png') });
  });

  test('should say so when there is nothing to compare with', async ({
    page,
    tmpPath
  }) => {
    const notebookPath = `${tmpPath}/alone.ipynb`;
    await page.contents.uploadContent(notebookJson([]), 'text', notebookPath);
    writeExperiment({
      notebookPath,
      name: 'only-run',
      notebook: JSON.parse(notebookJson([])),
      metrics: { accuracy: 0.5 }
    });
    await openNotebook(page, notebookPath);
    await openExperiments(page);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:compare-with-previous');
    });
    await expect(
      page.locator('.Toastify__toast', {
        hasText: 'only-run is the first experiment of its notebook.'
      })
    ).toBeVisible();
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:compare-with-best');
    });
    await expect(
      page.locator('.Toastify__toast', {
        hasText: 'No other experiment of this notebook has a metric to compare.'
      })
    ).toBeVisible();
    await expect(page.locator('.jp-mlops-CompareWidget')).toHaveCount(0);
  });

  test('should offer no comparison on a notebook’s first snapshot', async ({
    page,
    tmpPath
  }) => {
    const notebookPath = `${tmpPath}/first.ipynb`;
    await page.contents.uploadContent(notebookJson([]), 'text', notebookPath);
    await openNotebook(page, notebookPath);
    // The Experiments panel stays closed: the store says it is the first.

    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .first()
      .click();
    const toast = page.locator('.Toastify__toast', {
      hasText: 'Saved experiment'
    });
    await expect(toast).toBeVisible({ timeout: 30_000 });
    await expect(
      toast.getByRole('button', { name: 'Compare with previous' })
    ).toHaveCount(0);
  });
});
