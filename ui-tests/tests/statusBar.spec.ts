import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  notebookJson,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * The status bar's snapshot item speaks of the current notebook: its
 * newest experiment (also right after a reload), or a failure of its own,
 * never the state of the notebook shown before.
 */

const CLEAN = notebookJson([
  {
    cell_type: 'code',
    source: 'max_depth = 3',
    metadata: { tags: ['parameters'] },
    outputs: [],
    execution_count: null
  }
]);

const LEAKY = notebookJson([
  {
    cell_type: 'code',
    source: `key = "${['AKIA', 'Q3EGUQ7XK5', 'ZR2MLT'].join('')}"`,
    metadata: {},
    outputs: [],
    execution_count: null
  }
]);

/** Bring a notebook's tab to the front. */
async function showTab(page: IJupyterLabPageFixture, name: string) {
  await page
    .locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: name })
    .click();
}

test.describe('Snapshot status bar item', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should follow the current notebook, after a failure and a reload', async ({
    page,
    tmpPath
  }) => {
    const status = page.locator('.jp-mlops-SnapshotStatus-button');
    const kept = `${tmpPath}/kept.ipynb`;
    const leaky = `${tmpPath}/leaky.ipynb`;
    writeExperiment({
      notebookPath: kept,
      notebook: JSON.parse(CLEAN) as unknown,
      name: 'older-run'
    });
    writeExperiment({
      notebookPath: kept,
      notebook: JSON.parse(CLEAN) as unknown,
      name: 'newest-run'
    });
    await page.contents.uploadContent(CLEAN, 'text', kept);
    await page.contents.uploadContent(LEAKY, 'text', leaky);

    await openNotebook(page, kept);
    await expect(status).toContainText('Snapshot newest-run at');
    await page.evaluate(async path => {
      await window.jupyterapp.commands.execute('docmanager:open', { path });
    }, leaky);
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText('leaky.ipynb');
    await expect(status).toHaveText('No snapshot yet');

    // A failed snapshot of the leaky notebook is its own state...
    await page
      .locator(
        '.jp-NotebookPanel:visible [data-command="mlops:snapshot-experiment"]'
      )
      .click();
    await expect(status).toContainText('Snapshot failed at');
    await expect(status).toHaveAttribute('data-state', 'failed');
    // ... not the other notebook's.
    await showTab(page, 'kept.ipynb');
    await expect(status).toContainText('Snapshot newest-run at');
    await expect(status).toHaveAttribute('data-state', 'saved');
    await showTab(page, 'leaky.ipynb');
    await expect(status).toContainText('Snapshot failed at');

    // The lab loaded afresh (a page of the same browser), the notebook
    // opened: its newest experiment, read from the store.
    const other = await page.context().newPage();
    await other.goto(page.url());
    await other.locator('#jp-main-dock-panel').waitFor();
    await other.waitForFunction(() => 'jupyterapp' in window);
    await other.evaluate(async path => {
      await window.jupyterapp.commands.execute('docmanager:open', { path });
    }, kept);
    await expect(
      other.locator('.jp-mlops-SnapshotStatus-button')
    ).toContainText('Snapshot newest-run at', { timeout: 20000 });
    await other.close();
  });
});
