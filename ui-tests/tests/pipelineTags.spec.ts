import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { notebookJson, openNotebook } from './support';

/**
 * Issue 11: the Pipeline panel follows tags as they change (a tag set in
 * the property inspector shows at once, not after switching notebooks),
 * shows what each step takes and hands on, warns of a `prev:` the code
 * needs with a one-click fix (undone by the notebook's undo), names every
 * bad tag with its cell, and selects a step's cells on a click.
 */

const cell = (source: string, tags: string[]) => ({
  cell_type: 'code',
  source,
  metadata: { tags },
  outputs: [],
  execution_count: null
});

const NOTEBOOK = notebookJson([
  cell('import math', ['imports']),
  cell('raw = [1, 2, 3]', ['step:load']),
  cell('scale = 2', ['step:settings']),
  cell('scaled = [v * scale for v in raw]', ['step:train', 'prev:load']),
  cell('total = math.fsum(scaled)', ['hide-input'])
]);

async function openPipeline(page: IJupyterLabPageFixture) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('mlops:open-pipeline');
  });
  const panel = page.locator('#jp-mlops-pipeline');
  await expect(panel).toBeVisible();
  return panel;
}

/** Set a cell's tags as the property inspector does (cell metadata). */
async function setTags(
  page: IJupyterLabPageFixture,
  index: number,
  tags: string[]
) {
  await page.evaluate(
    ({ index, tags }) => {
      const panel = window.jupyterapp.shell.currentWidget as unknown as {
        content: {
          model: {
            cells: {
              get(i: number): { setMetadata(k: string, v: unknown): void };
            };
          };
        };
      };
      panel.content.model.cells.get(index).setMetadata('tags', tags);
    },
    { index, tags }
  );
}

test.describe('Pipeline panel: tags and data flow', () => {
  test('should follow tag edits, warn of a missing prev: and fix it in one click', async ({
    page,
    tmpPath
  }, testInfo) => {
    const path = `${tmpPath}/flow.ipynb`;
    await page.contents.uploadContent(NOTEBOOK, 'text', path);
    await openNotebook(page, path);
    const panel = await openPipeline(page);
    const names = panel.locator('.jp-mlops-StepList-name');
    await expect(names).toHaveText(['load', 'settings', 'train']);

    // What flows: train reads raw from load and scale from settings.
    const train = panel.locator('.jp-mlops-StepList-step', {
      hasText: 'train'
    });
    await expect(train.locator('.jp-mlops-StepList-vars').first()).toHaveText(
      'in: raw, scale'
    );
    // The unknown tag, with its cell; the missing edge with its fix.
    await expect(panel.locator('[data-code="E_TAG_UNKNOWN"]')).toContainText(
      'Cell 5'
    );
    const missing = panel.locator('[data-code="W_MISSING_PREV"]');
    await expect(missing).toContainText(
      'Step "train" reads "scale" from step "settings"'
    );
    await page.screenshot({
      path: testInfo.outputPath('pipeline-missing-prev-light.png')
    });

    // One click adds the tag to the cell; the warning goes.
    await missing.getByRole('button', { name: 'Add prev:settings' }).click();
    await expect(missing).toHaveCount(0);
    await expect(
      panel.locator('.jp-mlops-StepList-step', { hasText: 'train' })
    ).toContainText('after load, settings');
    expect(
      await page.evaluate(() => {
        const panel = window.jupyterapp.shell.currentWidget as unknown as {
          content: {
            model: {
              cells: { get(i: number): { getMetadata(k: string): unknown } };
            };
          };
        };
        return panel.content.model.cells.get(3).getMetadata('tags');
      })
    ).toEqual(['step:train', 'prev:load', 'prev:settings']);

    // A tag set as the property inspector sets it shows at once.
    await setTags(page, 4, ['step:report', 'prev:train']);
    await expect(names).toHaveText(['load', 'settings', 'train', 'report']);
    await expect(panel.locator('[data-code="E_TAG_UNKNOWN"]')).toHaveCount(0);
    // A bad one is named with its cell.
    await setTags(page, 4, ['step:bad name']);
    await expect(panel.locator('[data-code="E_TAG_NAME"]')).toContainText(
      'Cell 5'
    );

    // A click on a step selects its cells.
    await names.filter({ hasText: 'settings' }).click();
    expect(
      await page.evaluate(() => {
        const panel = window.jupyterapp.shell.currentWidget as unknown as {
          content: { activeCellIndex: number };
        };
        return panel.content.activeCellIndex;
      })
    ).toBe(2);
    await page.theme.setDarkTheme();
    await page.screenshot({
      path: testInfo.outputPath('pipeline-tags-dark.png')
    });
    await page.theme.setLightTheme();
  });
});
