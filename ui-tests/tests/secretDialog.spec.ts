import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { notebookJson, openNotebook, ROOT } from './support';

/**
 * A snapshot refused for secrets: the notification names the first one and
 * offers the whole list; the dialog shows every finding, redacted, each
 * with a "Go to cell" button that selects that cell in the notebook.
 */

// Built at run time so no scanner flags this file.
const AWS = ['AKIA', 'Q3EGUQ7XK5', 'ZR2MLT'].join('');
const GITHUB = ['ghp_', 'R8kd2Lq9Zt4Xw7Vb1Nc3', 'Mf6Hj0Pa5Sy2Ue8G'].join('');

const LEAKY = notebookJson([
  {
    cell_type: 'markdown',
    source: '# Training',
    metadata: {}
  },
  {
    cell_type: 'code',
    source: `import boto3\nkey = "${AWS}"`,
    metadata: {},
    outputs: [],
    execution_count: null
  },
  {
    cell_type: 'code',
    source: 'depth = 3\nprint(depth)',
    metadata: {},
    outputs: [],
    execution_count: null
  },
  {
    cell_type: 'code',
    source: `headers = {}\nheaders["auth"] = "${GITHUB}"`,
    metadata: {},
    outputs: [],
    execution_count: null
  }
]);

/** The active cell's index in the current notebook. */
function activeCell(page: IJupyterLabPageFixture): Promise<number> {
  return page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget as unknown as {
      content?: { activeCellIndex?: number };
    };
    return widget.content?.activeCellIndex ?? -1;
  });
}

test.describe('Secret findings', () => {
  test.skip(ROOT === '', 'playwright.config.js sets the server root');

  test('should list every secret in a dialog with a way to its cell', async ({
    page,
    tmpPath
  }, testInfo) => {
    const errors: string[] = [];
    page.on('pageerror', error => errors.push(error.message));
    const file = `${tmpPath}/leaky.ipynb`;
    await page.contents.uploadContent(LEAKY, 'text', file);
    await openNotebook(page, file);
    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .click();
    const toast = page.locator('.Toastify__toast').last();
    await expect(toast).toContainText('Cell 2, line 2: AWS access key');
    await expect(toast).toContainText('and 1 more');
    await expect(toast).toContainText('E_SECRET_FOUND');
    await expect(toast).not.toContainText(AWS);

    await toast.getByRole('button', { name: 'Show secrets' }).click();
    const dialog = page.locator('.jp-mlops-SecretFindingsDialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.locator('.jp-Dialog-header')).toHaveText(
      'The snapshot found 2 possible secrets'
    );
    const items = dialog.locator('.jp-mlops-SecretFindings-item');
    await expect(items).toHaveCount(2);
    await expect(items.nth(0)).toContainText('Cell 2, line 2');
    await expect(items.nth(0)).toContainText('AKIA…');
    await expect(items.nth(1)).toContainText('Cell 4, line 2');
    await expect(items.nth(1)).toContainText('GitHub');
    await expect(items.nth(1)).toContainText('ghp_…');
    // Redacted: neither secret is in the dialog.
    const text = (await dialog.textContent()) ?? '';
    expect(text).not.toContain(AWS);
    expect(text).not.toContain(GITHUB);
    await page.screenshot({ path: testInfo.outputPath('secrets-light.png') });
    await page.theme.setDarkTheme();
    await expect(dialog).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('secrets-dark.png') });
    await page.theme.setLightTheme();

    // "Go to cell" on the second: the dialog closes, cell 4 is active,
    // the cursor on the secret's line.
    await items.nth(1).getByRole('button', { name: 'Go to cell' }).click();
    await expect(dialog).toHaveCount(0);
    await expect.poll(() => activeCell(page)).toBe(3);
    const cell = page.locator('.jp-NotebookPanel:visible .jp-Cell').nth(3);
    await expect(cell).toHaveClass(/jp-mod-active/);
    await expect(cell).toBeInViewport();
    expect(
      await page.evaluate(() => {
        const widget = window.jupyterapp.shell.currentWidget as unknown as {
          content: {
            activeCell: {
              editor: { getCursorPosition(): { line: number } } | null;
            } | null;
          };
        };
        return widget.content.activeCell?.editor?.getCursorPosition().line;
      })
    ).toBe(1);

    // Again (a second snapshot, its notification), the first finding.
    await page
      .locator(
        '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
      )
      .click();
    await toast.getByRole('button', { name: 'Show secrets' }).click();
    await dialog
      .locator('.jp-mlops-SecretFindings-item')
      .nth(0)
      .getByRole('button', { name: 'Go to cell' })
      .click();
    await expect.poll(() => activeCell(page)).toBe(1);
    expect(errors).toEqual([]);
  });
});
