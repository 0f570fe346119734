import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  notebookJson,
  removeExperimentsAfterEachTest,
  writeExperiment
} from './support';

/**
 * Parameters against metrics in the Compare tab: four experiments of one
 * notebook (max_depth 2..5, criterion gini/entropy, accuracy and loss,
 * and a parameter with a hostile name) compared; a scatter of a picked
 * parameter against a picked metric and parallel coordinates, both drawn
 * by uPlot, with the names as text, in the light and the dark theme.
 */

removeExperimentsAfterEachTest();

const HOSTILE = '<img src=x onerror=alert(1)>';

type Locator = ReturnType<IJupyterLabPageFixture['locator']>;

/**
 * How many pixels of a canvas have the colour of a `--jp-*` variable (the
 * first run's colour is `--jp-brand-color1`): the run was drawn, not only
 * the axes.
 */
async function pixelsOf(canvas: Locator, variable: string): Promise<number> {
  return canvas.evaluate((node: HTMLCanvasElement, name: string) => {
    const probe = document.createElement('span');
    probe.style.color = `var(${name})`;
    document.body.appendChild(probe);
    const rgb = (getComputedStyle(probe).color.match(/\d+/g) ?? []).map(Number);
    probe.remove();
    const context = node.getContext('2d');
    if (!context || node.width === 0 || node.height === 0) {
      return 0;
    }
    const { data } = context.getImageData(0, 0, node.width, node.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (
        data[i + 3] > 200 &&
        Math.abs(data[i] - rgb[0]) < 8 &&
        Math.abs(data[i + 1] - rgb[1]) < 8 &&
        Math.abs(data[i + 2] - rgb[2]) < 8
      ) {
        count++;
      }
    }
    return count;
  }, variable);
}

test.describe('Parameter plots', () => {
  test('should draw a scatter of the picked axes and parallel coordinates with their ranges', async ({
    page,
    tmpPath
  }, testInfo) => {
    const dialogs: string[] = [];
    page.on('dialog', dialog => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const notebookPath = `${tmpPath}/trees.ipynb`;
    const refs = [2, 3, 4, 5].map(depth =>
      writeExperiment({
        notebookPath,
        name: `depth-${depth}`,
        notebook: JSON.parse(notebookJson([])),
        parameters: {
          max_depth: depth,
          criterion: depth % 2 === 0 ? 'gini' : 'entropy',
          [HOSTILE]: depth * 10
        },
        metrics: { accuracy: 0.7 + depth * 0.05, loss: 1 / depth }
      })
    );
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.evaluate(async refs => {
      await window.jupyterapp.commands.execute('mlops:compare-experiments', {
        refs
      });
    }, refs);

    const section = page.locator(
      '.jp-mlops-CompareWidget .jp-mlops-ParameterPlots'
    );
    await expect(section.locator('h3')).toHaveText('Parameters and metrics');
    const scatter = section.locator('.jp-mlops-ParameterScatter');
    await expect(scatter.locator('canvas')).toHaveCount(1);
    const [parameterSelect, metricSelect] = [
      scatter.locator('select').nth(0),
      scatter.locator('select').nth(1)
    ];
    // Defaults: the first numeric parameter that differs (names sorted:
    // `<img…` sorts first), the key metric.
    await expect(parameterSelect).toHaveValue(HOSTILE);
    await expect(metricSelect).toHaveValue('accuracy');
    await expect(parameterSelect.locator('option')).toHaveText([
      HOSTILE,
      'criterion',
      'max_depth'
    ]);
    // The legend names the x axis and every experiment, as text.
    const legend = scatter.locator('.u-legend');
    await expect(legend.locator('.u-series th').first()).toHaveText(HOSTILE);
    await expect(legend.locator('.u-series th')).toHaveText([
      HOSTILE,
      'depth-2',
      'depth-3',
      'depth-4',
      'depth-5'
    ]);

    await parameterSelect.selectOption('max_depth');
    await metricSelect.selectOption('loss');
    await expect(legend.locator('.u-series th').first()).toHaveText(
      'max_depth'
    );
    await expect(scatter.locator('[role="img"]')).toHaveAttribute(
      'aria-label',
      'loss by max_depth: depth-2: 2, 0.5; depth-3: 3, 0.3333; depth-4: 4, 0.25; depth-5: 5, 0.2'
    );
    await expect(scatter.locator('.jp-mlops-ParameterPlots-note')).toHaveCount(
      0
    );
    // depth-2's point (the first colour) is drawn: a dot of 9 px.
    await expect
      .poll(() => pixelsOf(scatter.locator('canvas'), '--jp-brand-color1'))
      .toBeGreaterThan(30);

    // A string parameter: categorical positions, said under the chart.
    await parameterSelect.selectOption('criterion');
    await expect(
      scatter.locator('.jp-mlops-ParameterPlots-note')
    ).toContainText('Not every value of this parameter is a number');
    await expect(scatter.locator('[role="img"]')).toHaveAttribute(
      'aria-label',
      'loss by criterion: depth-3: entropy, 0.3333; depth-5: entropy, 0.2; depth-2: gini, 0.5; depth-4: gini, 0.25'
    );
    await scatter.screenshot({
      path: testInfo.outputPath('parameter-scatter-categorical-light.png')
    });
    await parameterSelect.selectOption('max_depth');

    // Parallel coordinates: the hostile parameter and max_depth, then
    // accuracy and loss; the real ranges in the caption row.
    const parallel = section.locator('.jp-mlops-ParallelCoordinates');
    await expect(parallel.locator('canvas')).toHaveCount(1);
    // depth-2's line (the first colour) crosses the chart.
    await expect
      .poll(() => pixelsOf(parallel.locator('canvas'), '--jp-brand-color1'))
      .toBeGreaterThan(300);
    const ranges = parallel.locator('.jp-mlops-ParallelCoordinates-ranges');
    await expect(ranges.locator('thead th')).toHaveText([
      'Axis',
      HOSTILE,
      'max_depth',
      'accuracy',
      'loss'
    ]);
    await expect(
      ranges.locator('tbody tr').nth(0).locator('th, td')
    ).toHaveText(['min', '20', '2', '0.8', '0.2']);
    await expect(
      ranges.locator('tbody tr').nth(1).locator('th, td')
    ).toHaveText(['max', '50', '5', '0.95', '0.5']);
    await expect(parallel.locator('.u-legend .u-series th')).toHaveText([
      'Axis',
      'depth-2',
      'depth-3',
      'depth-4',
      'depth-5'
    ]);

    // The hostile name is text everywhere: no element made of it, no alert.
    await expect(page.locator('.jp-mlops-CompareWidget img')).toHaveCount(0);
    expect(dialogs).toEqual([]);

    await section.scrollIntoViewIfNeeded();
    await section.screenshot({
      path: testInfo.outputPath('parameter-plots-light.png')
    });
    await page.theme.setDarkTheme();
    // Redrawn with the dark theme's colours after its CSS has loaded.
    await page.waitForTimeout(500);
    await section.screenshot({
      path: testInfo.outputPath('parameter-plots-dark.png')
    });
    await page.theme.setLightTheme();
    expect(dialogs).toEqual([]);
  });
});
