import { expect, test } from '@jupyterlab/galata';

import {
  notebookJson,
  removeExperimentsAfterEachTest,
  writeExperiment
} from './support';

/**
 * The comparison measured against a baseline: each metric's change
 * (absolute and relative) coloured by whether it goes the metric's good
 * way (accuracy up, loss down), the best value of each metric marked, and
 * another baseline chosen in the toolbar. Light and dark themes.
 */

removeExperimentsAfterEachTest();

test.describe('Compare against a baseline', () => {
  test('should show deltas, the best values and follow the baseline', async ({
    page,
    tmpPath
  }, testInfo) => {
    const notebookPath = `${tmpPath}/runs.ipynb`;
    const seed = (name: string, accuracy: number, loss: number) =>
      writeExperiment({
        notebookPath,
        name,
        notebook: JSON.parse(notebookJson([])),
        parameters: { depth: accuracy > 0.92 ? 5 : 2 },
        metrics: { accuracy, loss }
      });
    const older = seed('older-run', 0.9, 0.3);
    const newer = seed('newer-run', 0.95, 0.35);
    await page.evaluate(
      async refs => {
        await window.jupyterapp.commands.execute('mlops:compare-experiments', {
          refs
        });
      },
      [older, newer]
    );
    // The parameters and metrics table (the first; data and environment
    // have tables of their own).
    const table = page
      .locator('.jp-mlops-CompareWidget .jp-mlops-Compare-table')
      .first();
    await expect(table).toBeVisible();
    const row = (key: string) =>
      table.locator('tr.jp-mlops-Compare-row', {
        has: page.locator('th', { hasText: new RegExp(`^${key}$`) })
      });

    // The oldest run is the baseline: the newer run's accuracy went up
    // (better), its loss went up too (worse).
    await expect(table.locator('th.jp-mod-baseline')).toContainText(
      'older-run'
    );
    const accuracy = row('accuracy').locator('td').nth(1);
    await expect(accuracy.locator('.jp-mlops-MetricCell-delta')).toHaveText(
      '+0.05 (+5.56 %)'
    );
    await expect(accuracy.locator('.jp-mlops-MetricCell-delta')).toHaveClass(
      /jp-mod-better/
    );
    await expect(accuracy.locator('.jp-mlops-MetricCell-best')).toBeVisible();
    const loss = row('loss').locator('td');
    await expect(loss.nth(1).locator('.jp-mlops-MetricCell-delta')).toHaveClass(
      /jp-mod-worse/
    );
    // Lower loss is better: the older run holds the best loss.
    await expect(
      loss.nth(0).locator('.jp-mlops-MetricCell-best')
    ).toBeVisible();
    await expect(loss.nth(1).locator('.jp-mlops-MetricCell-best')).toHaveCount(
      0
    );
    // Parameters are not metrics: no deltas there.
    await expect(
      row('depth').locator('.jp-mlops-MetricCell-delta')
    ).toHaveCount(0);

    // In a narrow window, names and keys wrap between words, never inside
    // one ("accurac y"): each key is one line box.
    await page.setViewportSize({ width: 420, height: 800 });
    for (const text of [
      row('accuracy').locator('th bdi'),
      row('loss').locator('th bdi')
    ]) {
      expect(await text.evaluate(node => node.getClientRects().length)).toBe(1);
    }
    await page.setViewportSize({ width: 1280, height: 720 });

    const widget = page.locator('.jp-mlops-CompareWidget');
    await widget.screenshot({
      path: testInfo.outputPath('compare-baseline-light.png')
    });

    // The newer run as the baseline: the older run's changes flip.
    await page
      .locator('.jp-mlops-BaselinePicker select')
      .selectOption({ label: 'newer-run' });
    await expect(table.locator('th.jp-mod-baseline')).toContainText(
      'newer-run'
    );
    const olderAccuracy = row('accuracy').locator('td').nth(0);
    await expect(
      olderAccuracy.locator('.jp-mlops-MetricCell-delta')
    ).toHaveText('−0.05 (−5.26 %)');
    await expect(
      olderAccuracy.locator('.jp-mlops-MetricCell-delta')
    ).toHaveClass(/jp-mod-worse/);
    await expect(
      row('accuracy').locator('td').nth(1).locator('.jp-mlops-MetricCell-delta')
    ).toHaveCount(0);

    await page.theme.setDarkTheme();
    await widget.screenshot({
      path: testInfo.outputPath('compare-baseline-dark.png')
    });
    await page.theme.setLightTheme();
  });
});
