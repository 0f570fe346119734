import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import { readFileSync, rmSync } from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';

import {
  DEMO,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT,
  snapshotAndWait,
  writeExperiment
} from './support';

/**
 * Issue 13, Sync: the Experiments panel's Sync pushes this lab's
 * experiments to a real git remote (the bare repository the galata
 * server's config names as its `experiments_remote`, over file://) and
 * fetches a teammate's, which the panel then lists with its author; the
 * `author:` filter finds it. A remote the server may not use is a coded
 * error with Retry, and nothing is lost.
 */

const STORE = path.join(ROOT, '.mlops', 'experiments.git');
/** The server's own Sync remote (ui-tests/jupyter_server_test_config.py). */
const REMOTE = `${ROOT}-team.git`;
const git = (gitDir: string, args: string[]) =>
  execFileSync('git', ['--git-dir', gitDir, ...args], {
    encoding: 'utf8'
  }).trim();

async function setSyncRemote(
  page: import('@jupyterlab/galata').IJupyterLabPageFixture,
  remote: string
) {
  await page.evaluate(async value => {
    await window.jupyterapp.serviceManager.settings.save(
      'jupyterlab-mlops:experiments',
      JSON.stringify({ syncRemote: value })
    );
  }, remote);
  await page.reload({ waitForIsReady: false });
  await page.waitForFunction(() => window.jupyterapp?.started);
}

test.describe('Experiments panel: Sync with a git remote', () => {
  test.setTimeout(180_000);
  removeExperimentsAfterEachTest();
  // Each test starts from an empty remote and no memory of it.
  test.afterEach(() => {
    rmSync(path.join(REMOTE, 'refs', 'exps'), { recursive: true, force: true });
    rmSync(path.join(REMOTE, 'packed-refs'), { force: true });
    rmSync(path.join(STORE, 'refs', 'sync'), { recursive: true, force: true });
  });

  test('should push mine, fetch a teammate’s and show who made it', async ({
    page,
    tmpPath
  }) => {
    const remote = REMOTE;
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await page.contents.uploadContent(
      readFileSync(DEMO, 'utf8'),
      'text',
      notebook
    );
    await openNotebook(page, notebook);
    // The lab creates the store with its first snapshot.
    const panel = await snapshotAndWait(page, 1);
    // A teammate's experiment of the same notebook, already on the remote
    // (their lab synced it); not in this store.
    const theirs = writeExperiment({
      notebookPath: notebook,
      name: 'bobs-baseline',
      notebook: JSON.parse(readFileSync(DEMO, 'utf8')),
      metrics: { accuracy: 0.97 },
      author: { username: 'bob', name: 'Bob Builder' }
    });
    git(STORE, ['push', '--quiet', pathToFileURL(remote).href, theirs]);
    git(STORE, ['update-ref', '-d', theirs]);

    await panel.getByRole('button', { name: 'Sync', exact: true }).click();
    const notice = panel.locator('.jp-mlops-SyncNotice');
    // The server's store is shared by every spec: other specs' experiments
    // go too; exactly one comes back.
    await expect(notice).toContainText(/Pushed [1-9]\d*, fetched 1\b/, {
      timeout: 30_000
    });
    const rows = panel.locator('.jp-mlops-ExperimentTable-row');
    await expect(rows).toHaveCount(2);
    // Two authors in the list: each row names its own.
    await expect(
      rows
        .filter({ hasText: 'bobs-baseline' })
        .locator('.jp-mlops-ExperimentTable-author')
    ).toHaveText('Bob Builder');
    const me = await page.evaluate(
      () => window.jupyterapp.serviceManager.user.identity?.display_name ?? ''
    );
    expect(me).not.toBe('');
    await expect(
      rows
        .filter({ hasNotText: 'bobs-baseline' })
        .locator('.jp-mlops-ExperimentTable-author')
    ).toHaveText(me);
    // The remote holds both of this notebook's; my commit names me.
    const slug = theirs.split('/')[2];
    const onRemote = git(remote, [
      'for-each-ref',
      '--format=%(refname)',
      `refs/exps/${slug}/`
    ]).split('\n');
    expect(onRemote).toHaveLength(2);
    const mine = onRemote.find(ref => ref !== theirs) ?? '';
    expect(git(remote, ['log', '-1', '--format=%an', mine])).toBe(me);

    await panel.locator('input.jp-mlops-Search').fill('author:bob');
    await expect(rows).toHaveCount(1);
    await expect(rows).toContainText('bobs-baseline');
    await panel.locator('input.jp-mlops-Search').fill('');

    // At the default sidebar width, in both themes.
    await page.theme.setLightTheme();
    await panel.screenshot({ path: test.info().outputPath('sync-light.png') });
    await page.theme.setDarkTheme();
    await panel.screenshot({ path: test.info().outputPath('sync-dark.png') });
    await page.theme.setLightTheme();

    // Again: nothing new.
    await panel.getByRole('button', { name: 'Sync', exact: true }).click();
    await expect(notice).toContainText('Up to date');
  });

  test('should give a new team member everyone’s experiments from the empty panel', async ({
    page,
    tmpPath
  }) => {
    const remote = REMOTE;
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    // Written straight into the remote: this lab's store never held it.
    writeExperiment(
      {
        notebookPath: notebook,
        name: 'bobs-first',
        notebook: JSON.parse(readFileSync(DEMO, 'utf8')),
        metrics: { accuracy: 0.9 },
        author: { username: 'bob', name: 'Bob Builder' }
      },
      remote
    );
    await page.contents.uploadContent(
      readFileSync(DEMO, 'utf8'),
      'text',
      notebook
    );
    await openNotebook(page, notebook);
    const panel = await openExperiments(page);
    await panel
      .getByRole('button', { name: 'Sync with the team remote' })
      .click();
    await expect(panel.locator('.jp-mlops-SyncNotice')).toContainText(
      /Pushed \d+, fetched 1\b/
    );
    await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(1);
    await expect(panel).toContainText('bobs-first');
  });

  test('should show a coded error with Retry for a remote it may not use', async ({
    page,
    tmpPath
  }) => {
    await setSyncRemote(page, 'ext::sh -c touch% /tmp/galata-pwned');
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    await page.contents.uploadContent(
      readFileSync(DEMO, 'utf8'),
      'text',
      notebook
    );
    await openNotebook(page, notebook);
    const panel = await snapshotAndWait(page, 1);
    // From the palette this time.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:sync-experiments');
    });
    const notice = panel.locator('.jp-mlops-SyncNotice');
    await expect(notice).toContainText('E_REMOTE_INVALID');
    await expect(notice).toContainText('nothing here was lost');
    await expect(notice.getByRole('button', { name: 'Retry' })).toBeVisible();
    await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(1);
    await page.theme.setDarkTheme();
    await panel.screenshot({
      path: test.info().outputPath('sync-error-dark.png')
    });
    await page.theme.setLightTheme();
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await expect(notice).toHaveCount(0);
    await openExperiments(page);
  });
});
