import { expect, test } from '@jupyterlab/galata';

import {
  notebookJson,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT
} from './support';
import { notebookSlug } from '../../src/util/ids';

/**
 * Keyboard: the snapshot shortcut (Alt+S in a notebook's command mode)
 * takes no key of JupyterLab's own, so Accel+Shift+S is "Save As…" again;
 * opening the Experiments panel puts the focus in it; Compare has a palette
 * entry that works on the panel's selection.
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

test.describe('Keyboard and palette', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should snapshot on Alt+S and leave Accel+Shift+S to Save As', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/keys.ipynb`;
    await page.contents.uploadContent(NOTEBOOK, 'text', file);
    await openNotebook(page, file);
    // The key is a setting, with its default in the schema.
    const keys = await page.evaluate(() =>
      window.jupyterapp.commands.keyBindings
        .filter(binding => binding.command === 'mlops:snapshot-experiment')
        .map(binding => binding.keys.join(' '))
    );
    expect(keys).toEqual(['Alt S']);

    await page.notebook.selectCells(0);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Alt+s');
    const status = page.locator('.jp-mlops-SnapshotStatus-button');
    await expect(status).toHaveAttribute('data-state', 'saved', {
      timeout: 30000
    });
    await expect(status).toContainText(/^Snapshot .+ at /);
    const refs = await page.evaluate(async () => {
      const response = await fetch('/mlops/fs/list', {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-XSRFToken': document.cookie.match(/_xsrf=([^;]+)/)?.[1] ?? ''
        },
        body: JSON.stringify({ path: 'experiments.git/refs/exps' })
      });
      return ((await response.json()) as { entries: { name: string }[] })
        .entries;
    });
    expect(refs.map(entry => entry.name)).toContain(notebookSlug(file));

    // Accel+Shift+S: JupyterLab's "Save As…" dialog, in command mode and
    // in a cell's editor.
    await page.keyboard.press('ControlOrMeta+Shift+s');
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Save File As');
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await page.notebook.enterCellEditingMode(0);
    await page.keyboard.press('ControlOrMeta+Shift+s');
    await expect(dialog).toContainText('Save File As');
    await page.keyboard.press('Escape');
  });

  test('should move the focus into the Experiments panel and compare from the palette', async ({
    page,
    tmpPath
  }) => {
    const file = `${tmpPath}/palette.ipynb`;
    await page.contents.uploadContent(NOTEBOOK, 'text', file);
    await openNotebook(page, file);
    const snapshot = page.locator(
      '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
    );
    const panel = page.locator('#jp-mlops-experiments');
    const rows = panel.locator('.jp-mlops-ExperimentTable-row');
    // Two experiments, through the toolbar.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:open-experiments');
    });
    await snapshot.click();
    await expect(rows).toHaveCount(1, { timeout: 30000 });
    await snapshot.click();
    await expect(rows).toHaveCount(2, { timeout: 30000 });
    // Away from the panel, then back with the palette command.
    await page.notebook.selectCells(0);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute(
        'apputils:activate-command-palette'
      );
    });
    const palette = page.locator('#command-palette');
    await palette.locator('input').fill('Open Experiments Panel');
    await page.keyboard.press('Enter');
    await expect(panel.getByLabel('Filter experiments')).toBeFocused();

    // Compare from the palette: disabled until two are selected.
    const compareEnabled = () =>
      page.evaluate(() =>
        window.jupyterapp.commands.isEnabled('mlops:compare-experiments', {
          isPalette: true
        })
      );
    expect(await compareEnabled()).toBe(false);
    for (const box of await panel
      .locator('.jp-mlops-ExperimentTable-select')
      .all()) {
      await box.check();
    }
    expect(await compareEnabled()).toBe(true);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute(
        'apputils:activate-command-palette'
      );
    });
    await palette.locator('input').fill('Compare Selected Experiments');
    await expect(
      palette.locator('.lm-CommandPalette-item:not(.lm-mod-disabled)', {
        hasText: 'Compare Selected Experiments'
      })
    ).toHaveCount(1);
    await page.keyboard.press('Enter');
    await expect(page.locator('.jp-mlops-Compare:visible')).toBeVisible();
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText('Compare (2)');
  });
});
