import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';

import {
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * Editing an experiment's name, tags and note in its detail tab: a field
 * saves when it loses the focus, and the click that took the focus away
 * lands where it was aimed (the next field, or Restore), with what was
 * typed kept.
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

/** The user fields of an experiment's manifest, read with the git CLI. */
function storedUser(ref: string): {
  name: string;
  tags: string[];
  note: string;
} {
  const text = execFileSync(
    'git',
    [
      '--git-dir',
      path.join(ROOT, '.mlops', 'experiments.git'),
      'show',
      `${ref}:manifest.json`
    ],
    { encoding: 'utf8' }
  );
  return (
    JSON.parse(text) as { user: { name: string; tags: string[]; note: string } }
  ).user;
}

test.describe('Experiment detail editing', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should keep the first click after editing a field, and save what was typed', async ({
    page,
    tmpPath
  }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', error => errors.push(error.message));
    const notebookPath = `${tmpPath}/editing.ipynb`;
    const ref = writeExperiment({
      notebookPath,
      notebook: JSON.parse(NOTEBOOK) as unknown,
      name: 'first-run',
      parameters: { max_depth: 3 }
    });
    await page.contents.uploadContent(NOTEBOOK, 'text', notebookPath);
    await openNotebook(page, notebookPath);
    await page.evaluate(async ref => {
      await window.jupyterapp.commands.execute('mlops:open-experiment', {
        ref
      });
    }, ref);
    const detail = page.locator('.jp-mlops-Detail:visible');
    const name = detail.getByLabel('Experiment name');
    const tags = detail.getByLabel('Tags (comma separated)');
    const note = detail.getByLabel('Note');
    await expect(name).toHaveValue('first-run');

    // Tags, Enter, then one click into the note and typing there.
    await tags.click();
    await page.keyboard.type('baseline, wine');
    await page.keyboard.press('Enter');
    await note.click();
    await expect(note).toBeFocused();
    await page.keyboard.type('depth 3 overfits less');
    await expect(note).toHaveValue('depth 3 overfits less');
    await expect(tags).toHaveValue('baseline, wine');

    // From the note straight into the name: the note saves, the name edits.
    await name.click();
    await expect(name).toBeFocused();
    await page.keyboard.press('End');
    await page.keyboard.type('-v2');
    await expect(note).toHaveValue('depth 3 overfits less');
    await expect(name).toHaveValue('first-run-v2');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => storedUser(ref), { timeout: 15000 })
      .toEqual({
        name: 'first-run-v2',
        tags: ['baseline', 'wine'],
        note: 'depth 3 overfits less',
        starred: false,
        parent: null
      });
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText('first-run-v2');

    // At the default sidebar width, the panel open beside the tab.
    await openExperiments(page);
    await page.screenshot({ path: testInfo.outputPath('detail-light.png') });
    await page.theme.setDarkTheme();
    await page.screenshot({ path: testInfo.outputPath('detail-dark.png') });
    await page.theme.setLightTheme();

    // Edit the note, then one click on Restore: it restores.
    await note.click();
    await page.keyboard.type(', restored');
    await detail
      .getByRole('button', { name: 'Restore as new notebook' })
      .click();
    await expect(
      page.locator('.jp-NotebookPanel:visible .jp-Notebook')
    ).toBeVisible({ timeout: 20000 });
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current')
    ).toContainText('first-run-v2');
    await expect
      .poll(() => storedUser(ref).note, { timeout: 15000 })
      .toBe('depth 3 overfits less, restored');
    expect(errors).toEqual([]);
  });
});
