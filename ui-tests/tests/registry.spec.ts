import { expect, test } from '@jupyterlab/galata';
import { existsSync, readdirSync, readFileSync, rmSync } from 'fs';
import * as path from 'path';

import {
  DEMO,
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  snapshotAndWait
} from './support';

/**
 * Issue 12: register the demo's fitted model from its kernel, with the
 * lineage of the notebook's snapshot; the Models panel lists it, shows its
 * version with the experiment and metrics, and moves an alias (audited).
 */

test.describe('Models panel: register from the kernel', () => {
  test.setTimeout(180_000);
  removeExperimentsAfterEachTest();
  test.afterEach(() => {
    if (ROOT !== '') {
      // An endpoint a failed test left running.
      const serving = path.join(ROOT, '.mlops', 'registry', 'serving');
      for (const name of existsSync(serving) ? readdirSync(serving) : []) {
        if (name.endsWith('.json')) {
          try {
            process.kill(
              JSON.parse(readFileSync(path.join(serving, name), 'utf8')).pid,
              'SIGKILL'
            );
          } catch {
            // gone already
          }
        }
      }
      rmSync(path.join(ROOT, '.mlops', 'registry'), {
        recursive: true,
        force: true
      });
    }
  });

  test('should register the demo model with its lineage and set an alias', async ({
    page,
    tmpPath
  }, testInfo) => {
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await page.contents.uploadContent(
      readFileSync(DEMO, 'utf8'),
      'text',
      notebook
    );
    await openNotebook(page, notebook);
    await openExperiments(page);
    expect(await page.notebook.run()).toBe(true);
    const experiments = await snapshotAndWait(page, 1);
    const experimentName = (
      (await experiments
        .locator('.jp-mlops-ExperimentTable-open')
        .first()
        .textContent()) ?? ''
    ).trim();
    expect(experimentName).not.toBe('');

    // Register: the dialog offers the kernel's model and its training frame.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mlops:register-model');
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('#jp-mlops-register-variable')).toHaveValue(
      'model'
    );
    await expect(dialog.locator('#jp-mlops-register-example')).toHaveValue(
      'X_train'
    );
    await expect(dialog.locator('#jp-mlops-register-name')).toHaveValue(
      'wine_classifier'
    );
    await expect(dialog).toContainText('Lineage: the snapshot of');
    await page.theme.setLightTheme();
    await dialog.locator('.jp-Dialog-content').screenshot({
      path: testInfo.outputPath('register-dialog-light.png')
    });
    await dialog.getByRole('button', { name: 'Register' }).click();

    const panel = page.locator('#jp-mlops-models');
    await expect(panel).toBeVisible({ timeout: 60_000 });
    const row = panel.locator('.jp-mlops-Models-model').first();
    await expect(row).toContainText('wine_classifier', { timeout: 60_000 });
    await expect(row).toContainText('v1');
    // The new version is shown at once; a click on the model folds it.
    await expect(row).toHaveAttribute('aria-expanded', 'true');
    const version = panel.locator('.jp-mlops-Models-version');
    await expect(version).toHaveCount(1);
    await expect(version).toContainText('from experiment');
    // Its experiment by name (read from the store), not by an id.
    await expect(
      version.locator('.jp-mlops-Models-lineage .jp-mlops-LinkButton').first()
    ).toHaveText(experimentName);
    await expect(version).toContainText('accuracy');
    await expect(version).not.toContainText('no lineage');
    await expect(version).toContainText('python_function, sklearn');

    // An alias, audited.
    await version.getByRole('button', { name: 'Set alias…' }).click();
    await expect(page.locator('#jp-mlops-alias')).toHaveValue('staging');
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Set alias' })
      .click();
    await expect(row).toContainText('staging→v1');
    await expect(panel.locator('.jp-mlops-Models-audit')).toContainText(
      'Audit log: 2 entries, chain verified.'
    );
    await panel.screenshot({
      path: testInfo.outputPath('models-panel-light.png')
    });
    await page.theme.setDarkTheme();
    await panel.screenshot({
      path: testInfo.outputPath('models-panel-dark.png')
    });
    await page.theme.setLightTheme();

    // KServe: a manifest of the version, written into the project and opened.
    await version.getByRole('button', { name: 'KServe…' }).click();
    const kserve = page.locator('.jp-Dialog');
    await expect(kserve.locator('#jp-mlops-kserve-storageUri')).toHaveValue(
      's3://models/wine_classifier/1'
    );
    await kserve.getByRole('button', { name: 'Write manifest' }).click();
    const manifest = page.locator('.jp-FileEditor');
    await expect(manifest).toContainText('kind: InferenceService', {
      timeout: 30_000
    });
    await expect(manifest).toContainText(
      'storageUri: s3://models/wine_classifier/1'
    );
    await page.theme.setDarkTheme();
    await page.locator('#jp-main-dock-panel').screenshot({
      path: testInfo.outputPath('kserve-manifest-dark.png')
    });
    await page.theme.setLightTheme();
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('application:close')
    );
    rmSync(path.join(ROOT, 'kserve'), { recursive: true, force: true });

    // A command link (or a palette entry with arguments) deploys nothing.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mlops:deploy-model', {
        model: 'wine_classifier',
        version: 1
      });
    });
    await expect(page.locator('.Toastify')).toContainText(
      'Deploy takes no arguments'
    );
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);

    // Deploy: the preflight's checks, then what changes, then the endpoint.
    await version.getByRole('button', { name: 'Deploy…' }).click();
    const preflight = page.locator('.jp-Dialog');
    await expect(preflight).toContainText(
      'Preflight: wine_classifier version 1'
    );
    await expect(
      preflight.locator('.jp-mlops-Preflight-checks li')
    ).toHaveCount(8);
    await expect(preflight.locator('.jp-mod-failed')).toHaveCount(0);
    await preflight.locator('.jp-Dialog-content').screenshot({
      path: testInfo.outputPath('preflight-light.png')
    });
    await page.theme.setDarkTheme();
    await preflight.locator('.jp-Dialog-content').screenshot({
      path: testInfo.outputPath('preflight-dark.png')
    });
    await page.theme.setLightTheme();
    await preflight.getByRole('button', { name: 'Continue…' }).click();
    const confirm = page.locator('.jp-Dialog');
    await expect(confirm).toContainText('production: (none) → version 1');
    await expect(confirm).toContainText('alcohol');
    await confirm.locator('.jp-Dialog-content').screenshot({
      path: testInfo.outputPath('confirm-light.png')
    });
    await page.theme.setDarkTheme();
    await confirm.locator('.jp-Dialog-content').screenshot({
      path: testInfo.outputPath('confirm-dark.png')
    });
    await page.theme.setLightTheme();
    await confirm.getByRole('button', { name: 'Deploy version 1' }).click();
    const endpoint = panel.locator('.jp-mlops-Models-endpoint');
    await expect(endpoint).toContainText('serving v1 at http://127.0.0.1:', {
      timeout: 60_000
    });
    await endpoint.getByRole('button', { name: 'Try it' }).click();
    await expect(endpoint.locator('.jp-mlops-Models-tried')).toContainText(
      'Answer (HTTP 200): {"predictions":[',
      { timeout: 30_000 }
    );
    await expect(panel.locator('.jp-mlops-Models-audit')).toContainText(
      'Audit log: 3 entries, chain verified.'
    );
    await panel.screenshot({ path: testInfo.outputPath('deployed-light.png') });
    await page.theme.setDarkTheme();
    await panel.screenshot({ path: testInfo.outputPath('deployed-dark.png') });
    await page.theme.setLightTheme();
    // A second snapshot and version: its row compares with production's.
    await page.notebook.activate('wine_classifier.ipynb');
    await snapshotAndWait(page, 2);
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mlops:register-model');
    });
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Register' })
      .click();
    await expect(version).toHaveCount(2, { timeout: 60_000 });
    const newest = version.first();
    await expect(newest).toContainText('v2');
    await expect(version.nth(1).getByText('vs production')).toHaveCount(0);
    await newest.getByRole('button', { name: 'vs production' }).click();
    await expect(page.locator('.jp-mlops-CompareWidget')).toBeVisible({
      timeout: 30_000
    });
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('application:close')
    );
    await page.locator('#jp-mlops-models').isVisible();
    await endpoint.getByRole('button', { name: 'Stop' }).click();
    await expect(endpoint).toContainText('not serving', { timeout: 30_000 });
  });

  test("should register an experiment's model file, loaded by the kernel after its hash", async ({
    page,
    tmpPath
  }) => {
    const notebook = `${tmpPath}/saved.ipynb`;
    await page.contents.uploadContent(
      notebookJson([
        {
          cell_type: 'code',
          source:
            'import joblib\nfrom sklearn.datasets import load_iris\nfrom sklearn.tree import DecisionTreeClassifier\nX, y = load_iris(return_X_y=True, as_frame=True)\nclf = DecisionTreeClassifier(random_state=0).fit(X, y)\njoblib.dump(clf, "iris_tree.joblib")',
          metadata: {},
          outputs: [],
          execution_count: null
        }
      ]),
      'text',
      notebook
    );
    await openNotebook(page, notebook);
    await openExperiments(page);
    expect(await page.notebook.run()).toBe(true);
    const row = (await snapshotAndWait(page, 1)).locator(
      '.jp-mlops-ExperimentTable-row'
    );
    // A command link in an output (the notebook is the current tab) cannot
    // make the kernel load a file, whatever its arguments.
    await page.evaluate(async path => {
      await window.jupyterapp.commands.execute(
        'mlops:register-experiment-model',
        { ref: 'refs/exps/x/01J00000000000000000000000', path }
      );
    }, `${tmpPath}/iris_tree.joblib`);
    await expect(page.locator('.Toastify')).toContainText(
      'from its experiment’s tab'
    );
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
    await row.first().dblclick();
    const detail = page.locator('.jp-mlops-Detail:visible');
    const file = detail.locator('tr', { hasText: 'iris_tree.joblib' });
    await expect(file).toBeVisible({ timeout: 30_000 });
    await file.getByRole('button', { name: 'Register…' }).click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog.locator('#jp-mlops-register-variable')).toHaveValue(
      `${tmpPath}/iris_tree.joblib`
    );
    await expect(dialog).toContainText('Model (a file of the experiment)');
    await dialog.locator('#jp-mlops-register-name').fill('iris_tree');
    await dialog.getByRole('button', { name: 'Register' }).click();
    const panel = page.locator('#jp-mlops-models');
    const version = panel.locator('.jp-mlops-Models-version');
    await expect(version).toHaveCount(1, { timeout: 60_000 });
    await expect(version).toContainText('from experiment');
    await expect(version).toContainText('python_function, sklearn');
  });

  test('should show a hostile model name as text', async ({
    page,
    tmpPath
  }) => {
    const notebook = `${tmpPath}/fit.ipynb`;
    const source = JSON.stringify({
      cells: [
        {
          cell_type: 'code',
          source:
            'from sklearn.datasets import load_iris\nfrom sklearn.tree import DecisionTreeClassifier\nX, y = load_iris(return_X_y=True, as_frame=True)\nclf = DecisionTreeClassifier().fit(X, y)',
          metadata: {},
          outputs: [],
          execution_count: null
        }
      ],
      metadata: {
        kernelspec: {
          name: 'python3',
          display_name: 'Python 3',
          language: 'python'
        }
      },
      nbformat: 4,
      nbformat_minor: 5
    });
    await page.contents.uploadContent(source, 'text', notebook);
    await openNotebook(page, notebook);
    expect(await page.notebook.run()).toBe(true);
    let alerted = false;
    page.on('dialog', dialog => {
      alerted = true;
      void dialog.dismiss();
    });
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mlops:register-model');
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('This notebook has no snapshot');
    // A right-to-left override would make the name read otherwise: refused.
    await dialog.locator('#jp-mlops-register-name').fill('model\u202Egnp.exe');
    await dialog.getByRole('button', { name: 'Register' }).click();
    await expect(page.locator('.Toastify')).toContainText(
      'U+202E is not allowed',
      {
        timeout: 60_000
      }
    );
    await expect(page.locator('.Toastify')).toContainText('E_BAD_REQUEST');
    // Markup is a name like any other, shown as text.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('mlops:register-model');
    });
    const name = '<img src=x onerror=alert(1)>';
    await dialog.locator('#jp-mlops-register-name').fill(name);
    await dialog.getByRole('button', { name: 'Register' }).click();
    const panel = page.locator('#jp-mlops-models');
    const row = panel.locator('.jp-mlops-Models-model').first();
    await expect(row).toContainText(name, { timeout: 60_000 });
    await expect(panel.locator('img')).toHaveCount(0);
    await expect(panel.locator('.jp-mlops-Models-version')).toContainText(
      'no lineage'
    );
    expect(alerted).toBe(false);
  });
});
