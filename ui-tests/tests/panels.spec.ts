import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import { DEMO, notebookJson, openNotebook } from './support';

/**
 * The three side panels, their palette entries and their empty states, in
 * the light and the dark theme. Screenshots go to test-results/ (artifacts).
 */

const PANELS = [
  {
    id: 'jp-mlops-experiments',
    command: 'Open Experiments Panel',
    header: 'Experiments',
    empty: 'No experiments in this project yet',
    action: 'Snapshot notebook'
  },
  {
    id: 'jp-mlops-pipeline',
    command: 'Open Pipeline Panel',
    header: 'Pipeline',
    empty: 'No notebook open',
    action: 'Open the demo notebook'
  },
  {
    id: 'jp-mlops-models',
    command: 'Open Models Panel',
    header: 'Models',
    empty: 'No models registered yet',
    action: 'Show experiments'
  }
];

async function openRightTab(
  page: IJupyterLabPageFixture,
  id: string
): Promise<void> {
  const tab = page.locator(
    `.jp-SideBar.jp-mod-right .lm-TabBar-tab[data-id="${id}"]`
  );
  await expect(tab).toBeVisible();
  if (!(await page.locator(`#${id}`).isVisible())) {
    await tab.click();
  }
  await expect(page.locator(`#${id}`)).toBeVisible();
}

for (const theme of ['light', 'dark'] as const) {
  test.describe(`Side panels (${theme} theme)`, () => {
    test.beforeEach(async ({ page }) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
    });

    test('should show each panel with an empty state and a call to action', async ({
      page
    }, testInfo) => {
      for (const panel of PANELS) {
        await openRightTab(page, panel.id);
        const widget = page.locator(`#${panel.id}`);
        await expect(widget.locator('.jp-mlops-PanelHeader-title')).toHaveText(
          panel.header
        );
        await expect(widget.locator('.jp-mlops-EmptyState-title')).toHaveText(
          panel.empty
        );
        await expect(
          widget.getByRole('button', { name: panel.action })
        ).toBeEnabled({
          enabled: panel.action !== 'Snapshot notebook'
        });
        // The bridge answered: the store line, not an error.
        await expect(widget.locator('.jp-mlops-Notice').first()).toContainText(
          'Store: .mlops'
        );
        await page.screenshot({
          path: testInfo.outputPath(`${panel.id}-${theme}.png`)
        });
      }
    });
  });
}

test.describe('Command palette', () => {
  test('should list every MLOps command', async ({ page }) => {
    await page.keyboard.press('Control+Shift+C');
    const input = page.locator('.lm-CommandPalette-input');
    await expect(input).toBeFocused();
    await input.fill('MLOps');
    const items = page.locator('.lm-CommandPalette-item');
    for (const label of [
      'Open Experiments Panel',
      'Open Experiments Table',
      'Open Pipeline Panel',
      'Open Models Panel',
      'Snapshot Notebook as Experiment',
      'Open the MLOps Demo Notebook',
      'Reconnect to the MLOps Server Extension'
    ]) {
      await expect(items.filter({ hasText: label })).toHaveCount(1);
    }
    await input.fill('Open Models Panel');
    await page.keyboard.press('Enter');
    await expect(page.locator('#jp-mlops-models')).toBeVisible();
  });
});

test.describe('Demo notebook', () => {
  for (const theme of ['light', 'dark'] as const) {
    test(`should open from the Pipeline panel and show its steps (${theme})`, async ({
      page
    }, testInfo) => {
      if (theme === 'dark') {
        await page.theme.setDarkTheme();
      }
      await page.contents.uploadFile(DEMO, 'examples/wine_classifier.ipynb');
      await openRightTab(page, 'jp-mlops-pipeline');
      const panel = page.locator('#jp-mlops-pipeline');
      await panel
        .getByRole('button', { name: 'Open the demo notebook' })
        .click();
      await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
      await expect(panel.locator('.jp-mlops-PanelHeader-subtitle')).toHaveText(
        'wine_classifier.ipynb'
      );
      await expect(panel.locator('.jp-mlops-StepList-name')).toHaveText([
        'load',
        'train',
        'evaluate'
      ]);
      await expect(
        panel.locator('.jp-mlops-StepList-step').nth(1)
      ).toContainText('after load');
      await page.screenshot({
        path: testInfo.outputPath(`demo-pipeline-${theme}.png`)
      });

      // The Experiments panel follows the notebook too.
      await openRightTab(page, 'jp-mlops-experiments');
      const experiments = page.locator('#jp-mlops-experiments');
      await expect(
        experiments.locator('.jp-mlops-PanelHeader-subtitle')
      ).toHaveText('wine_classifier.ipynb');
      await expect(
        experiments.locator('.jp-mlops-EmptyState-title')
      ).toHaveText('No experiments for this notebook yet');

      // The Snapshot button is there; snapshot.spec.ts presses it.
      await expect(
        page.locator(
          '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
        )
      ).toBeVisible();
      await page.screenshot({
        path: testInfo.outputPath(`demo-experiments-${theme}.png`)
      });
    });
  }

  test('should render hostile tag text as text', async ({ page }) => {
    const payload = '<img src=x onerror="window.__mlopsXss=1">';
    const notebook = notebookJson([
      {
        id: 'a',
        cell_type: 'code',
        source: 'x = 1',
        metadata: { tags: ['step:load', `prev:${payload}`] },
        outputs: [],
        execution_count: null
      },
      {
        id: 'b',
        cell_type: 'code',
        source: 'y = 2',
        metadata: {
          tags: [
            'step:train',
            'prev:ghost" data-commandlinker-command="help:about'
          ]
        },
        outputs: [],
        execution_count: null
      }
    ]);
    await page.contents.uploadContent(notebook, 'text', 'hostile.ipynb');
    await openNotebook(page, 'hostile.ipynb');
    await openRightTab(page, 'jp-mlops-pipeline');
    const panel = page.locator('#jp-mlops-pipeline');
    await expect(
      panel.locator('.jp-mlops-StepList-problems li').first()
    ).toContainText(payload);
    await expect(panel.locator('img')).toHaveCount(0);
    await expect(panel.locator('[data-commandlinker-command]')).toHaveCount(0);
    expect(
      await page.evaluate(
        () => (window as unknown as { __mlopsXss?: number }).__mlopsXss
      )
    ).toBeUndefined();
  });
});
