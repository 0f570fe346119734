import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';

import {
  notebookJson,
  openNotebook,
  removeExperimentsAfterEachTest
} from './support';

/**
 * Files the notebook's kernel opened reach the snapshot (the kernel audit
 * hook the extension installs when the kernel is ready). Reinstalling after
 * a restart is covered by test/tracking/openedFiles.spec.ts with a real kernel.
 */

const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';

/** The manifests of the experiments of one notebook, newest first. */
function manifests(notebook: string): {
  data: { path: string; sources: string[] }[];
}[] {
  const gitDir = path.join(ROOT, '.mlops', 'experiments.git');
  const git = (...args: string[]) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], { encoding: 'utf8' });
  return git(
    'for-each-ref',
    '--sort=-refname',
    '--format=%(refname)',
    'refs/exps'
  )
    .split('\n')
    .filter(ref => ref !== '')
    .map(ref => JSON.parse(git('show', `${ref}:manifest.json`)))
    .filter(manifest => manifest.notebook.path === notebook);
}

removeExperimentsAfterEachTest();

test('should record the files the kernel opened', async ({ page, tmpPath }) => {
  const notebook = `${tmpPath}/audit.ipynb`;
  await page.contents.uploadContent(
    'a,b\n1,2\n',
    'text',
    `${tmpPath}/opened.csv`
  );
  await page.contents.uploadContent('later\n', 'text', `${tmpPath}/later.csv`);
  await page.contents.uploadContent(
    notebookJson([
      {
        cell_type: 'code',
        // A name the static analysis cannot see (it folds constant
        // strings, not a directory listing): only the hook can.
        source:
          "import glob\nname = sorted(glob.glob('open*.csv'))[0]\nwith open(name) as f:\n    f.read()",
        metadata: {},
        outputs: [],
        execution_count: null
      }
    ]),
    'text',
    notebook
  );
  await openNotebook(page, notebook);
  expect(await page.notebook.run()).toBe(true);

  const snapshot = async (count: number) => {
    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .click();
    await expect(page.locator('.Toastify__toast').last()).toContainText(
      'Saved experiment'
    );
    await expect.poll(() => manifests(notebook).length).toBe(count);
    return manifests(notebook)[0].data;
  };

  expect(await snapshot(1)).toEqual([
    expect.objectContaining({
      path: `${tmpPath}/opened.csv`,
      sources: ['audit']
    })
  ]);
});
