import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  notebookJson,
  openExperiments,
  openNotebook,
  removeExperimentsAfterEachTest
} from './support';

/**
 * Step-wise metrics: a notebook calls `log_metrics(step=i, loss=…)` in a
 * training loop, run in a real kernel, snapshotted twice with different
 * values through the toolbar; Compare draws one learning-curve chart
 * (uPlot) with a line per run, in the light and the dark theme.
 */

type Locator = ReturnType<IJupyterLabPageFixture['locator']>;

const HOSTILE = '<img src=x onerror=alert(1)>';

/** The training loop: five steps, the loss falling from `scale`. */
function notebook(scale: number, extra = ''): string {
  return notebookJson([
    {
      cell_type: 'code',
      source: `scale = ${scale}`,
      metadata: { tags: ['parameters'] },
      outputs: [],
      execution_count: null
    },
    {
      cell_type: 'code',
      source:
        'from jupyterlab_mlops import log_metrics\n' +
        'for epoch in range(5):\n' +
        '    log_metrics(step=epoch, loss=round(scale / (epoch + 1), 3))' +
        extra,
      metadata: {},
      outputs: [],
      execution_count: null
    }
  ]);
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

/**
 * How many pixels of the canvas are drawn in each of the theme's first
 * two line colours (`--jp-brand-color1`, `--jp-warn-color1`).
 */
async function lineColours(canvas: Locator): Promise<number[]> {
  return canvas.evaluate((node: HTMLCanvasElement) => {
    const rgb = (variable: string): number[] => {
      const probe = document.createElement('span');
      probe.style.color = `var(${variable})`;
      document.body.appendChild(probe);
      const colour = getComputedStyle(probe).color;
      probe.remove();
      return (colour.match(/\d+/g) ?? []).slice(0, 3).map(Number);
    };
    const targets = [rgb('--jp-brand-color1'), rgb('--jp-warn-color1')];
    const context = node.getContext('2d');
    if (!context || node.width === 0 || node.height === 0) {
      return targets.map(() => 0);
    }
    const { data } = context.getImageData(0, 0, node.width, node.height);
    const counts = targets.map(() => 0);
    for (let i = 0; i < data.length; i += 4) {
      targets.forEach(([r, g, b], t) => {
        if (
          data[i + 3] > 200 &&
          Math.abs(data[i] - r) < 8 &&
          Math.abs(data[i + 1] - g) < 8 &&
          Math.abs(data[i + 2] - b) < 8
        ) {
          counts[t] += 1;
        }
      });
    }
    return counts;
  });
}

test.describe('Learning curves', () => {
  removeExperimentsAfterEachTest();

  test.setTimeout(240000);

  test('should draw the loss of two runs as two lines of one chart', async ({
    page,
    tmpPath
  }, testInfo) => {
    const path = `${tmpPath}/train.ipynb`;
    await page.contents.uploadContent(notebook(1), 'text', path);
    await openNotebook(page, path);
    const panel = await openExperiments(page);

    await runAndSnapshot(page, panel, 1);
    await page.notebook.setCell(0, 'code', 'scale = 2');
    await runAndSnapshot(page, panel, 2);

    for (const box of await panel
      .locator('.jp-mlops-ExperimentTable-select')
      .all()) {
      await box.check();
    }
    await panel.getByRole('button', { name: 'Compare (2)' }).click();
    const view = page.locator('.jp-mlops-CompareWidget');
    await expect(view.locator('.jp-mlops-CompareDetail h2')).toHaveText(
      'Comparing 2 experiments'
    );
    const names = await view
      .locator('.jp-mlops-CompareDetail-name')
      .allTextContents();
    expect(names).toHaveLength(2);

    // The scalar metric is the last step's value.
    const loss = view
      .locator('.jp-mlops-Compare .jp-mlops-Compare-row')
      .filter({ has: page.locator('th', { hasText: /^loss$/ }) });
    await expect(loss.locator('.jp-mlops-MetricCell-value')).toHaveText([
      '0.2',
      '0.4'
    ]);

    // One chart, for loss, a line per run named in the legend.
    const section = view.locator('.jp-mlops-LearningCurves');
    await expect(section.locator('h3')).toHaveText('Learning curves');
    const charts = section.locator('.jp-mlops-LearningCurve');
    await expect(charts).toHaveCount(1);
    await expect(charts.locator('.jp-mlops-LearningCurve-title')).toHaveText(
      'loss'
    );
    await expect(charts.locator('.u-legend .u-series .u-label')).toHaveText([
      'Step',
      ...names
    ]);
    await expect(
      charts.locator('.jp-mlops-LearningCurve-plot')
    ).toHaveAttribute(
      'aria-label',
      `loss by step: ${names[0]} 5 points, last 0.2; ${names[1]} 5 points, last 0.4`
    );
    const canvas = charts.locator('canvas');
    await expect
      .poll(async () => (await lineColours(canvas)).every(n => n > 50))
      .toBe(true);

    // Screenshots with the side bar closed, so the tab has the room.
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('application:toggle-right-area');
      // Without an id, the notification manager dismisses them all.
      await window.jupyterapp.commands.execute(
        'apputils:dismiss-notification',
        {}
      );
    });
    await expect(page.locator('.Toastify__toast')).toHaveCount(0);
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({
      path: testInfo.outputPath('learning-curves-light.png')
    });
    await page.theme.setDarkTheme();
    // Redrawn with the dark theme's line colours.
    await expect
      .poll(async () => (await lineColours(canvas)).every(n => n > 50))
      .toBe(true);
    await section.scrollIntoViewIfNeeded();
    await page.screenshot({
      path: testInfo.outputPath('learning-curves-dark.png')
    });
    await page.theme.setLightTheme();
  });

  test('should show a hostile metric name as text', async ({
    page,
    tmpPath
  }) => {
    const dialogs: string[] = [];
    page.on('dialog', dialog => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const path = `${tmpPath}/hostile.ipynb`;
    await page.contents.uploadContent(
      notebook(
        1,
        `\n    log_metrics(step=epoch * 10, **{${JSON.stringify(HOSTILE)}: epoch})`
      ),
      'text',
      path
    );
    await openNotebook(page, path);
    const panel = await openExperiments(page);
    await runAndSnapshot(page, panel, 1);
    await runAndSnapshot(page, panel, 2);
    for (const box of await panel
      .locator('.jp-mlops-ExperimentTable-select')
      .all()) {
      await box.check();
    }
    await panel.getByRole('button', { name: 'Compare (2)' }).click();
    const charts = page.locator(
      '.jp-mlops-CompareWidget .jp-mlops-LearningCurve'
    );
    await expect(charts.locator('.jp-mlops-LearningCurve-title')).toHaveText([
      HOSTILE,
      'loss'
    ]);
    await expect(
      charts.first().locator('.jp-mlops-LearningCurve-plot')
    ).toHaveAttribute(
      'aria-label',
      new RegExp(
        `^${HOSTILE.replace(/[()]/g, '\\$&')} by step: .* 5 points, last 4; `
      )
    );
    await expect(page.locator('.jp-mlops-CompareWidget img')).toHaveCount(0);
    expect(dialogs).toEqual([]);
  });
});
