import { expect, test } from '@jupyterlab/galata';
import { readFileSync } from 'fs';

import {
  DEMO,
  openNotebook,
  removeExperimentsAfterEachTest,
  snapshotAndWait
} from './support';

/**
 * Issue 13, MLflow tracking mirror: with the Experiments setting
 * `tracking: mlflow`, a snapshot also becomes one run on the real MLflow
 * server the galata server was configured with (jupyter_server_test_config.py),
 * through the server's outbox. The experiment's detail links to the run;
 * the run, read from MLflow itself, carries the experiment's ref and the
 * notebook as an artifact. No answer the page receives holds the token.
 */

const TOKEN = 'galata-' + 'T0KEN'.repeat(4);

test.describe('Experiments: the MLflow tracking mirror', () => {
  test.setTimeout(180_000);
  removeExperimentsAfterEachTest();

  test('should mirror a snapshot as an MLflow run and link to it', async ({
    page,
    tmpPath
  }, testInfo) => {
    const answers: string[] = [];
    const commits: { mirror: unknown; answer: unknown }[] = [];
    page.on('response', async response => {
      if (response.url().includes('/mlops/')) {
        const text = await response.text().catch(() => '');
        answers.push(text);
        if (response.url().includes('/mlops/fs/commit')) {
          commits.push({
            mirror: response.request().postDataJSON()?.mirror,
            answer: JSON.parse(text || 'null')?.mirror
          });
        }
      }
    });
    await page.evaluate(async () => {
      await window.jupyterapp.serviceManager.settings.save(
        'jupyterlab-mlops:experiments',
        JSON.stringify({ tracking: 'mlflow' })
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
    // Run: the snapshot then pins what the kernel imported (requirements.txt).
    expect(await page.notebook.run()).toBe(true);
    const panel = await snapshotAndWait(page, 1);
    // Queued by the request that stored it (a tab closed right after
    // cannot leave it unqueued).
    await expect
      .poll(() => commits.at(-1))
      .toEqual({
        mirror: true,
        answer: 'queued'
      });
    await panel.locator('.jp-mlops-ExperimentTable-open').first().click();
    const detail = page.locator('.jp-mlops-DetailWidget');
    const link = detail.locator('a.jp-mlops-MlflowRun');
    // On its way (the MLflow server may still be starting), then there.
    await expect(link).toHaveText('Open the run in MLflow', {
      timeout: 90_000
    });
    const href = (await link.getAttribute('href')) ?? '';
    const match =
      /^(http:\/\/127\.0\.0\.1:\d+)\/#\/experiments\/(\w+)\/runs\/(\w+)$/.exec(
        href
      );
    expect(match).not.toBeNull();
    const [, mlflow, , runId] = match ?? [];
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toContain('noopener');

    // What MLflow holds, asked of MLflow itself.
    const run = await (
      await fetch(`${mlflow}/api/2.0/mlflow/runs/get?run_id=${runId}`)
    ).json();
    const tags = Object.fromEntries(
      run.run.data.tags.map((t: { key: string; value: string }) => [
        t.key,
        t.value
      ])
    );
    const ref: string = await page.evaluate(
      () =>
        (
          document.querySelector(
            '.jp-mlops-Detail-meta dd code'
          ) as HTMLElement | null
        )?.textContent ?? ''
    );
    expect(ref).toMatch(/^refs\/exps\//);
    expect(tags['mlops.experiment_ref']).toBe(ref);
    expect(tags['mlops.idempotency_key']).toBe(ref.split('/').pop());
    expect(run.run.info.status).toBe('FINISHED');
    const artifacts = await (
      await fetch(`${mlflow}/api/2.0/mlflow/artifacts/list?run_id=${runId}`)
    ).json();
    expect(artifacts.files.map((f: { path: string }) => f.path).sort()).toEqual(
      ['mlops', 'notebook.ipynb', 'requirements.txt']
    );

    await page.theme.setLightTheme();
    await detail.locator('.jp-mlops-Detail-meta').screenshot({
      path: testInfo.outputPath('tracking-mlflow-light.png')
    });
    await page.theme.setDarkTheme();
    await detail.locator('.jp-mlops-Detail-meta').screenshot({
      path: testInfo.outputPath('tracking-mlflow-dark.png')
    });
    await page.theme.setLightTheme();
    for (const answer of answers) {
      expect(answer).not.toContain(TOKEN);
    }
  });
});
