import { expect, test } from '@jupyterlab/galata';

import {
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest
} from './support';

/**
 * Parameter lines the snapshot cannot read are never dropped silently:
 * the snapshot's toast counts them and the experiment's detail lists each
 * one with its cell, line and why (issue 10, item 13).
 */

removeExperimentsAfterEachTest();

test('should tell which parameter lines were not read', async ({
  page,
  tmpPath
}, testInfo) => {
  const notebook = `${tmpPath}/params.ipynb`;
  await page.contents.uploadContent(
    notebookJson([
      {
        cell_type: 'code',
        source:
          'import os\nlr: float = 0.1\nc: "NoneType" = None\nwidth = int(os.environ.get("W", "3"))\n<b>x</b> = 1',
        metadata: { tags: ['parameters'] },
        outputs: [],
        execution_count: null
      }
    ]),
    'text',
    notebook
  );
  await openNotebook(page, notebook);
  const panel = await openExperiments(page);
  await page
    .locator(
      '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
    )
    .first()
    .click();
  await expect(
    page.locator('.Toastify__toast', {
      hasText: '3 lines of the parameters cells were not read'
    })
  ).toBeVisible({ timeout: 30_000 });

  await panel.locator('.jp-mlops-ExperimentTable-open').first().click();
  const skipped = page.locator('.jp-mlops-SkippedParameters:visible');
  await expect(skipped.locator('summary')).toHaveText(
    '3 lines of the parameters cells were not read as parameters'
  );
  await skipped.locator('summary').click();
  const rows = skipped.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('import os');
  await expect(rows.nth(0)).toContainText('not an assignment');
  await expect(rows.nth(1).locator('td').nth(1)).toHaveText('4');
  await expect(rows.nth(1)).toContainText('the value is not a literal');
  // A hostile line is text, not markup.
  await expect(rows.nth(2)).toContainText('<b>x</b> = 1');
  await expect(skipped.locator('b')).toHaveCount(0);
  // The annotated ones were read.
  await expect(
    page.locator('.jp-mlops-DetailWidget:visible').getByText('lr', {
      exact: true
    })
  ).toBeVisible();
  await skipped.screenshot({ path: testInfo.outputPath('skipped-light.png') });
});
