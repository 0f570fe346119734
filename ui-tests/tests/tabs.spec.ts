import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * Experiment, comparison and read-only notebook tabs open as ordinary tabs
 * next to the notebook (one tab bar in the main area), an open one is shown
 * again instead of a second one, and "to the side" is an explicit choice:
 * Alt-click on a name, or the row's context menu.
 */

type Locator = ReturnType<IJupyterLabPageFixture['locator']>;

const NOTEBOOK = notebookJson([
  {
    cell_type: 'code',
    source: 'max_depth = 3',
    metadata: { tags: ['parameters'] },
    outputs: [],
    execution_count: null
  }
]);

/** The tab bars of the main area (one per column of a split). */
function mainTabBars(page: IJupyterLabPageFixture): Locator {
  return page.locator('#jp-main-dock-panel .lm-DockPanel-tabBar');
}

/** Two experiments of a notebook, the notebook open, the panel showing. */
async function setUp(page: IJupyterLabPageFixture, tmpPath: string) {
  const notebookPath = `${tmpPath}/tabs.ipynb`;
  const notebook = JSON.parse(NOTEBOOK) as unknown;
  const older = writeExperiment({
    notebookPath,
    notebook,
    name: 'depth-three',
    parameters: { max_depth: 3 },
    metrics: { accuracy: 0.91 }
  });
  const newer = writeExperiment({
    notebookPath,
    notebook,
    name: 'depth-five',
    parameters: { max_depth: 5 },
    metrics: { accuracy: 0.93 }
  });
  await page.contents.uploadContent(NOTEBOOK, 'text', notebookPath);
  await openNotebook(page, notebookPath);
  const panel = await openExperiments(page);
  await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(2);
  return { panel, older, newer };
}

test.describe('Experiment tabs', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should open detail, comparison and read-only tabs beside the notebook, once each', async ({
    page,
    tmpPath
  }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', error => errors.push(error.message));
    const { panel } = await setUp(page, tmpPath);
    const tabs = page.locator('#jp-main-dock-panel .lm-TabBar-tab');
    const names = panel.locator('.jp-mlops-ExperimentTable-open');
    await expect(mainTabBars(page)).toHaveCount(1);
    const before = await tabs.count();

    // The detail: a tab in the notebook's tab bar, not a new column.
    await names.filter({ hasText: 'depth-five' }).click();
    const detail = page.locator('.jp-mlops-Detail:visible');
    await expect(detail.getByLabel('Experiment name')).toHaveValue(
      'depth-five'
    );
    await expect(mainTabBars(page)).toHaveCount(1);
    await expect(tabs).toHaveCount(before + 1);
    await expect(tabs.filter({ hasText: 'tabs.ipynb' })).toHaveCount(1);

    // Clicking the name again shows the same tab, after the notebook's.
    await page
      .locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'tabs.ipynb' })
      .click();
    await names.filter({ hasText: 'depth-five' }).click();
    await expect(tabs).toHaveCount(before + 1);
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText('depth-five');

    // The comparison: one tab, shown again on a second Compare.
    for (const row of await panel
      .locator('.jp-mlops-ExperimentTable-select')
      .all()) {
      await row.check();
    }
    const compare = panel.getByRole('button', { name: /^Compare \(2\)$/ });
    await compare.click();
    await expect(page.locator('.jp-mlops-Compare:visible')).toBeVisible();
    await expect(tabs).toHaveCount(before + 2);
    await page
      .locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'tabs.ipynb' })
      .click();
    await compare.click();
    await expect(tabs).toHaveCount(before + 2);
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText('Compare (2)');
    await expect(mainTabBars(page)).toHaveCount(1);

    // The read-only notebook, from the detail: a tab too.
    await page
      .locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'depth-five' })
      .click();
    await page
      .locator('.jp-mlops-Detail:visible')
      .getByRole('button', { name: 'Open notebook (read-only)' })
      .click();
    await expect(page.locator('.jp-mlops-ExperimentNotebook')).toBeVisible();
    await expect(tabs).toHaveCount(before + 3);
    await expect(mainTabBars(page)).toHaveCount(1);

    // Every button of the detail fits at the default sidebar width.
    await page
      .locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'depth-five' })
      .first()
      .click();
    const header = page.locator('.jp-mlops-Detail-header:visible');
    for (const button of await header.locator('button').all()) {
      await expect(button).toBeInViewport({ ratio: 1 });
    }
    await page.screenshot({ path: testInfo.outputPath('tabs-light.png') });
    await page.theme.setDarkTheme();
    await page.screenshot({ path: testInfo.outputPath('tabs-dark.png') });
    await page.theme.setLightTheme();
    expect(errors).toEqual([]);
  });

  test('should open an experiment to the side on Alt-click or from the context menu', async ({
    page,
    tmpPath
  }, testInfo) => {
    const { panel } = await setUp(page, tmpPath);
    const names = panel.locator('.jp-mlops-ExperimentTable-open');
    await names
      .filter({ hasText: 'depth-three' })
      .click({ modifiers: ['Alt'] });
    await expect(
      page.locator('.jp-mlops-Detail:visible').getByLabel('Experiment name')
    ).toHaveValue('depth-three');
    await expect(mainTabBars(page)).toHaveCount(2);

    // The context menu of the other row: to the side of the current tab.
    await panel
      .locator('.jp-mlops-ExperimentTable-row', { hasText: 'depth-five' })
      .click({ button: 'right' });
    await page
      .locator('.lm-Menu-item', { hasText: 'Open Experiment to the Side' })
      .click();
    await expect(page.locator('.jp-mlops-Detail:visible')).toHaveCount(2);
    await expect(mainTabBars(page)).toHaveCount(3);

    // "Open Experiment" from the menu adds no column: the tab is shown.
    await panel
      .locator('.jp-mlops-ExperimentTable-row', { hasText: 'depth-three' })
      .click({ button: 'right' });
    await page
      .locator('.lm-Menu-item', { hasText: /^Open Experiment$/ })
      .click();
    await expect(mainTabBars(page)).toHaveCount(3);
    await page.screenshot({ path: testInfo.outputPath('tabs-side-light.png') });
  });
});
