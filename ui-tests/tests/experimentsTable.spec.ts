import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  DEMO,
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  waitForKernelIdle,
  writeExperiment
} from './support';

/**
 * Issue 10, item 3: the Experiments table, a main-area tab opened from the
 * palette or the panel's button, with the column chooser, sorting and
 * filtering; one tab, reused; selection and sort shared with the sidebar.
 */

async function seed(page: IJupyterLabPageFixture, tmpPath: string) {
  const notebookPath = `${tmpPath}/wine_classifier.ipynb`;
  for (const [name, depth, accuracy] of [
    ['baseline', 2, 0.9555555555555556],
    ['deeper', 3, 0.9777777777777777],
    ['deepest', 5, 1]
  ] as const) {
    writeExperiment({
      notebookPath,
      name,
      notebook: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 },
      parameters: { max_depth: depth, n_estimators: 50 },
      metrics: { accuracy }
    });
  }
  await page.contents.uploadFile(DEMO, notebookPath);
  await openNotebook(page, notebookPath);
}

test.describe('Experiments table tab', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should open from the palette as an ordinary tab beside the notebook, and be reused', async ({
    page,
    tmpPath
  }, testInfo) => {
    await seed(page, tmpPath);
    await openExperiments(page);

    await waitForKernelIdle(page);
    // The palette, as a user types it. (Opened by its command: Open
    // Experiments Panel just put the focus in the filter box, where the
    // key press may arrive before the palette's shortcut is ready.)
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute(
        'apputils:activate-command-palette'
      );
    });
    const palette = page.locator('#command-palette');
    await palette.locator('input').fill('Open Experiments Table');
    await expect(
      palette.locator('.lm-CommandPalette-item.lm-mod-active')
    ).toHaveAttribute('data-command', 'mlops:open-experiments-table');
    await page.keyboard.press('Enter');
    const table = page.locator('#jp-mlops-experiments-table');
    await expect(table).toBeVisible();
    await expect(table.locator('.jp-mlops-Toolbar-count')).toHaveText(
      '3 experiments'
    );
    // A tab of the same tab bar as the notebook: not a split column.
    const tabBars = page.locator('#jp-main-dock-panel .lm-DockPanel-tabBar');
    await expect(tabBars).toHaveCount(1);
    await expect(
      tabBars.locator('.lm-TabBar-tab', { hasText: 'Experiments' })
    ).toHaveCount(1);
    await expect(
      tabBars.locator('.lm-TabBar-tab', { hasText: 'wine_classifier.ipynb' })
    ).toHaveCount(1);

    // The panel's button brings back the same tab, not a second one.
    await page
      .locator('.lm-TabBar-tab', { hasText: 'wine_classifier.ipynb' })
      .click();
    await expect(table).toBeHidden();
    await page
      .locator('#jp-mlops-experiments')
      .getByRole('button', { name: 'Table', exact: true })
      .click();
    await expect(table).toBeVisible();
    await expect(page.locator('#jp-mlops-experiments-table')).toHaveCount(1);
    await page.screenshot({
      path: testInfo.outputPath('experiments-table-light.png')
    });
    await page.theme.setDarkTheme();
    await expect(table).toBeVisible();
    await page.screenshot({
      path: testInfo.outputPath('experiments-table-dark.png')
    });
    await page.theme.setLightTheme();
  });

  test('should choose columns, sort from the headers and filter, sharing selection and sort with the sidebar', async ({
    page,
    tmpPath
  }) => {
    await seed(page, tmpPath);
    const panel = await openExperiments(page);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:open-experiments-table');
    });
    const table = page.locator('#jp-mlops-experiments-table');
    const names = table.locator('.jp-mlops-ExperimentTable-open');
    await expect(names).toHaveText(['deepest', 'deeper', 'baseline']);

    // Columns.
    await table.getByText('Columns', { exact: true }).click();
    const menu = table.locator('.jp-mlops-ColumnChooser-menu');
    await menu.getByLabel('max_depth').check();
    await menu.getByLabel('accuracy').check();
    await page.keyboard.press('Escape');
    await expect(
      table.locator(
        '[data-field="metric:accuracy"].jp-mlops-ExperimentTable-value'
      )
    ).toHaveText(['1', '0.9778', '0.9556']);
    // The full value on hover.
    await expect(
      table
        .locator(
          '[data-field="metric:accuracy"].jp-mlops-ExperimentTable-value'
        )
        .nth(1)
    ).toHaveAttribute('title', '0.9777777777777777');

    // Sort from a header: ascending on the second click; the sidebar
    // follows (one sort order).
    const header = table.locator(
      '.jp-mlops-ExperimentTable-sort[data-field="metric:accuracy"]'
    );
    await header.click();
    await expect(names).toHaveText(['deepest', 'deeper', 'baseline']);
    await header.click();
    await expect(names).toHaveText(['baseline', 'deeper', 'deepest']);
    await expect(panel.getByLabel('Sort experiments')).toHaveValue(
      'metric:accuracy'
    );
    await expect(panel.locator('.jp-mlops-ExperimentTable-open')).toHaveText([
      'baseline',
      'deeper',
      'deepest'
    ]);
    // No sort menu in the table: its headers are its one sort control.
    await expect(table.getByLabel('Sort experiments')).toHaveCount(0);

    // Selection is shared; Compare counts only what the filter shows.
    const select = (name: string) =>
      table
        .locator('.jp-mlops-ExperimentTable-row', {
          has: page.locator('.jp-mlops-ExperimentTable-open', {
            hasText: new RegExp(`^${name}$`)
          })
        })
        .locator('.jp-mlops-ExperimentTable-select');
    await select('baseline').check();
    await select('deepest').check();
    await expect(
      table.getByRole('button', { name: /^Compare \(\d+\)$/ })
    ).toHaveText('Compare (2)');
    await expect(
      panel.getByRole('button', { name: /^Compare \(\d+\)$/ })
    ).toHaveText('Compare (2)');
    await table.getByLabel('Filter experiments').fill('max_depth >= 3');
    await expect(table.locator('.jp-mlops-Toolbar-count')).toHaveText(
      '2 of 3 experiments'
    );
    await expect(
      table.getByRole('button', { name: /^Compare \(\d+\)$/ })
    ).toHaveText('Compare (1)');
    await expect(
      table.getByRole('button', { name: /^Compare \(\d+\)$/ })
    ).toBeDisabled();
  });

  test('should show step-wise metrics at their last or best step, and sort by what it shows', async ({
    page,
    tmpPath
  }, testInfo) => {
    const notebookPath = `${tmpPath}/curves.ipynb`;
    // "early" peaked at step 1 and fell back; "steady" ended highest.
    for (const [name, series] of [
      [
        'early',
        [
          [0, 0.7],
          [1, 0.95],
          [2, 0.8]
        ]
      ],
      [
        'steady',
        [
          [0, 0.6],
          [1, 0.8],
          [2, 0.9]
        ]
      ]
    ] as const) {
      writeExperiment({
        notebookPath,
        name,
        notebook: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 },
        metrics: { val_accuracy: series[2][1] },
        metricSeries: {
          val_accuracy: series.map(([step, value]) => [step, value])
        }
      });
    }
    await page.contents.uploadContent(notebookJson([]), 'text', notebookPath);
    await openNotebook(page, notebookPath);
    await openExperiments(page);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:open-experiments-table');
    });
    const table = page.locator('#jp-mlops-experiments-table');
    await table.getByText('Columns', { exact: true }).click();
    await table
      .locator('.jp-mlops-ColumnChooser-menu')
      .getByLabel('val_accuracy')
      .check();
    await page.keyboard.press('Escape');
    const names = table.locator('.jp-mlops-ExperimentTable-open');
    const values = table.locator(
      '[data-field="metric:val_accuracy"].jp-mlops-ExperimentTable-value'
    );
    const steps = table.getByLabel('Value of step-wise metrics');
    await expect(steps).toHaveValue('last');
    await table
      .locator(
        '.jp-mlops-ExperimentTable-sort[data-field="metric:val_accuracy"]'
      )
      .click();
    await expect(names).toHaveText(['steady', 'early']);
    await expect(values).toHaveText(['0.9', '0.8']);

    // The best step of each run: the order follows.
    await steps.selectOption('best');
    await expect(names).toHaveText(['early', 'steady']);
    await expect(values).toHaveText(['0.95', '0.9']);
    // The filter reads the same values.
    await table.getByLabel('Filter experiments').fill('val_accuracy > 0.92');
    await expect(names).toHaveText(['early']);
    await page.screenshot({ path: testInfo.outputPath('step-values.png') });
    // Saved as a setting.
    await table.getByLabel('Filter experiments').fill('');
    await expect
      .poll(async () =>
        page.evaluate(async () => {
          const settings =
            await window.jupyterapp.serviceManager.settings.fetch(
              'jupyterlab-mlops:experiments'
            );
          return settings.raw;
        })
      )
      .toContain('"stepMetricValue": "best"');
  });
});
