import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator } from '@playwright/test';

import {
  DEMO,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * Issue 10, item 3: at the default sidebar width the Experiments panel is
 * a compact list (name, time, key metric and changed parameters as chips)
 * with no sideways scrolling; the full table is a main-area tab.
 */

/** Runs of the demo as a user makes them: one parameter changed at a time. */
const RUNS = [
  { name: 'baseline', max_depth: 2, n_estimators: 50, accuracy: 0.9555555555 },
  { name: 'deeper', max_depth: 3, n_estimators: 50, accuracy: 0.9777777777 },
  { name: 'more-trees', max_depth: 2, n_estimators: 200, accuracy: 0.96 },
  { name: 'deepest', max_depth: 5, n_estimators: 50, accuracy: 1 }
];

async function seedRuns(page: IJupyterLabPageFixture, tmpPath: string) {
  const notebookPath = `${tmpPath}/wine_classifier.ipynb`;
  for (const run of RUNS) {
    writeExperiment({
      notebookPath,
      name: run.name,
      notebook: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 },
      parameters: {
        max_depth: run.max_depth,
        n_estimators: run.n_estimators,
        test_size: 0.25
      },
      metrics: { accuracy: run.accuracy, f1_macro: run.accuracy - 0.001 }
    });
  }
  await page.contents.uploadFile(DEMO, notebookPath);
  await openNotebook(page, notebookPath);
}

/** Whether anything inside scrolls sideways. */
async function overflowsSideways(scope: Locator): Promise<string[]> {
  return scope.evaluate(root => {
    const wide: string[] = [];
    for (const node of [root, ...root.querySelectorAll('*')]) {
      const style = getComputedStyle(node);
      if (
        node.scrollWidth > node.clientWidth + 1 &&
        (style.overflowX === 'auto' || style.overflowX === 'scroll')
      ) {
        wide.push(node.className.toString());
      }
    }
    return wide;
  });
}

test.describe('Experiments sidebar list', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should fit the default sidebar width with name, time, key metric and changed parameters', async ({
    page,
    tmpPath
  }, testInfo) => {
    await seedRuns(page, tmpPath);
    const panel = await openExperiments(page);
    const width = await panel.evaluate(node => node.clientWidth);
    // JupyterLab's default right sidebar: about 250 px.
    expect(width).toBeLessThan(320);

    const rows = panel.locator('.jp-mlops-ExperimentTable-row');
    await expect(rows).toHaveCount(RUNS.length);
    // Newest first: the last run written.
    const row = (name: string) =>
      rows.filter({
        has: page.locator('.jp-mlops-ExperimentTable-open', { hasText: name })
      });
    await expect(
      rows.first().locator('.jp-mlops-ExperimentTable-open')
    ).toHaveText('deepest');

    // The key metric (accuracy, the most common; A to Z) as a chip, rounded.
    await expect(
      row('deeper').locator('.jp-mlops-Chip.jp-mod-metric').first()
    ).toHaveText('accuracy 0.9778');
    await expect(
      row('deepest').locator('.jp-mlops-Chip.jp-mod-metric').first()
    ).toHaveText('accuracy 1');
    // Changed parameters: what differs from what most runs used.
    await expect(
      row('deeper').locator('.jp-mlops-Chip.jp-mod-parameter')
    ).toHaveText(['max_depth=3']);
    await expect(
      row('more-trees').locator('.jp-mlops-Chip.jp-mod-parameter')
    ).toHaveText(['n_estimators=200']);
    await expect(
      row('baseline').locator('.jp-mlops-Chip.jp-mod-parameter')
    ).toHaveCount(0);
    // A relative time, the full date on hover.
    const time = row('baseline').locator('.jp-mlops-ExperimentTable-time');
    await expect(time).toHaveText(/ago|now/);
    expect(await time.getAttribute('title')).toMatch(/\d{4}/);

    // Every name, time and chip is inside the panel: nothing off-screen,
    // no sideways scrolling.
    expect(await overflowsSideways(panel)).toEqual([]);
    const right = await panel.evaluate(
      node => node.getBoundingClientRect().right
    );
    for (const selector of [
      '.jp-mlops-ExperimentTable-open',
      '.jp-mlops-ExperimentTable-time',
      '.jp-mlops-Chip'
    ]) {
      const edges = await panel
        .locator(selector)
        .evaluateAll(nodes => nodes.map(n => n.getBoundingClientRect().right));
      expect(edges.length).toBeGreaterThan(0);
      for (const edge of edges) {
        expect(edge, selector).toBeLessThanOrEqual(right + 0.5);
      }
    }
    // No column headers in the sidebar: its one sort control is the menu.
    await expect(panel.locator('.jp-mlops-ExperimentTable-header')).toHaveCount(
      0
    );
    await expect(panel.getByLabel('Sort experiments')).toHaveCount(1);

    await panel.screenshot({
      path: testInfo.outputPath('sidebar-list-light.png')
    });
    await page.screenshot({
      path: testInfo.outputPath('sidebar-list-page-light.png')
    });
    await page.theme.setDarkTheme();
    await expect(rows.first()).toBeVisible();
    expect(await overflowsSideways(panel)).toEqual([]);
    await panel.screenshot({
      path: testInfo.outputPath('sidebar-list-dark.png')
    });
    await page.theme.setLightTheme();
  });

  test('should follow the sort with the key metric and keep the keyboard', async ({
    page,
    tmpPath
  }) => {
    await seedRuns(page, tmpPath);
    const panel = await openExperiments(page);
    const names = panel.locator('.jp-mlops-ExperimentTable-open');
    await panel.getByLabel('Sort experiments').selectOption('metric:f1_macro');
    // Best first, and the sorted metric is the first chip.
    await expect(names).toHaveText([
      'deepest',
      'deeper',
      'more-trees',
      'baseline'
    ]);
    await expect(
      panel
        .locator('.jp-mlops-ExperimentTable-row')
        .first()
        .locator('.jp-mlops-Chip')
        .first()
    ).toHaveText('f1_macro 0.999');
    await panel
      .getByRole('button', { name: 'Descending; sort ascending' })
      .click();
    await expect(names).toHaveText([
      'baseline',
      'more-trees',
      'deeper',
      'deepest'
    ]);

    // Arrows and Enter in the list open an experiment.
    const grid = panel.locator('.jp-mlops-ExperimentTable');
    await grid.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(
      page.locator('.jp-mlops-Detail').getByLabel('Experiment name')
    ).toHaveValue('more-trees');
  });
});
