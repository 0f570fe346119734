import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';

import {
  notebookJson,
  openExperiments,
  removeExperimentsAfterEachTest,
  ROOT,
  writeExperiment
} from './support';

/**
 * Hostile experiments written straight into the store (as a shared store
 * or a hand-edited one can hold them): a stored notebook that claims trust
 * and carries script in its outputs must restore untrusted, with nothing
 * run; bidi controls in names, tags, branches, parameters and metric keys
 * must show as visible markers, never reorder the text around them.
 */

const RLO = '\u202E';
const RAW_BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

type Locator = ReturnType<IJupyterLabPageFixture['locator']>;

/** Record every browser dialog (alert/confirm/prompt), dismissing it. */
function recordDialogs(page: IJupyterLabPageFixture): string[] {
  const dialogs: string[] = [];
  page.on('dialog', dialog => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return dialogs;
}

/** Show every experiment of the store, whatever notebook is open. */
async function showAllNotebooks(panel: Locator): Promise<void> {
  const all = panel.getByRole('checkbox', { name: 'All notebooks' });
  if (!(await all.isChecked())) {
    await all.check();
  }
}

/** Whether nbformat's notary, with the server's secret, trusts a file. */
function notarySigned(file: string): boolean {
  const out = execFileSync(
    'python',
    [
      '-c',
      [
        'import sys, nbformat',
        'from nbformat.sign import NotebookNotary',
        'nb = nbformat.read(sys.argv[1], as_version=4)',
        'print(NotebookNotary().check_signature(nb))'
      ].join('\n'),
      file
    ],
    { encoding: 'utf8' }
  );
  return out.trim() === 'True';
}

test.describe('Security', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  removeExperimentsAfterEachTest();

  test('should restore a notebook claiming trust as untrusted, running nothing', async ({
    page,
    tmpPath
  }, testInfo) => {
    const dialogs = recordDialogs(page);
    // New content every run: a signature outlives the server. Cell ids,
    // and trust on code cells only: otherwise the server changes the
    // notebook after signing it (adds ids, drops a markdown cell's trust),
    // the signature breaks and would hide the bug.
    const nonce = `${Date.now()}-${Math.random()}`;
    const output = (data: Record<string, string>) => ({
      output_type: 'display_data',
      metadata: {},
      data
    });
    const stored = JSON.parse(
      notebookJson([
        {
          cell_type: 'code',
          id: 'cell-0',
          source: `x = 1  # ${nonce}`,
          metadata: { trusted: true, tags: ['parameters'] },
          execution_count: 1,
          outputs: [
            output({
              'text/html':
                '<b>html output</b><script>window.__mlopsPwned=1;alert(1)</script>'
            })
          ]
        },
        {
          cell_type: 'code',
          id: 'cell-1',
          source: 'y = 2',
          metadata: { trusted: true },
          execution_count: 2,
          outputs: [
            output({
              'text/html':
                '<img src=x onerror="window.__mlopsPwned=2;alert(2)"><i>img output</i>'
            })
          ]
        },
        {
          cell_type: 'code',
          id: 'cell-2',
          source: 'z = 3',
          metadata: { trusted: true },
          execution_count: 3,
          outputs: [
            output({
              'application/javascript': 'window.__mlopsPwned=3;alert(3)'
            })
          ]
        },
        {
          cell_type: 'markdown',
          id: 'cell-3',
          source: '<img src=x onerror="window.__mlopsPwned=4;alert(4)">',
          metadata: {}
        }
      ])
    ) as unknown;
    writeExperiment({
      notebookPath: `${tmpPath}/pwn.ipynb`,
      name: 'crafted-trust',
      notebook: stored
    });

    const panel = await openExperiments(page);
    await showAllNotebooks(panel);
    await panel
      .locator('.jp-mlops-ExperimentTable-open', { hasText: 'crafted-trust' })
      .click();
    const detail = page.locator('.jp-mlops-DetailWidget .jp-mlops-Detail');
    await expect(detail.getByLabel('Experiment name')).toHaveValue(
      'crafted-trust'
    );
    await detail
      .getByRole('button', { name: 'Restore as new notebook' })
      .click();

    const restored = `${tmpPath}/pwn.crafted-trust.ipynb`;
    const notebook = page.locator('.jp-NotebookPanel:visible');
    await expect(notebook).toHaveCount(1, { timeout: 30000 });
    await expect(page.locator('.jp-mod-current[role="tab"]')).toContainText(
      'pwn.crafted-trust.ipynb'
    );
    // The HTML outputs render, sanitized: the text stays, the script and
    // the handler go.
    await expect(notebook.locator('.jp-OutputArea-output')).toContainText([
      'html output',
      'img output'
    ]);
    await page.waitForTimeout(1000);
    expect(await page.evaluate(() => '__mlopsPwned' in window)).toBe(false);
    expect(
      await page.evaluate(
        () => (window as unknown as { __mlopsPwned?: number }).__mlopsPwned
      )
    ).toBeUndefined();
    expect(await notebook.locator('script').count()).toBe(0);
    expect(await notebook.locator('img[onerror]').count()).toBe(0);
    expect(dialogs).toEqual([]);

    // JupyterLab says so: not trusted.
    await expect(page.locator('.jp-StatusItem-trust')).toHaveAttribute(
      'title',
      /^Notebook not trusted: 0 of 3 code cells trusted\./
    );

    // The server did not sign it: it marks every code cell from the
    // signature check when the file is read.
    const model = await page.evaluate(async file => {
      const response = await fetch(`/api/contents/${file}?content=1`);
      return (await response.json()) as {
        content: {
          cells: { cell_type: string; metadata: { trusted?: boolean } }[];
        };
      };
    }, restored);
    const code = model.content.cells.filter(c => c.cell_type === 'code');
    expect(code.map(c => c.metadata.trusted)).toEqual([false, false, false]);
    // And nbformat's notary, with the server's secret and database, agrees.
    expect(notarySigned(path.join(ROOT, restored))).toBe(false);

    // Close the "Restored …" notification, so it does not cover the shot.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute(
        'apputils:dismiss-notification',
        {}
      );
    });
    await expect(page.locator('.Toastify__toast')).toHaveCount(0);
    await page.screenshot({
      path: testInfo.outputPath('restore-untrusted-light.png')
    });
    await page.theme.setDarkTheme();
    await page.screenshot({
      path: testInfo.outputPath('restore-untrusted-dark.png')
    });
    await page.theme.setLightTheme();
    expect(dialogs).toEqual([]);
  });

  test('should show bidi controls as markers in the panel, detail, status bar and comparison', async ({
    page,
    tmpPath
  }, testInfo) => {
    const dialogs = recordDialogs(page);
    const name = `invoice${RLO}txt.exe`;
    const notebook = JSON.parse(
      notebookJson([
        {
          cell_type: 'code',
          source: `lr = 0.1  # ${RLO}`,
          metadata: {},
          execution_count: 1,
          outputs: []
        }
      ])
    ) as unknown;
    const seed = {
      notebookPath: `${tmpPath}/bidi.ipynb`,
      notebook,
      parameters: { [`lr${RLO}x`]: `fast\u2067slow\u2069`, depth: 3 },
      metrics: { [`acc\u202Dy`]: 0.91 },
      tags: [`t${RLO}ag`],
      note: `see ${RLO}txt.exe`,
      branch: `main${RLO}niam`
    };
    writeExperiment({ ...seed, name: 'plain-name' });
    writeExperiment({ ...seed, name });

    const panel = await openExperiments(page);
    await showAllNotebooks(panel);
    const names = panel.locator('.jp-mlops-ExperimentTable-open');
    await expect(names).toHaveCount(2);
    const hostile = names.filter({ hasText: 'invoice' });
    await expect(hostile).toHaveText('invoice⟨U+202E⟩txt.exe');
    expect(await hostile.textContent()).not.toMatch(RAW_BIDI);
    await expect(hostile.locator('bdi .jp-mlops-BidiControl')).toHaveText(
      '⟨U+202E⟩'
    );
    // Parameter, metric and tag columns (from the column chooser of the
    // Experiments table tab).
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('mlops:open-experiments-table');
    });
    const table = page.locator('#jp-mlops-experiments-table');
    await table.locator('.jp-mlops-ColumnChooser > summary').click();
    const menu = table.locator('.jp-mlops-ColumnChooser-menu');
    await menu.getByText('Tags', { exact: true }).click();
    await menu.locator('label', { hasText: 'lr' }).click();
    await menu.locator('label', { hasText: 'acc' }).click();
    await expect(menu.locator('.jp-mlops-BidiControl')).toHaveText([
      '⟨U+202E⟩',
      '⟨U+202D⟩'
    ]);
    await page.keyboard.press('Escape');
    const row = table.locator('.jp-mlops-ExperimentTable-row', {
      has: page.locator('.jp-mlops-ExperimentTable-open', {
        hasText: 'invoice'
      })
    });
    await expect(row.locator('[data-field="tags"]')).toHaveText('t⟨U+202E⟩ag');
    await expect(row.locator(`[data-field="param:lr${RLO}x"]`)).toHaveText(
      'fast⟨U+2067⟩slow⟨U+2069⟩'
    );
    const header = table.locator('.jp-mlops-ExperimentTable-header');
    expect(await header.textContent()).not.toMatch(RAW_BIDI);
    expect(await row.textContent()).not.toMatch(RAW_BIDI);
    // The sidebar's compact row (its metric chip) too.
    const listRow = panel.locator('.jp-mlops-ExperimentTable-row', {
      has: page.locator('.jp-mlops-ExperimentTable-open', {
        hasText: 'invoice'
      })
    });
    await expect(listRow.locator('.jp-mlops-Chip')).toHaveText([
      'acc⟨U+202D⟩y 0.91'
    ]);
    expect(await listRow.textContent()).not.toMatch(RAW_BIDI);

    // The detail view: name, tags and note fields, branch, parameters.
    await hostile.click();
    const detail = page.locator('.jp-mlops-DetailWidget .jp-mlops-Detail');
    await expect(detail.getByLabel('Experiment name')).toHaveValue(
      'invoice⟨U+202E⟩txt.exe'
    );
    await expect(
      page.locator('.lm-TabBar-tab.jp-mod-current .lm-TabBar-tabLabel')
    ).toHaveText('invoice⟨U+202E⟩txt.exe');
    await expect(detail.locator('.jp-mlops-Detail-meta')).toContainText(
      'main⟨U+202E⟩niam'
    );
    expect(await detail.textContent()).not.toMatch(RAW_BIDI);
    const fields = await detail
      .locator('input, textarea')
      .evaluateAll(nodes =>
        nodes.map(node => (node as HTMLInputElement).value)
      );
    expect(fields.join('\n')).not.toMatch(RAW_BIDI);
    expect(fields).toContain('see ⟨U+202E⟩txt.exe');

    // The status bar names the newest experiment of the current notebook:
    // the hostile one. Then back to its detail tab.
    await page.contents.uploadContent(
      JSON.stringify(notebook),
      'text',
      seed.notebookPath
    );
    await page.evaluate(async file => {
      await window.jupyterapp.commands.execute('docmanager:open', {
        path: file
      });
    }, seed.notebookPath);
    await page
      .locator('#jp-main-dock-panel .lm-TabBar-tab', { hasText: 'invoice' })
      .click();
    const status = page.locator('.jp-mlops-SnapshotStatus');
    await expect(status).toContainText('Snapshot invoice⟨U+202E⟩txt.exe at');
    expect(await status.textContent()).not.toMatch(RAW_BIDI);
    await expect(status.locator('bdi').first()).toHaveText(
      'invoice⟨U+202E⟩txt.exe'
    );

    await page.screenshot({ path: testInfo.outputPath('bidi-light.png') });
    await page.theme.setDarkTheme();
    await expect(hostile).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('bidi-dark.png') });
    await page.theme.setLightTheme();

    // The comparison: names, parameter and metric keys and values.
    for (const box of await panel
      .locator('.jp-mlops-ExperimentTable-select')
      .all()) {
      await box.check();
    }
    await panel.getByRole('button', { name: /^Compare/ }).click();
    const view = page.locator('.jp-mlops-CompareWidget');
    await expect(view.locator('.jp-mlops-CompareDetail-name')).toContainText([
      'invoice⟨U+202E⟩txt.exe'
    ]);
    await expect(view.locator('.jp-mlops-MetricChart-title')).toHaveText(
      'acc⟨U+202D⟩y'
    );
    await expect(view.locator('.jp-mlops-Compare-table').first()).toContainText(
      'lr⟨U+202E⟩x'
    );
    expect(await view.textContent()).not.toMatch(RAW_BIDI);
    await page.screenshot({
      path: testInfo.outputPath('bidi-compare-light.png')
    });
    expect(dialogs).toEqual([]);
  });
});
