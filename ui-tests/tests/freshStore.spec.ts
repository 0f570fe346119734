import { expect, galata, test } from '@jupyterlab/galata';

import { DEMO, openExperiments, openNotebook, ROOT } from './support';

/**
 * A project with no experiment store yet (a store folder of its own: the
 * `storeDir` setting) is a normal state: opening a notebook and the
 * Experiments panel makes no failing request and logs no error.
 */

const STORE = `.mlops-fresh-${process.pid}`;

test.describe('A project without a store', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyterlab-mlops:plugin': { storeDir: STORE }
    }
  });

  test('should open the demo notebook with no failed request and no console error', async ({
    page,
    tmpPath
  }) => {
    const problems: string[] = [];
    page.on('console', message => {
      if (message.type() === 'error') {
        problems.push(`console: ${message.text()}`);
      }
    });
    page.on('pageerror', error => problems.push(`page: ${error.message}`));
    page.on('response', response => {
      if (response.url().includes('/mlops/') && response.status() >= 400) {
        problems.push(`${response.status()} ${response.url()}`);
      }
    });
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await page.contents.uploadFile(DEMO, notebook);
    await openNotebook(page, notebook);
    const panel = await openExperiments(page);
    await expect(panel).toContainText('No experiments');
    await expect(page.locator('.jp-mlops-SnapshotStatus-button')).toHaveText(
      'No snapshot yet'
    );
    // The lists that would fail were asked for, and answered.
    const listing = await page.evaluate(async store => {
      const response = await fetch('/mlops/fs/list', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-XSRFToken': document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? ''
        },
        body: JSON.stringify({ store, path: 'experiments.git/refs/exps/x' })
      });
      return { status: response.status, body: await response.json() };
    }, STORE);
    expect(listing).toEqual({
      status: 200,
      body: { path: 'experiments.git/refs/exps/x', entries: [], missing: true }
    });
    await page.waitForTimeout(1000);
    expect(problems).toEqual([]);
  });
});
