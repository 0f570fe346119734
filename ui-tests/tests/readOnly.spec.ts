import { expect, test } from '@jupyterlab/galata';

import {
  notebookJson,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * An experiment's notebook opened read-only: the tab is named after the
 * notebook and the experiment without JupyterLab renaming the file (the
 * drive is read-only and refuses, which threw uncaught errors).
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

test.describe('Read-only experiment notebook', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should name its tab after the experiment without an error', async ({
    page,
    tmpPath
  }) => {
    const errors: string[] = [];
    page.on('pageerror', error => errors.push(error.message));
    // Errors logged by the code (not the browser's own lines for answers
    // with an error status: isomorphic-git asks for packed-refs, which a
    // store without packed refs does not have).
    page.on('console', message => {
      if (
        message.type() === 'error' &&
        !message.text().startsWith('Failed to load resource')
      ) {
        errors.push(message.text());
      }
    });
    const notebookPath = `${tmpPath}/stored.ipynb`;
    const ref = writeExperiment({
      notebookPath,
      notebook: JSON.parse(NOTEBOOK) as unknown,
      name: 'depth-three'
    });
    await page.contents.uploadContent(NOTEBOOK, 'text', notebookPath);
    await openNotebook(page, notebookPath);
    await page.evaluate(async ref => {
      await window.jupyterapp.commands.execute(
        'mlops:open-experiment-notebook',
        { ref }
      );
    }, ref);
    const current = page.locator(
      '#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current'
    );
    await expect(current).toContainText('stored.ipynb @ depth-three');
    await expect(page.locator('.jp-mlops-ExperimentNotebook-label')).toHaveText(
      'Experiment depth-three · read-only (not the workspace file)'
    );
    // The tab keeps its name: nothing renamed it back to the file's.
    await page.waitForTimeout(2000);
    await expect(current).toContainText('stored.ipynb @ depth-three');
    // Opening it again shows the same tab.
    await page.evaluate(async ref => {
      await window.jupyterapp.commands.execute(
        'mlops:open-experiment-notebook',
        { ref }
      );
    }, ref);
    await expect(
      page.locator('#jp-main-dock-panel .lm-TabBar-tab', {
        hasText: 'depth-three'
      })
    ).toHaveCount(1);
    expect(errors).toEqual([]);
  });
});
