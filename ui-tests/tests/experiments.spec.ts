import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as path from 'path';

import {
  DEMO,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest,
  ROOT
} from './support';

/**
 * The Experiments panel over many experiments written with the git CLI
 * (scripts/seed_experiments.py): virtualized rows; in the Experiments
 * table tab, columns, sorting, filtering and keyboard; the index rebuild
 * and other tabs.
 */

const SEED = path.resolve(
  __dirname,
  '..',
  '..',
  'scripts',
  'seed_experiments.py'
);

interface ISeeded {
  ref: string;
  id: string;
  parameters: { max_depth: number; n_estimators: number };
  metrics: { accuracy: number };
  user: { name: string };
}

/** Write `count` experiments of `notebook` into the server's store. */
function seed(count: number, notebook: string): ISeeded[] {
  const written: ISeeded[] = JSON.parse(
    execFileSync(
      'python',
      [
        SEED,
        path.join(ROOT, '.mlops'),
        '--count',
        String(count),
        '--notebook',
        notebook,
        '--seed',
        String(count),
        '--json'
      ],
      { encoding: 'utf8', maxBuffer: 256 * 1024 ** 2 }
    )
  );
  return written;
}

/** Upload the demo notebook to `target` and open it. */
async function openDemo(page: IJupyterLabPageFixture, target: string) {
  await page.contents.uploadFile(DEMO, target);
  await openNotebook(page, target);
}

/**
 * A second page of the same browser context (same IndexedDB): the lab
 * loaded afresh, as after a reload.
 */
async function freshPage(page: IJupyterLabPageFixture): Promise<Page> {
  const other = await page.context().newPage();
  await other.bringToFront();
  await other.goto(page.url());
  await other.locator('#jp-main-dock-panel').waitFor();
  await other.waitForFunction(() => 'jupyterapp' in window);
  return other;
}

/** Newest first, as the panel sorts by default (ULIDs sort by time). */
function newestFirst(rows: ISeeded[]): ISeeded[] {
  return [...rows].sort((a, b) => (a.id < b.id ? 1 : -1));
}

test.describe('Experiments panel with many experiments', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should show 50 experiments in a virtualized list, and in a sortable table tab with chosen columns', async ({
    page,
    tmpPath
  }, testInfo) => {
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    const seeded = seed(50, notebook);
    await openDemo(page, notebook);
    const panel = await openExperiments(page);
    const listRows = panel.locator('.jp-mlops-ExperimentTable-row');
    await expect(panel.locator('.jp-mlops-Toolbar-count')).toHaveText(
      '50 experiments'
    );
    // The sidebar's compact list is virtualized too.
    await expect(listRows.first()).toBeVisible();
    expect(await listRows.count()).toBeLessThan(50);
    // The list was painted while the panel was closed (the notebook's
    // rows load with it): shown now, it is at its top, newest first (the
    // virtualizer used to scroll it down by the rows measured on showing).
    await expect(
      panel.locator('.jp-mlops-ExperimentTable-open').first()
    ).toHaveText(newestFirst(seeded)[0].user.name);
    expect(
      await panel
        .locator('.jp-mlops-ExperimentTable')
        .evaluate(element => element.scrollTop)
    ).toBe(0);

    // Scrolled down, hidden behind another sidebar tab and shown again, the
    // list is where it was (hidden rows measured 0 high made it drift).
    const list = panel.locator('.jp-mlops-ExperimentTable');
    const firstInView = () =>
      list.evaluate(element => {
        const top = element.getBoundingClientRect().top;
        return [
          ...element.querySelectorAll('.jp-mlops-ExperimentTable-open')
        ].find(name => name.getBoundingClientRect().top >= top)?.textContent;
      });
    await list.evaluate(element => element.scrollTo(0, 1500));
    await expect.poll(firstInView).not.toBe(newestFirst(seeded)[0].user.name);
    const before = await firstInView();
    const scrolled = await list.evaluate(element => element.scrollTop);
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:open-pipeline');
    });
    await expect(panel).toBeHidden();
    await openExperiments(page);
    await expect.poll(firstInView).toBe(before);
    expect(await list.evaluate(element => element.scrollTop)).toBe(scrolled);
    await list.evaluate(element => element.scrollTo(0, 0));

    // The full table: a main-area tab, from the panel's button.
    await panel.getByRole('button', { name: 'Table', exact: true }).click();
    const table = page.locator('#jp-mlops-experiments-table');
    await expect(table).toBeVisible();
    const rows = table.locator('.jp-mlops-ExperimentTable-row');
    const names = table.locator('.jp-mlops-ExperimentTable-open');
    await expect(table.locator('.jp-mlops-Toolbar-count')).toHaveText(
      '50 experiments'
    );
    // Only the rows in view (and a few more) are in the DOM.
    await expect(rows.first()).toBeVisible();
    expect(await rows.count()).toBeLessThan(50);
    await expect(names.first()).toHaveText(newestFirst(seeded)[0].user.name);

    // Columns: a parameter and a metric, chosen from the menu.
    const grid = table.locator('.jp-mlops-ExperimentTable');
    await table.getByText('Columns', { exact: true }).click();
    const menu = table.locator('.jp-mlops-ColumnChooser-menu');
    await menu.getByLabel('max_depth').check();
    await menu.getByLabel('accuracy').check();
    await page.keyboard.press('Escape');
    await expect(menu).toBeHidden();
    const depthCells = table.locator(
      '.jp-mlops-ExperimentTable-value[data-field="param:max_depth"]'
    );
    await expect(depthCells.first()).toHaveText(
      String(newestFirst(seeded)[0].parameters.max_depth)
    );

    // Sort by the metric from its header: best first, ties newest first.
    await grid
      .locator('.jp-mlops-ExperimentTable-sort[data-field="metric:accuracy"]')
      .click();
    const best = [...seeded].sort(
      (a, b) =>
        b.metrics.accuracy - a.metrics.accuracy || (a.id < b.id ? 1 : -1)
    );
    await expect(names.first()).toHaveText(best[0].user.name);
    // A second click: worst first.
    await grid
      .locator('.jp-mlops-ExperimentTable-sort[data-field="metric:accuracy"]')
      .click();
    const worst = [...seeded].sort(
      (a, b) =>
        a.metrics.accuracy - b.metrics.accuracy || (a.id < b.id ? 1 : -1)
    );
    await expect(names.first()).toHaveText(worst[0].user.name);
    await grid
      .locator('.jp-mlops-ExperimentTable-sort[data-field="created"]')
      .click();
    await expect(names.first()).toHaveText(newestFirst(seeded)[0].user.name);

    await page.screenshot({
      path: testInfo.outputPath('experiments-50-light.png')
    });
    await page.theme.setDarkTheme();
    await expect(rows.first()).toBeVisible();
    await page.screenshot({
      path: testInfo.outputPath('experiments-50-dark.png')
    });
    await page.theme.setLightTheme();

    // Filter on a parameter, numerically.
    const deep = seeded.filter(s => s.parameters.max_depth >= 10).length;
    const filter = table.getByLabel('Filter experiments');
    await filter.fill('max_depth>=10');
    await expect(table.locator('.jp-mlops-Toolbar-count')).toHaveText(
      `${deep} of 50 experiments`
    );
    await expect(depthCells.first()).toHaveText(/^1[012]$/);
    await filter.fill('');

    // Scrolling brings the oldest into the DOM.
    await grid.evaluate(node => (node.scrollTop = node.scrollHeight));
    const oldest = newestFirst(seeded).at(-1) as ISeeded;
    await expect(names.filter({ hasText: oldest.user.name })).toBeVisible();

    // Keyboard: Home, down, Enter opens the second newest.
    await grid.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const detail = page.locator('.jp-mlops-Detail');
    await expect(detail).toBeVisible();
    await expect(detail.getByLabel('Experiment name')).toHaveValue(
      newestFirst(seeded)[1].user.name
    );

    // The columns are a setting (galata keeps this test's settings apart).
    const saved = await page.evaluate(async () => {
      const response = await fetch(
        '/lab/api/settings/jupyterlab-mlops:experiments'
      );
      return ((await response.json()) as { raw: string }).raw;
    });
    expect(saved).toMatch(
      /"columns":\s*\[\s*"created",\s*"param:max_depth",\s*"metric:accuracy"\s*\]/
    );
  });

  test('should rebuild a missing index with a progress bar, then paint from it', async ({
    page,
    tmpPath
  }) => {
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    // Record every text the progress bar shows, in the pages opened from
    // now on.
    await page.context().addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { mlopsProgress: string[] }).mlopsProgress = seen;
      new MutationObserver(() => {
        const bar = document.querySelector('.jp-mlops-Progress');
        if (bar?.textContent && seen.at(-1) !== bar.textContent) {
          seen.push(bar.textContent);
        }
      }).observe(document, {
        subtree: true,
        childList: true,
        characterData: true
      });
    });
    const progressOf = (target: Page) =>
      target.evaluate(
        () => (window as unknown as { mlopsProgress: string[] }).mlopsProgress
      );
    const openIn = async (target: Page) => {
      await target.evaluate(async file => {
        await window.jupyterapp.commands.execute('docmanager:open', {
          path: file
        });
      }, notebook);
      const panel = target.locator('#jp-mlops-experiments');
      await expect(panel.locator('.jp-mlops-Toolbar-count')).toHaveText(
        '300 experiments',
        { timeout: 60000 }
      );
      return panel;
    };
    await page.contents.uploadFile(DEMO, notebook);

    // A page whose index has never seen these 300 (they are written once
    // its panel is up): it reads them, and says how far it got.
    const first = await freshPage(page);
    await first.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:open-experiments');
    });
    await expect(
      first
        .locator(
          '#jp-mlops-experiments :is(.jp-mlops-Toolbar-count, .jp-mlops-EmptyState-title)'
        )
        .first()
    ).toBeVisible();
    await expect(first.locator('.jp-mlops-Progress')).toHaveCount(0);
    const seededAt = await first.evaluate(() => performance.now());
    seed(300, notebook);
    const panel = await openIn(first);
    const seen = await progressOf(first);
    expect(seen.length).toBeGreaterThan(0);
    for (const text of seen) {
      expect(text).toMatch(/the index: \d+ of 300 experiments read$/);
    }
    await expect(panel.locator('.jp-mlops-Progress')).toHaveCount(0);
    // The index is written after the rows show, in slices: a page closed
    // before that ends leaves none (on a loaded machine, CI saw the next
    // page rebuild). Wait for the write that began after the seeding.
    await first.waitForFunction(
      at =>
        performance
          .getEntriesByName('jupyterlab-mlops:index-write')
          .some(entry => entry.startTime >= at),
      seededAt,
      { timeout: 60000 }
    );
    await first.close();

    // The next page paints from IndexedDB: no rebuild.
    const second = await freshPage(page);
    await second.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:open-experiments');
    });
    await openIn(second);
    expect(await progressOf(second)).toEqual([]);
    await second.close();
  });

  test('should tell another tab when an experiment changes', async ({
    page,
    tmpPath
  }) => {
    const notebook = `${tmpPath}/wine_classifier.ipynb`;
    const [only] = seed(1, notebook);
    await openDemo(page, notebook);
    const panel = await openExperiments(page);
    const star = panel.locator('.jp-mlops-StarButton').first();
    await expect(star).toHaveAttribute('aria-pressed', 'false');

    const other = await freshPage(page);
    await other.evaluate(async file => {
      await window.jupyterapp.commands.execute('docmanager:open', {
        path: file
      });
      await window.jupyterapp.commands.execute('mlops:open-experiments');
    }, notebook);
    const otherPanel = other.locator('#jp-mlops-experiments');
    const otherStar = otherPanel.locator('.jp-mlops-StarButton').first();
    // (All notebooks are listed until the notebook is current.)
    await expect(
      otherPanel.locator('.jp-mlops-ExperimentTable-open')
    ).toHaveCount(1);
    await expect(
      otherPanel.locator('.jp-mlops-ExperimentTable-open')
    ).toHaveText(only.user.name);
    await expect(otherStar).toHaveAttribute('aria-pressed', 'false');

    await page.bringToFront();
    await star.click();
    await expect(star).toHaveAttribute('aria-pressed', 'true');
    // The other tab refreshes without being touched.
    await expect(otherStar).toHaveAttribute('aria-pressed', 'true');
    await other.close();
  });
});
