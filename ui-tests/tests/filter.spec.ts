import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  DEMO,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * Issue 10, item 5: the filter as the user typed it, in the sidebar.
 */

const RUNS = [
  { name: 'baseline', max_depth: 2, n_estimators: 50, accuracy: 0.9556 },
  { name: 'deeper', max_depth: 3, n_estimators: 50, accuracy: 0.9778 },
  { name: 'deepest', max_depth: 5, n_estimators: 50, accuracy: 1 },
  { name: 'shallow', max_depth: 1, n_estimators: 100, accuracy: 0.88 }
];

async function seed(page: IJupyterLabPageFixture, tmpPath: string) {
  const notebookPath = `${tmpPath}/wine_classifier.ipynb`;
  for (const run of RUNS) {
    writeExperiment({
      notebookPath,
      name: run.name,
      notebook: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 },
      parameters: {
        max_depth: run.max_depth,
        n_estimators: run.n_estimators,
        test_size: 0.25
      },
      metrics: { accuracy: run.accuracy },
      note: run.name === 'deeper' ? 'Tried after the tutorial' : ''
    });
  }
  await page.contents.uploadFile(DEMO, notebookPath);
  await openNotebook(page, notebookPath);
}

test.describe('Experiments filter', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should tolerate spaces, know OR, name unknown fields and not compare hidden rows', async ({
    page,
    tmpPath
  }, testInfo) => {
    await seed(page, tmpPath);
    const panel = await openExperiments(page);
    const filter = panel.getByLabel('Filter experiments');
    const count = panel.locator('.jp-mlops-Toolbar-count');
    const names = panel.locator('.jp-mlops-ExperimentTable-open');
    await expect(count).toHaveText('4 experiments');

    // The placeholder's example uses a field these experiments have.
    const placeholder = await filter.getAttribute('placeholder');
    expect(placeholder).toContain('max_depth>=');
    expect(placeholder).not.toMatch(/(^|[^_])depth>=/);
    const example = /max_depth>=\S+/.exec(placeholder ?? '')?.[0] ?? '';
    await filter.fill(example);
    await expect(names.first()).toBeVisible();
    await expect(panel.locator('.jp-mlops-NoMatches')).toHaveCount(0);

    // The old example: no such field, and the panel says so.
    await filter.fill('depth>=5');
    const none = panel.locator('.jp-mlops-NoMatches');
    await expect(none).toBeVisible();
    await expect(none).toContainText('No experiment matches “depth>=5”.');
    await expect(none).toContainText(
      'No experiment has the field “depth”. Did you mean max_depth?'
    );
    await expect(names).toHaveCount(0);
    await page.screenshot({
      path: testInfo.outputPath('filter-none-light.png')
    });

    // Spaces around the operator.
    await filter.fill('accuracy > 0.9');
    await expect(count).toHaveText('3 of 4 experiments');
    await expect(names).toHaveText(['deepest', 'deeper', 'baseline']);

    // A field nobody recorded (the demo has no `criterion`): named, with
    // the fields there are.
    await filter.fill('criterion=gini');
    await expect(none).toContainText('No experiment matches “criterion=gini”.');
    await expect(none.locator('.jp-mlops-NoMatches-unknown')).toHaveText(
      'No experiment has the field “criterion”.'
    );
    await expect(none.locator('.jp-mlops-NoMatches-known')).toHaveText(
      'Fields: max_depth, n_estimators, test_size, accuracy'
    );
    // A known field with a value nobody has: no field is blamed.
    await filter.fill('max_depth=42');
    await expect(none).toContainText('No experiment matches “max_depth=42”.');
    await expect(none.locator('.jp-mlops-NoMatches-unknown')).toHaveCount(0);
    // A colon where a comparison was meant: said, with the comparison.
    await filter.fill('max_depth:3');
    await expect(none.locator('.jp-mlops-NoMatches-unknown')).toHaveText(
      '“max_depth:” is no filter word (tag:, author:, notebook:, is:). Did you mean max_depth=3?'
    );
    await none.getByRole('button', { name: 'Clear the filter' }).click();
    await expect(filter).toHaveValue('');
    await expect(count).toHaveText('4 experiments');

    // OR.
    await filter.fill('max_depth = 1 OR accuracy >= 1');
    await expect(names).toHaveText(['shallow', 'deepest']);

    // Compare counts only the selected rows the filter shows.
    await filter.fill('');
    const select = (name: string) =>
      panel
        .locator('.jp-mlops-ExperimentTable-row', {
          has: page.locator('.jp-mlops-ExperimentTable-open', {
            hasText: new RegExp(`^${name}$`)
          })
        })
        .locator('.jp-mlops-ExperimentTable-select');
    await select('baseline').check();
    await select('deeper').check();
    await select('shallow').check();
    const compare = panel.getByRole('button', { name: /^Compare \(\d+\)$/ });
    await expect(compare).toHaveText('Compare (3)');
    await filter.fill('n_estimators=50');
    await expect(compare).toHaveText('Compare (2)');
    await compare.click();
    // The comparison holds the two shown, not the hidden third.
    await expect(
      page.locator('.lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel')
    ).toHaveText('Compare (2)');
  });

  test('should complete field names as they are typed', async ({
    page,
    tmpPath
  }) => {
    await seed(page, tmpPath);
    const panel = await openExperiments(page);
    const filter = panel.getByLabel('Filter experiments');
    await filter.fill('accuracy>0.9 max');
    const listId = await filter.getAttribute('list');
    expect(listId).toBeTruthy();
    const options = panel.locator(`datalist#${listId} option`);
    await expect(options).toHaveCount(1);
    await expect(options.first()).toHaveAttribute(
      'value',
      'accuracy>0.9 max_depth'
    );
    await filter.fill('depth');
    await expect(options.first()).toHaveAttribute('value', 'max_depth');
    await filter.fill('is:');
    const values = await options.evaluateAll(nodes =>
      nodes.map(node => (node as HTMLOptionElement).value)
    );
    expect(values).toEqual(['is:starred', 'is:broken', 'is:failed']);
  });

  test('should find an experiment by a word of its note', async ({
    page,
    tmpPath
  }) => {
    await seed(page, tmpPath);
    const panel = await openExperiments(page);
    await panel.getByLabel('Filter experiments').fill('tutorial');
    await expect(panel.locator('.jp-mlops-ExperimentTable-open')).toHaveText([
      'deeper'
    ]);
  });
});
