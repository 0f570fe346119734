import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { readdirSync } from 'fs';
import * as path from 'path';

import { notebookSlug } from '../../src/util/ids';
import {
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT
} from './support';

/**
 * Experiments follow their notebook when the lab renames it, moves it
 * into a folder, or renames that folder: the panel still lists them under
 * the new name, and "All notebooks" shows each once.
 */

const NOTEBOOK = notebookJson([
  {
    cell_type: 'code',
    source: 'max_depth = 3',
    metadata: { tags: ['parameters'] },
    outputs: [],
    execution_count: null
  }
]);

/** Rename through the lab's contents manager, as the file browser does. */
async function rename(page: IJupyterLabPageFixture, from: string, to: string) {
  await page.evaluate(
    async ({ from, to }) => {
      await window.jupyterapp.serviceManager.contents.rename(from, to);
    },
    { from, to }
  );
}

/** The experiment ids stored under a notebook path's slug. */
function storedIds(notebookPath: string): string[] {
  try {
    return readdirSync(
      path.join(
        ROOT,
        '.mlops',
        'experiments.git',
        'refs',
        'exps',
        notebookSlug(notebookPath)
      )
    );
  } catch {
    return [];
  }
}

test.describe('Experiments follow a renamed notebook', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should list the experiment after a rename, a move and a folder rename', async ({
    page,
    tmpPath
  }, testInfo) => {
    const first = `${tmpPath}/first.ipynb`;
    await page.contents.uploadContent(NOTEBOOK, 'text', first);
    await openNotebook(page, first);
    const panel = await openExperiments(page);
    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .click();
    // A fresh kernel's first snapshot: it starts, then answers once.
    await expect(
      page.locator('.Toastify__toast', { hasText: 'Saved experiment' })
    ).toBeVisible({ timeout: 45_000 });
    const rows = panel.locator('.jp-mlops-ExperimentTable-row');
    await expect(rows).toHaveCount(1);
    const name =
      (await rows
        .first()
        .locator('.jp-mlops-ExperimentTable-open')
        .textContent()) ?? '';
    expect(name).not.toBe('');
    const [id] = storedIds(first);
    expect(id).toMatch(/^[0-9A-Z]{26}$/);

    // Renamed in place: the tab follows, the list still shows it.
    const renamed = `${tmpPath}/renamed.ipynb`;
    await rename(page, first, renamed);
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText('renamed.ipynb');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(name);
    await expect.poll(() => storedIds(renamed)).toEqual([id]);
    // The old ref goes after the new one is written.
    await expect.poll(() => storedIds(first)).toEqual([]);

    // Moved into a folder.
    await page.contents.createDirectory(`${tmpPath}/sub`);
    const moved = `${tmpPath}/sub/renamed.ipynb`;
    await rename(page, renamed, moved);
    await expect(page.locator('.jp-mlops-SnapshotStatus-button')).toContainText(
      `Snapshot ${name} at`
    );
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(name);
    await expect.poll(() => storedIds(moved)).toEqual([id]);

    // The folder holding it renamed: its experiments follow too.
    const inFolder = `${tmpPath}/folder/renamed.ipynb`;
    await rename(page, `${tmpPath}/sub`, `${tmpPath}/folder`);
    await expect.poll(() => storedIds(inFolder)).toEqual([id]);
    // The old ref goes after the new one is written.
    await expect.poll(() => storedIds(moved)).toEqual([]);
    await openNotebook(page, inFolder);
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(name);
    await page.screenshot({ path: testInfo.outputPath('rename-light.png') });

    // All notebooks: the experiment once.
    await panel.getByLabel('All notebooks').check();
    await expect(
      rows.filter({
        has: page.locator('.jp-mlops-ExperimentTable-open', { hasText: name })
      })
    ).toHaveCount(1);
    await panel.getByLabel('All notebooks').uncheck();
  });
});
