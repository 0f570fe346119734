import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';

import {
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest
} from './support';

/**
 * Comparing experiments made through the UI (toolbar snapshots of a
 * notebook run in a real kernel): parameters, metric plots (uPlot), data
 * changes, environment changes (a local package upgraded then downgraded),
 * CSV export, light and dark themes, hostile names; and an experiment's
 * notebook opened read-only in JupyterLab's notebook viewer.
 */

const HOSTILE = '<img src=x onerror=alert(1)>';

type Locator = ReturnType<IJupyterLabPageFixture['locator']>;

/** A notebook: parameters, a data read, metrics from the parameters. */
function notebook(): string {
  const cell = (source: string, tags: string[] = []) => ({
    cell_type: 'code',
    source,
    metadata: { tags },
    outputs: [],
    execution_count: null
  });
  return notebookJson([
    cell('lr = 0.1\ndata_path = "cmp-a.csv"', ['parameters']),
    cell('import mlopsfake\nwith open(data_path) as f:\n    rows = f.read()'),
    cell('accuracy = round(0.7 + lr, 3)\nloss = round(1 - accuracy, 3)'),
    cell('accuracy\nloss', ['pipeline-metrics'])
  ]);
}

/**
 * A local "installed" package the kernel imports from the notebook's
 * folder: importlib.metadata reads its version from METADATA.
 */
async function installFake(
  page: IJupyterLabPageFixture,
  dir: string,
  version: string
): Promise<void> {
  const info = `${dir}/mlopsfake-0.dist-info`;
  await page.contents.uploadContent(
    `Metadata-Version: 2.1\nName: mlopsfake\nVersion: ${version}\n`,
    'text',
    `${info}/METADATA`
  );
  await page.contents.uploadContent(
    'mlopsfake\n',
    'text',
    `${info}/top_level.txt`
  );
}

/** Run every cell, then snapshot with the toolbar button. */
async function runAndSnapshot(
  page: IJupyterLabPageFixture,
  panel: Locator,
  count: number
): Promise<void> {
  expect(await page.notebook.run()).toBe(true);
  await page
    .locator(
      '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
    )
    .first()
    .click();
  await expect(panel.locator('.jp-mlops-ExperimentTable-row')).toHaveCount(
    count,
    { timeout: 30000 }
  );
}

/** The `data-change` of each cell of a row of a compare section. */
async function changes(row: Locator): Promise<(string | null)[]> {
  return row
    .locator('td')
    .evaluateAll(cells => cells.map(cell => cell.getAttribute('data-change')));
}

/** Whether a canvas has any drawn (non-transparent) pixel. */
async function drawn(canvas: Locator): Promise<boolean> {
  return canvas.evaluate((node: HTMLCanvasElement) => {
    const context = node.getContext('2d');
    if (!context || node.width === 0 || node.height === 0) {
      return false;
    }
    const { data } = context.getImageData(0, 0, node.width, node.height);
    for (let i = 3; i < data.length; i += 4) {
      if (data[i] !== 0) {
        return true;
      }
    }
    return false;
  });
}

/** Close the notifications, so they do not cover screenshots. */
async function dismissToasts(page: IJupyterLabPageFixture): Promise<void> {
  // Without an id, the notification manager dismisses them all.
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute(
      'apputils:dismiss-notification',
      {}
    );
  });
  await expect(page.locator('.Toastify__toast')).toHaveCount(0);
}

async function compareAll(panel: Locator, count: number): Promise<void> {
  for (const box of await panel
    .locator('.jp-mlops-ExperimentTable-select')
    .all()) {
    await box.check();
  }
  const compare = panel.getByRole('button', { name: /^Compare/ });
  await expect(compare).toHaveText(`Compare (${count})`);
  await compare.click();
}

test.describe('Compare', () => {
  removeExperimentsAfterEachTest();

  test.setTimeout(300000);

  test('should compare three experiments and open one read-only', async ({
    page,
    tmpPath
  }, testInfo) => {
    const dialogs: string[] = [];
    page.on('dialog', dialog => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const path = `${tmpPath}/cmp.ipynb`;
    await page.contents.uploadContent(notebook(), 'text', path);
    await page.contents.uploadContent('', 'text', `${tmpPath}/mlopsfake.py`);
    await page.contents.uploadContent('x\n1\n', 'text', `${tmpPath}/cmp-a.csv`);
    await page.contents.uploadContent('x\n3\n', 'text', `${tmpPath}/cmp-b.csv`);
    await installFake(page, tmpPath, '1.9');
    await openNotebook(page, path);
    const panel = await openExperiments(page);

    // 1: lr 0.1, cmp-a.csv v1, mlopsfake 1.9.
    await runAndSnapshot(page, panel, 1);
    // 2: lr 0.2, cmp-a.csv changed, mlopsfake upgraded to 1.10 (a new
    // import, six, makes the kernel read its packages again).
    await page.contents.uploadContent('x\n2\n', 'text', `${tmpPath}/cmp-a.csv`);
    await installFake(page, tmpPath, '1.10');
    await page.notebook.setCell(0, 'code', 'lr = 0.2\ndata_path = "cmp-a.csv"');
    await page.notebook.setCell(
      1,
      'code',
      'import mlopsfake, six\nwith open(data_path) as f:\n    rows = f.read()'
    );
    await runAndSnapshot(page, panel, 2);
    // 3: lr 0.15, cmp-a.csv replaced by cmp-b.csv (deleted, so the
    // kernel's record of having opened it cannot bring it back), mlopsfake
    // downgraded to 1.2.
    await page.contents.deleteFile(`${tmpPath}/cmp-a.csv`);
    await installFake(page, tmpPath, '1.2');
    await page.notebook.setCell(
      0,
      'code',
      'lr = 0.15\ndata_path = "cmp-b.csv"'
    );
    await page.notebook.setCell(
      1,
      'code',
      'import mlopsfake, six, colorsys\nwith open(data_path) as f:\n    rows = f.read()'
    );
    await runAndSnapshot(page, panel, 3);

    await compareAll(panel, 3);
    const view = page.locator('.jp-mlops-CompareWidget');
    await expect(view.locator('.jp-mlops-CompareDetail h2')).toHaveText(
      'Comparing 3 experiments'
    );
    const names = await view
      .locator('.jp-mlops-CompareDetail-name')
      .allTextContents();
    expect(names).toHaveLength(3);
    // The tab's tooltip names them (two comparisons' tabs read the same).
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'Compare (3)'
      })
    ).toHaveAttribute('title', `Compare ${names.join(' · ')}`);

    // Parameters, oldest first.
    const lr = view
      .locator('.jp-mlops-Compare .jp-mlops-Compare-row')
      .filter({ has: page.locator('th', { hasText: /^lr$/ }) });
    await expect(lr.locator('td')).toHaveText(['0.1', '0.2', '0.15']);

    // One chart per metric, drawn on its canvas.
    const charts = view.locator('.jp-mlops-MetricChart');
    await expect(charts).toHaveCount(2);
    await expect(charts.locator('.jp-mlops-MetricChart-title')).toHaveText([
      'accuracy',
      'loss'
    ]);
    for (const canvas of await charts.locator('canvas').all()) {
      await expect.poll(() => drawn(canvas)).toBe(true);
    }
    await expect(
      charts.first().locator('.jp-mlops-MetricChart-plot')
    ).toHaveAttribute(
      'aria-label',
      /accuracy by experiment: .* 0\.8, .* 0\.9, .* 0\.85/
    );

    // Data: cmp-a.csv changed then dropped; cmp-b.csv new in the third.
    const data = view.locator('.jp-mlops-DataChanges');
    const rowA = data.locator('tr', { hasText: 'cmp-a.csv' });
    const rowB = data.locator('tr', { hasText: 'cmp-b.csv' });
    expect(await changes(rowA)).toEqual([null, 'changed', 'removed']);
    expect(await changes(rowB)).toEqual([null, null, 'added']);
    await expect(rowA.locator('td').first()).toContainText('4 B');
    await expect(
      data.locator('.jp-mlops-CompareSection-summary')
    ).toContainText('1 added, 1 removed, 1 changed, 1 unchanged');
    // The kernel's audit hook also saw it read the local package's files:
    // its METADATA changed with each version, its top_level.txt did not.
    const metadata = data.locator('tr', { hasText: 'METADATA' });
    expect(await changes(metadata)).toEqual([null, 'changed', 'changed']);
    const topLevel = data.locator('tr', { hasText: 'top_level.txt' });
    expect(await changes(topLevel)).toEqual([null, 'unchanged', 'unchanged']);

    // Environment: the local package up then down, six added.
    const env = view.locator('.jp-mlops-EnvChanges');
    const fake = env.locator('tr', {
      has: page.locator('th', { hasText: /^mlopsfake$/ })
    });
    await expect(fake.locator('td')).toHaveText([
      '1.9',
      '↑ upgraded1.10',
      '↓ downgraded1.2'
    ]);
    expect(await changes(fake)).toEqual([null, 'upgraded', 'downgraded']);
    const six = env.locator('tr', {
      has: page.locator('th', { hasText: /^six$/ })
    });
    expect(await changes(six)).toEqual([null, 'added', 'same']);
    await expect(env.locator('.jp-mlops-EnvChanges-steps li')).toHaveText([
      /: 1 added, 0 removed, 1 upgraded, 0 downgraded, 0 changed$/,
      /: 0 added, 0 removed, 0 upgraded, 1 downgraded, 0 changed$/
    ]);

    // Screenshots with the side bars closed, so the tab has the room.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('application:toggle-right-area');
    });
    await dismissToasts(page);
    await view.evaluate(node => node.scrollTo(0, 0));
    await page.screenshot({ path: testInfo.outputPath('compare-light.png') });
    await env.scrollIntoViewIfNeeded();
    await page.screenshot({
      path: testInfo.outputPath('compare-changes-light.png')
    });
    await page.theme.setDarkTheme();
    await view.evaluate(node => node.scrollTo(0, 0));
    // Redrawn with the dark theme's colours.
    for (const canvas of await charts.locator('canvas').all()) {
      await expect.poll(() => drawn(canvas)).toBe(true);
    }
    await page.screenshot({ path: testInfo.outputPath('compare-dark.png') });
    await env.scrollIntoViewIfNeeded();
    await page.screenshot({
      path: testInfo.outputPath('compare-changes-dark.png')
    });
    await page.theme.setLightTheme();

    // Only differences: python, platform and kernel are the same.
    await view.getByLabel('Only differences').check();
    await expect(env.locator('th', { hasText: /^Python$/ })).toHaveCount(0);
    await expect(fake).toHaveCount(1);

    // CSV of the whole comparison.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      view.getByRole('button', { name: 'Export CSV' }).click()
    ]);
    const csv = fs.readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv.split('\r\n')).toEqual(
      expect.arrayContaining([
        `section,key,${names.join(',')}`,
        'parameter,lr,0.1,0.2,0.15',
        'package,mlopsfake,1.9,1.10,1.2'
      ])
    );

    // Open the first experiment's notebook read-only from its detail tab.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('application:toggle-right-area');
    });
    await panel
      .locator('.jp-mlops-ExperimentTable-open', { hasText: names[0] })
      .click();
    const detail = page.locator('.jp-mlops-Detail').filter({
      has: page.getByLabel('Experiment name')
    });
    await detail
      .getByRole('button', { name: 'Open notebook (read-only)' })
      .click();
    const viewer = page.locator(
      '.jp-NotebookPanel.jp-mlops-ExperimentNotebook'
    );
    await expect(viewer).toBeVisible();
    // Room for the whole toolbar.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('application:toggle-right-area');
    });
    await expect(
      viewer.locator('.jp-mlops-ExperimentNotebook-label')
    ).toHaveText(`Experiment ${names[0]} · read-only (not the workspace file)`);
    await expect(
      page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current')
    ).toContainText(`cmp.ipynb @ ${names[0]}`);
    // JupyterLab's own read-only indicator, and no kernel.
    await expect(
      viewer.locator('.jp-NotebookPanel-toolbar .jp-ToolbarLabelComponent')
    ).toHaveText('notebook is read-only');
    const firstEditor = viewer.locator('.jp-Cell .cm-content').first();
    await expect(firstEditor).toHaveText('lr = 0.1data_path = "cmp-a.csv"');
    await expect(firstEditor).toHaveAttribute('aria-readonly', 'true');
    await firstEditor.click();
    await page.keyboard.type('oops = 1\n');
    await expect(firstEditor).toHaveText('lr = 0.1data_path = "cmp-a.csv"');
    // Save is refused, by JupyterLab and by the drive.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+s');
    await expect(page.locator('.Toastify__toast').last()).toContainText(
      'is read-only'
    );
    const refused = await page.evaluate(async () => {
      const contents = window.jupyterapp.serviceManager.contents;
      const current = window.jupyterapp.shell.currentWidget as unknown as {
        context: { path: string };
      };
      try {
        await contents.save(current.context.path, {
          type: 'notebook',
          format: 'json',
          content: {}
        });
        return 'saved';
      } catch (reason) {
        return String((reason as { code?: string }).code);
      }
    });
    expect(refused).toBe('E_READ_ONLY');
    const sessions = await page.evaluate(async () => {
      const response = await fetch('/api/sessions');
      const list = (await response.json()) as { path: string }[];
      return list.map(s => s.path);
    });
    expect(sessions.filter(p => p.includes('MlopsExperiment'))).toEqual([]);
    await dismissToasts(page);
    await page.screenshot({
      path: testInfo.outputPath('experiment-notebook-readonly-light.png')
    });
    await page.theme.setDarkTheme();
    await page.screenshot({
      path: testInfo.outputPath('experiment-notebook-readonly-dark.png')
    });
    await page.theme.setLightTheme();
    // Restore from the viewer: a new, editable file next to the original.
    await viewer
      .getByRole('button', { name: 'Restore as new notebook' })
      .click();
    const restored = `${tmpPath}/cmp.${names[0]}.ipynb`;
    await expect
      .poll(() => page.contents.fileExists(restored), { timeout: 15000 })
      .toBe(true);
    // The workspace notebook is unchanged by all this.
    expect(await page.contents.fileExists(path)).toBe(true);

    // One of the compared deleted from its detail: the comparison, which
    // shows what it read, says so.
    await page
      .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        has: page.getByText(names[0], { exact: true })
      })
      .click();
    await detail.getByRole('button', { name: 'Delete' }).click();
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect(detail).toHaveCount(0);
    await page
      .locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
        hasText: 'Compare (3)'
      })
      .click();
    await expect(view.locator('.jp-mlops-Notice.jp-mod-warning')).toHaveText(
      `Deleted since this comparison opened: ${names[0]}. It is shown as it was.`
    );
    await dismissToasts(page);
    await view.evaluate(node => node.scrollTo(0, 0));
    await page.screenshot({
      path: testInfo.outputPath('compare-deleted-light.png')
    });
    await page.theme.setDarkTheme();
    await page.screenshot({
      path: testInfo.outputPath('compare-deleted-dark.png')
    });
    await page.theme.setLightTheme();
    expect(dialogs).toEqual([]);
  });

  test('should keep a hostile experiment name as text in the plots', async ({
    page,
    tmpPath
  }, testInfo) => {
    const dialogs: string[] = [];
    page.on('dialog', dialog => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const metrics = (value: number) => ({
      output_type: 'display_data',
      metadata: {},
      data: { 'application/vnd.mlops.metrics+json': { accuracy: value } }
    });
    const nb = (value: number) =>
      notebookJson([
        {
          cell_type: 'code',
          source: `depth = ${value}`,
          metadata: { tags: ['parameters'] },
          outputs: [metrics(value / 10)],
          execution_count: null
        }
      ]);
    const path = `${tmpPath}/hostile.ipynb`;
    await page.contents.uploadContent(nb(5), 'text', path);
    await openNotebook(page, path);
    const panel = await openExperiments(page);
    const snapshot = page.locator(
      '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
    );
    const rows = panel.locator('.jp-mlops-ExperimentTable-row');
    await snapshot.first().click();
    await expect(rows).toHaveCount(1);
    // The second snapshot: another parameter value.
    await page.notebook.setCell(0, 'code', 'depth = 7');
    await snapshot.first().click();
    await expect(rows).toHaveCount(2);

    // Rename the older one to an HTML payload.
    await rows.last().locator('.jp-mlops-ExperimentTable-open').click();
    const name = page.getByLabel('Experiment name');
    await name.fill(HOSTILE);
    await name.press('Enter');
    await expect(rows.locator('.jp-mlops-ExperimentTable-open')).toContainText([
      HOSTILE
    ]);

    await compareAll(panel, 2);
    const view = page.locator('.jp-mlops-CompareWidget');
    const chart = view.locator('.jp-mlops-MetricChart').first();
    await expect(chart.locator('canvas')).toHaveCount(1);
    await expect.poll(() => drawn(chart.locator('canvas'))).toBe(true);
    // Hover the first point: the legend names the experiment, as text.
    const over = chart.locator('.u-over');
    const box = await over.boundingBox();
    expect(box).not.toBeNull();
    if (box) {
      await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    }
    await expect(chart.locator('.u-legend')).toContainText(HOSTILE);
    await expect(
      view.locator('.jp-mlops-CompareDetail-name').first()
    ).toHaveText(HOSTILE);
    await page.screenshot({
      path: testInfo.outputPath('compare-hostile-light.png')
    });
    await expect(view.locator('img')).toHaveCount(0);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});
