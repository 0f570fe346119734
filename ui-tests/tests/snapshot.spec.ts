import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { DEMO, notebookJson, openExperiments, openNotebook } from './support';

/**
 * Snapshots from the notebook toolbar into the git store, listed in the
 * Experiments panel; a notebook holding a secret is refused.
 */

/** The readable start of the slug of `<dir>/wine_classifier.ipynb`. */
function slugPrefix(dir: string): string {
  return `${dir}/wine_classifier`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 20);
}

function row0(panel: ReturnType<IJupyterLabPageFixture['locator']>) {
  return panel.locator('.jp-mlops-ExperimentTable-row').first();
}

/** Upload the demo notebook to `path` and open it. */
async function openDemo(
  page: IJupyterLabPageFixture,
  path: string
): Promise<void> {
  await page.contents.uploadFile(DEMO, path);
  await openNotebook(page, path);
}

/** Press the Snapshot button of the notebook toolbar. */
async function clickSnapshot(page: IJupyterLabPageFixture): Promise<void> {
  await page
    .locator(
      '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
    )
    .click();
}

/** List a folder of the store through the bridge, as the page's user. */
async function storeList(
  page: IJupyterLabPageFixture,
  folder: string
): Promise<string[]> {
  return page.evaluate(async folder => {
    const response = await fetch('/mlops/fs/list', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: folder })
    });
    if (response.status === 404) {
      return [];
    }
    const body = (await response.json()) as { entries: { name: string }[] };
    return body.entries.map(entry => entry.name);
  }, folder);
}

test.describe('Snapshot', () => {
  test('should save the demo notebook and list it', async ({
    page,
    tmpPath
  }, testInfo) => {
    // A path of its own, so experiments of other tests do not show here.
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await openDemo(page, notebook);
    const panel = await openExperiments(page);
    await expect(panel.locator('.jp-mlops-EmptyState-title')).toHaveText(
      'No experiments for this notebook yet'
    );

    await clickSnapshot(page);
    // The first snapshot may wait up to 3 s for a kernel still starting.
    await expect(page.locator('.Toastify__toast').last()).toContainText(
      'Saved experiment',
      { timeout: 15_000 }
    );
    await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(1);

    // The status bar names the last snapshot and opens the panel.
    const name =
      (await row0(panel)
        .locator('.jp-mlops-ExperimentTable-open')
        .textContent()) ?? '';
    await expect(page.locator('.jp-mlops-SnapshotStatus-button')).toContainText(
      `Snapshot ${name} at`
    );

    // Change a parameter (unsaved), then the keyboard shortcut takes a
    // second snapshot (Alt+S, in command mode): it records the editor's
    // content.
    await page.notebook.setCell(
      2,
      'code',
      'n_estimators = 80\nmax_depth = 2\ntest_size = 0.25\nrandom_state = 42\ndata_path = "data/wine.csv"\nmodel_path = "models/wine_rf.pkl"'
    );
    await page.locator('.jp-NotebookPanel .jp-Cell').first().click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Alt+s');
    await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(2);
    await expect(panel.locator('.jp-mlops-Toolbar-count')).toHaveText(
      '2 experiments'
    );

    // Filter by name: one of two; clearing shows both again.
    const filter = panel.getByLabel('Filter experiments');
    await filter.fill(name);
    await expect(panel.locator('.jp-mlops-Toolbar-count')).toHaveText(
      '1 of 2 experiments'
    );
    await filter.fill('');
    await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(2);

    // Star the newest: the change is a commit, and survives a refresh.
    const first = panel.locator('.jp-mlops-ExperimentTable-row').first();
    await first.getByRole('button', { name: 'Star' }).click();
    await expect(first.getByRole('button', { name: 'Unstar' })).toHaveAttribute(
      'aria-pressed',
      'true'
    );

    // Compare the two: n_estimators differs, max_depth does not; the code
    // diff shows the one changed line.
    const compare = panel.getByRole('button', { name: /^Compare/ });
    await expect(compare).toBeDisabled();
    for (const box of await panel
      .locator('.jp-mlops-ExperimentTable-select')
      .all()) {
      await box.check();
    }
    await expect(compare).toHaveText('Compare (2)');
    await compare.click();
    const table = page.locator('.jp-mlops-Compare-table');
    await expect(
      table.locator('th', { hasText: 'n_estimators' })
    ).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('compare-light.png') });
    await page
      .locator('.jp-mlops-Compare')
      .getByLabel('Only differences')
      .check();
    const differences = page.locator('.jp-mlops-Compare');
    await expect(
      differences.locator('th', { hasText: 'n_estimators' })
    ).toHaveCount(1);
    await expect(
      differences.locator('th', { hasText: 'max_depth' })
    ).toHaveCount(0);
    const diff = page.locator('.jp-mlops-Diff');
    await expect(diff.locator('.jp-mlops-Diff-cell')).toHaveCount(1);
    await expect(diff.locator('.jp-mlops-Diff-line.jp-mod-del')).toHaveText([
      '- n_estimators = 50'
    ]);
    await expect(diff.locator('.jp-mlops-Diff-line.jp-mod-add')).toHaveText([
      '+ n_estimators = 80'
    ]);
    await page.screenshot({
      path: testInfo.outputPath('compare-diff-light.png'),
      fullPage: true
    });

    const slugs = await storeList(page, 'experiments.git/refs/exps');
    const mine = slugs.filter(slug => slug.startsWith(slugPrefix(tmpPath)));
    expect(mine).toHaveLength(1);
    expect(
      await storeList(page, `experiments.git/refs/exps/${mine[0]}`)
    ).toHaveLength(2);
    await page.screenshot({
      path: testInfo.outputPath('experiments-list-light.png')
    });
    await page.theme.setDarkTheme();
    await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(2);
    await page.screenshot({
      path: testInfo.outputPath('experiments-list-dark.png')
    });
  });

  test('should capture live metrics after the notebook ran', async ({
    page,
    tmpPath
  }, testInfo) => {
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await openDemo(page, notebook);
    expect(await page.notebook.run()).toBe(true);
    const panel = await openExperiments(page);
    await clickSnapshot(page);
    await expect(page.locator('.Toastify__toast').last()).toContainText(
      'Saved experiment'
    );
    const row = panel.locator('.jp-mlops-ExperimentTable-row');
    await expect(row).toHaveCount(1);
    // The Kale metrics cell's live values, read from the kernel.
    await expect(
      row.locator('.jp-mlops-ExperimentTable-metrics .jp-mlops-Chip')
    ).toHaveText([/^accuracy 0\.\d{4}$/, /^f1_macro 0\.\d{4}$/]);
    await page.screenshot({
      path: testInfo.outputPath('experiments-live-light.png')
    });
  });

  test('should open, rename, restore and delete an experiment', async ({
    page,
    tmpPath
  }, testInfo) => {
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await openDemo(page, notebook);
    const panel = await openExperiments(page);
    await clickSnapshot(page);
    const row = panel.locator('.jp-mlops-ExperimentTable-row');
    await expect(row).toHaveCount(1);

    await row.locator('.jp-mlops-ExperimentTable-open').click();
    const detail = page.locator('.jp-mlops-Detail');
    await expect(detail).toBeVisible();
    await expect(
      detail.locator('.jp-mlops-Detail-table th', { hasText: 'n_estimators' })
    ).toBeVisible();
    await page.screenshot({
      path: testInfo.outputPath('experiment-detail-light.png')
    });
    await page.theme.setDarkTheme();
    await expect(detail).toBeVisible();
    await page.screenshot({
      path: testInfo.outputPath('experiment-detail-dark.png')
    });

    // Rename: a new commit; the list follows.
    const name = detail.getByLabel('Experiment name');
    await name.fill('depth <b>two</b>');
    await name.press('Enter');
    await expect(row.locator('.jp-mlops-ExperimentTable-open')).toHaveText(
      'depth <b>two</b>'
    );
    await expect(panel.locator('b')).toHaveCount(0);

    // Restore: a new notebook next to the original, opened.
    await detail
      .getByRole('button', { name: 'Restore as new notebook' })
      .click();
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'wine_classifier.depth-b-two-b.ipynb'
      })
    ).toBeVisible();
    expect(
      await page.contents.fileExists(
        `${tmpPath}/wine_classifier.depth-b-two-b.ipynb`
      )
    ).toBe(true);
    expect(await page.contents.fileExists(notebook)).toBe(true);

    // Delete asks first; Cancel keeps it, Delete removes it.
    // Back to the original notebook: the panel follows it again.
    await page
      .locator('.lm-TabBar-tab .lm-TabBar-tabLabel', {
        hasText: /^wine_classifier\.ipynb$/
      })
      .click();
    await expect(row).toHaveCount(1);
    // The restored notebook covers the detail tab: the name brings it back.
    await row.locator('.jp-mlops-ExperimentTable-open').click();
    await expect(detail).toBeVisible();
    await detail.getByRole('button', { name: 'Delete' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Cancel' })
      .click();
    await expect(row).toHaveCount(1);
    await detail.getByRole('button', { name: 'Delete' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect(detail).toHaveCount(0);
  });

  test('should render hostile names and values as text', async ({
    page,
    tmpPath
  }) => {
    const img = '<img src=x onerror="window.__mlopsXss=1">';
    const linker = '<a data-commandlinker-command="help:about">x</a>';
    const notebook = notebookJson([
      {
        id: 'p',
        cell_type: 'code',
        source: `title = ${JSON.stringify(img)}\nnote = ${JSON.stringify(linker)}`,
        metadata: { tags: ['parameters'] },
        outputs: [
          {
            output_type: 'display_data',
            metadata: {},
            data: {
              'application/vnd.mlops.metrics+json': { [img]: 1, [linker]: 2 }
            }
          }
        ],
        execution_count: null
      }
    ]);
    const path = `${tmpPath}/hostile.ipynb`;
    await page.contents.uploadContent(notebook, 'text', path);
    await openNotebook(page, path);
    const panel = await openExperiments(page);
    await clickSnapshot(page);
    const row = panel.locator('.jp-mlops-ExperimentTable-row');
    await expect(row).toHaveCount(1);
    await expect(
      row.locator('.jp-mlops-ExperimentTable-metrics')
    ).toContainText(img);
    await row.locator('.jp-mlops-ExperimentTable-open').click();
    const detail = page.locator('.jp-mlops-Detail');
    await expect(detail.locator('td', { hasText: img })).toBeVisible();
    await expect(detail.locator('th', { hasText: linker })).toBeVisible();
    for (const scope of [panel, detail]) {
      await expect(scope.locator('img')).toHaveCount(0);
      await expect(scope.locator('[data-commandlinker-command]')).toHaveCount(
        0
      );
    }
    expect(
      await page.evaluate(
        () => (window as unknown as { __mlopsXss?: number }).__mlopsXss
      )
    ).toBeUndefined();
  });

  test('should refuse a notebook with a secret and write nothing', async ({
    page
  }) => {
    const key = ['AKIA', 'Q3EGUQ7XK5', 'ZR2MLT'].join('');
    const notebook = notebookJson([
      {
        id: 'a',
        cell_type: 'code',
        source: `import boto3\nkey = "${key}"`,
        metadata: {},
        outputs: [],
        execution_count: null
      }
    ]);
    await page.contents.uploadContent(notebook, 'text', 'leaky.ipynb');
    await openNotebook(page, 'leaky.ipynb');
    await clickSnapshot(page);
    const toast = page.locator('.Toastify__toast').last();
    await expect(toast).toContainText('E_SECRET_FOUND');
    await expect(toast).toContainText('Cell 1, line 2');
    await expect(toast).not.toContainText(key);
    // The store is shared by the tests of this run: no ref for this notebook.
    const slugs = await storeList(page, 'experiments.git/refs/exps');
    expect(slugs.filter(slug => slug.startsWith('leaky-'))).toEqual([]);
  });
});
