import { expect, test } from '@jupyterlab/galata';
import { readFileSync, rmSync } from 'fs';
import * as path from 'path';

import {
  DEMO,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  snapshotAndWait
} from './support';

/**
 * Issue 12, MLflow backend: with the Models setting `backend: mlflow`, a
 * registration also goes to the real MLflow server the galata server was
 * configured with (jupyter_server_test_config.py), through the bridge's
 * outbox. The panel shows it on its way, then its MLflow version; after a
 * reload (the tab closed and opened again) it still does. No answer the
 * page receives holds the server's MLflow token.
 */

const TOKEN = 'galata-' + 'T0KEN'.repeat(4);

test.describe('Models panel: the MLflow backend', () => {
  test.setTimeout(180_000);
  removeExperimentsAfterEachTest();
  test.afterEach(() => {
    if (ROOT !== '') {
      rmSync(path.join(ROOT, '.mlops', 'registry'), {
        recursive: true,
        force: true
      });
    }
  });

  test('should push a registration to MLflow and show its version there', async ({
    page,
    tmpPath
  }, testInfo) => {
    const answers: string[] = [];
    page.on('response', async response => {
      if (response.url().includes('/mlops/')) {
        answers.push(await response.text().catch(() => ''));
      }
    });
    // The setting (galata keeps this test's settings apart), read at load.
    await page.evaluate(async () => {
      await window.jupyterapp.serviceManager.settings.save(
        'jupyterlab-mlops:registry',
        JSON.stringify({ backend: 'mlflow' })
      );
    });
    await page.reload({ waitForIsReady: false });
    await page.waitForFunction(() => window.jupyterapp?.started);

    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await page.contents.uploadContent(
      readFileSync(DEMO, 'utf8'),
      'text',
      notebook
    );
    await openNotebook(page, notebook);
    await openExperiments(page);
    expect(await page.notebook.run()).toBe(true);
    await snapshotAndWait(page, 1);

    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mlops:register-model');
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('#jp-mlops-register-variable')).toHaveValue(
      'model'
    );
    await dialog.getByRole('button', { name: 'Register' }).click();

    const panel = page.locator('#jp-mlops-models');
    await expect(panel).toBeVisible({ timeout: 60_000 });
    await expect(
      panel.locator('.jp-PanelHeader, .jp-mlops-Panel')
    ).toContainText('pushed to MLflow');
    const version = panel.locator('.jp-mlops-Models-version');
    await expect(version).toHaveCount(1, { timeout: 60_000 });
    // On its way (the MLflow server may still be starting), then there.
    await expect(version.locator('.jp-mlops-Models-mlflow')).toHaveText(
      'MLflow v1',
      { timeout: 90_000 }
    );
    const outbox = panel.locator('.jp-mlops-Models-outbox');
    await expect(outbox).toContainText(
      /MLflow http:\/\/127\.0\.0\.1:\d+ \(experiment galata\): 1 sent/
    );
    await page.theme.setLightTheme();
    await panel.screenshot({
      path: testInfo.outputPath('models-mlflow-light.png')
    });
    await page.theme.setDarkTheme();
    await panel.screenshot({
      path: testInfo.outputPath('models-mlflow-dark.png')
    });
    await page.theme.setLightTheme();

    // The tab closes and opens again: the panel still knows.
    await page.reload({ waitForIsReady: false });
    await page.waitForFunction(() => window.jupyterapp?.started);
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mlops:open-models');
    });
    const again = page.locator('#jp-mlops-models');
    await again.locator('.jp-mlops-Models-model').first().click();
    await expect(
      again.locator('.jp-mlops-Models-version .jp-mlops-Models-mlflow')
    ).toHaveText('MLflow v1', { timeout: 30_000 });

    expect(answers.length).toBeGreaterThan(10);
    for (const answer of answers) {
      expect(answer).not.toContain(TOKEN);
    }
  });
});
