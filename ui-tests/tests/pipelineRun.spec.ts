import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as path from 'path';

import {
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest
} from './support';

/**
 * Issue 11: the pipeline runs from the lab. The DAG shows each step's
 * state live; the second run replays from the cache; the logs tab streams
 * a step's output and points a failure at its cell; Cancel stops a run;
 * the tag editor makes a step; Export writes another target's folder.
 */

const cell = (source: string, tags: string[]) => ({
  cell_type: 'code',
  source,
  metadata: { tags },
  outputs: [],
  execution_count: null
});

const NOTEBOOK = notebookJson([
  cell('import time', ['imports']),
  cell('n = 4\npause = 2.0', ['pipeline-parameters']),
  cell('raw = list(range(n))\nprint("loaded", len(raw), "values")', [
    'step:load'
  ]),
  cell('time.sleep(pause)\ntotal = sum(raw)\nprint("total is", total)', [
    'step:train',
    'prev:load'
  ]),
  cell('total', ['pipeline-metrics'])
]);

async function openPipeline(page: IJupyterLabPageFixture) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('mlops:open-pipeline');
  });
  const panel = page.locator('#jp-mlops-pipeline');
  await expect(panel).toBeVisible();
  return panel;
}

/** Replace one cell's source, as typing would. */
async function setSource(
  page: IJupyterLabPageFixture,
  index: number,
  source: string
) {
  // The model's cells arrive after the panel does.
  await page.waitForFunction(count => {
    const panel = window.jupyterapp.shell.currentWidget as unknown as {
      content?: { model?: { cells: { length: number } } };
    } | null;
    return (panel?.content?.model?.cells.length ?? 0) > count;
  }, index);
  await page.evaluate(
    ({ index, source }) => {
      const panel = window.jupyterapp.shell.currentWidget as unknown as {
        content: {
          model: {
            cells: {
              get(i: number): { sharedModel: { setSource(s: string): void } };
            };
          };
        };
      };
      panel.content.model.cells.get(index).sharedModel.setSource(source);
    },
    { index, source }
  );
}

test.describe('Pipeline panel: runs from the lab', () => {
  test.setTimeout(180_000);
  removeExperimentsAfterEachTest();

  test('should run with live status, replay from the cache, and show logs', async ({
    page,
    tmpPath
  }, testInfo) => {
    const path = `${tmpPath}/sums.ipynb`;
    await page.contents.uploadContent(NOTEBOOK, 'text', path);
    await openNotebook(page, path);
    // A snapshot of the notebook run in its kernel: what a run must reproduce.
    const experiments = await openExperiments(page);
    expect(await page.notebook.run()).toBe(true);
    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .first()
      .click();
    await expect(
      experiments.locator('.jp-mlops-ExperimentTable-row')
    ).toHaveCount(1, { timeout: 30_000 });
    const panel = await openPipeline(page);
    const dag = panel.locator('.jp-mlops-Dag');
    await expect(dag.locator('.jp-mlops-Dag-node')).toHaveText([
      'load',
      'train'
    ]);
    // One edge, drawn.
    await expect(dag.locator('.jp-mlops-Dag-edge')).toHaveCount(1);

    // Run: the DAG shows train running while it sleeps.
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    const train = dag.locator('.jp-mlops-Dag-node[data-step="train"]');
    await expect(train).toHaveAttribute('data-state', 'running', {
      timeout: 30_000
    });
    await expect(
      dag.locator('.jp-mlops-Dag-node[data-step="load"]')
    ).toHaveAttribute('data-state', 'done');
    await page.theme.setLightTheme();
    await panel.screenshot({
      path: testInfo.outputPath('dag-running-light.png')
    });
    await page.theme.setDarkTheme();
    await panel.screenshot({
      path: testInfo.outputPath('dag-running-dark.png')
    });
    await page.theme.setLightTheme();
    const run = panel.locator('.jp-mlops-RunBar-run');
    await expect(run).toHaveAttribute('data-state', 'done', {
      timeout: 60_000
    });
    await expect(run.locator('.jp-mlops-RunBar-metrics')).toHaveText('total 6');
    // Recorded by the runner against the snapshot's metrics.
    await expect(run.locator('.jp-mlops-RunBar-repro')).toHaveText(
      'reproduced (total)'
    );
    await expect(train).toHaveAttribute('data-state', 'done');

    // The logs tab streams each step's output.
    await run.getByRole('button', { name: 'Logs' }).click();
    const logs = page.locator('.jp-mlops-Logs');
    await expect(logs).toBeVisible();
    await logs.locator('.jp-mlops-Logs-step[data-step="train"]').click();
    await expect(logs.locator('.jp-mlops-Logs-text')).toContainText(
      'total is 6'
    );
    await logs.locator('.jp-mlops-Logs-step[data-step="load"]').click();
    await expect(logs.locator('.jp-mlops-Logs-text')).toContainText(
      'loaded 4 values'
    );
    await page.screenshot({ path: testInfo.outputPath('logs-light.png') });
    await page.theme.setDarkTheme();
    await page.screenshot({ path: testInfo.outputPath('logs-dark.png') });
    await page.theme.setLightTheme();

    // Unchanged: the second run replays both steps from the cache.
    await page.evaluate(async target => {
      await window.jupyterapp.commands.execute('docmanager:open', {
        path: target
      });
    }, path);
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(
      panel.locator('.jp-mlops-RunBar-history summary')
    ).toContainText('(2)', { timeout: 30_000 });
    await expect(run).toHaveAttribute('data-state', 'done', {
      timeout: 30_000
    });
    await expect(train).toHaveAttribute('data-state', 'cached');
    await expect(run).toContainText('2 of 2 steps done, 2 cached');
  });

  test('should point a failed step at its cell, and cancel a run', async ({
    page,
    tmpPath
  }) => {
    const path = `${tmpPath}/fails.ipynb`;
    await page.contents.uploadContent(NOTEBOOK, 'text', path);
    await openNotebook(page, path);
    const panel = await openPipeline(page);
    await setSource(
      page,
      3,
      'total = sum(raw)\n\nratio = total / (n - 4)\nprint(ratio)'
    );
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    const run = panel.locator('.jp-mlops-RunBar-run');
    await expect(run).toHaveAttribute('data-state', 'failed', {
      timeout: 60_000
    });
    await run.getByRole('button', { name: 'Logs' }).click();
    const failure = page.locator('.jp-mlops-Logs-failure');
    await expect(failure).toContainText('ZeroDivisionError');
    await failure.getByRole('button', { name: 'Cell 4, line 3' }).click();
    await expect(
      page.locator('.jp-Notebook .jp-Cell.jp-mod-active')
    ).toContainText('ratio = total');

    // A long step, then Cancel: the run ends cancelled.
    await setSource(page, 3, 'time.sleep(60)\ntotal = sum(raw)');
    await page.evaluate(async target => {
      await window.jupyterapp.commands.execute('docmanager:open', {
        path: target
      });
    }, path);
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    const train = panel.locator('.jp-mlops-Dag-node[data-step="train"]');
    await expect(train).toHaveAttribute('data-state', 'running', {
      timeout: 30_000
    });
    // The run outlives the page: reloaded, the panel finds it running.
    // (Leave the edited notebook unsaved: accept "leave the page?".)
    page.on('dialog', dialog => void dialog.accept());
    await page.reload({ waitForIsReady: false });
    await page.waitForFunction(() => window.jupyterapp?.started);
    await openNotebook(page, path);
    const again = await openPipeline(page);
    await expect(
      again.locator('.jp-mlops-Dag-node[data-step="train"]')
    ).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
    await again.getByRole('button', { name: 'Cancel' }).click();
    await expect(run).toHaveAttribute('data-state', 'cancelled', {
      timeout: 30_000
    });
    await expect(train).toHaveAttribute('data-state', 'cancelled');
  });

  test('should make a step with the tag editor and export to DVC', async ({
    page,
    tmpPath
  }, testInfo) => {
    const path = `${tmpPath}/edit.ipynb`;
    await page.contents.uploadContent(NOTEBOOK, 'text', path);
    await openNotebook(page, path);
    const panel = await openPipeline(page);
    // Select the metrics cell (index 4) and make it a step after train.
    await page.evaluate(() => {
      const panel = window.jupyterapp.shell.currentWidget as unknown as {
        content: { activeCellIndex: number };
      };
      panel.content.activeCellIndex = 4;
    });
    const editor = panel.locator('.jp-mlops-TagEditor');
    await expect(editor).toContainText('Cell 5');
    await editor.locator('select').selectOption('step');
    const check = editor.locator('.jp-mlops-TagEditor-check');
    await expect(check).toHaveText('A step needs a name.');
    const apply = editor.getByRole('button', { name: 'Apply' });
    await expect(apply).toBeDisabled();
    const name = editor.getByLabel('Name');
    await name.fill('2fast');
    await expect(check).toContainText('a Python identifier');
    await expect(apply).toBeDisabled();
    await name.fill('report');
    await expect(check).toHaveText('A new step.');
    await editor.getByLabel('train').check();
    await expect(editor.locator('.jp-mlops-TagEditor-preview')).toHaveText(
      'step:report prev:train'
    );
    await apply.click();
    await expect(panel.locator('.jp-mlops-Dag-node')).toHaveText([
      'load',
      'train',
      'report'
    ]);
    await expect(panel.locator('.jp-mlops-Dag-edge')).toHaveCount(2);
    await panel.screenshot({ path: testInfo.outputPath('tag-editor.png') });

    await panel.getByRole('button', { name: 'Export…' }).click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.getByLabel(/DVC/).check();
    await expect(dialog).toContainText('pipelines/edit/dvc');
    await dialog.getByRole('button', { name: 'Export' }).click();
    await expect(page.locator('.jp-toast-message')).toContainText(
      'pipelines/edit/dvc',
      { timeout: 30_000 }
    );
    expect(
      await page.contents.fileExists(`${tmpPath}/pipelines/edit/dvc/dvc.yaml`)
    ).toBe(true);

    // The notebook changes: the export is stale until it is exported again.
    await setSource(page, 3, 'time.sleep(pause)\ntotal = sum(raw) + 1');
    const stale = panel.locator('.jp-mlops-RunBar-stale');
    await expect(stale).toContainText('older than the notebook');
    await stale.getByRole('button', { name: 'Re-export' }).click();
    await expect(stale).toHaveCount(0, { timeout: 30_000 });
  });

  test('should draw a real Kale notebook, unchanged, as its DAG', async ({
    page,
    tmpPath
  }, testInfo) => {
    const source = path.resolve(
      __dirname,
      '../../test/fixtures/notebooks/kale/examples/titanic-ml-dataset/titanic_dataset_ml.ipynb'
    );
    const target = `${tmpPath}/titanic_dataset_ml.ipynb`;
    await page.contents.uploadFile(source, target);
    await openNotebook(page, target);
    const panel = await openPipeline(page);
    const nodes = panel.locator('.jp-mlops-Dag-node');
    await expect(nodes).toHaveCount(9);
    // Five models after feature engineering, side by side; results last.
    const tops = await nodes.evaluateAll(buttons =>
      Object.fromEntries(
        buttons.map(b => [
          (b as HTMLElement).dataset.step,
          (b as HTMLElement).offsetTop
        ])
      )
    );
    expect(
      new Set(
        [
          'randomforest',
          'logisticregression',
          'naivebayes',
          'svm',
          'decisiontree'
        ].map(n => tops[n])
      ).size
    ).toBe(1);
    expect(tops.results).toBeGreaterThan(tops.svm);
    // Too wide for the sidebar: narrower boxes, drawn smaller. The width
    // is measured once the panel is laid out (a ResizeObserver): the first
    // frame may still be at full scale, so the scale is polled.
    const canvas = panel.locator('.jp-mlops-Dag-canvas');
    await expect
      .poll(async () => Number(await canvas.getAttribute('data-scale')))
      .toBeLessThan(1);
    await panel.screenshot({ path: testInfo.outputPath('kale-titanic.png') });
  });
});
