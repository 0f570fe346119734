import { DependencyList, RefObject, useEffect } from 'react';
import uPlot from 'uplot';

import { chartTheme, chartWidth, IChartTheme } from './chartTheme';

/**
 * What a chart's builder returns: uPlot's options (without the width,
 * which the hook gives) and data.
 */
export interface IUPlotChart {
  options: Omit<uPlot.Options, 'width'>;
  data: uPlot.AlignedData;
}

/**
 * Draw a uPlot chart into `host`: built with the theme's colours (read
 * from the `--jp-*` variables when drawn, and again when JupyterLab
 * switches theme), resized with its host, destroyed on unmount. Rebuilt
 * when `deps` change.
 */
export function useUPlot(
  host: RefObject<HTMLDivElement>,
  build: (theme: IChartTheme, width: number) => IUPlotChart,
  deps: DependencyList
): void {
  useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    let plot: uPlot | null = null;
    let frame = 0;
    const draw = () => {
      plot?.destroy();
      const width = chartWidth(node);
      const chart = build(chartTheme(node), width);
      plot = new uPlot({ ...chart.options, width }, chart.data, node);
    };
    draw();
    const resize = new ResizeObserver(() => {
      const width = chartWidth(node);
      if (plot && plot.width !== width) {
        // Rebuilt rather than resized: axis labels are fitted to the width.
        cancelAnimationFrame(frame);
        frame = requestAnimationFrame(draw);
      }
    });
    resize.observe(node);
    // JupyterLab sets these after the new theme's CSS has loaded.
    const themes = new MutationObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(draw);
    });
    themes.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
    return () => {
      cancelAnimationFrame(frame);
      resize.disconnect();
      themes.disconnect();
      plot?.destroy();
      plot = null;
    };
  }, deps);
}

/**
 * The theme's look of a uPlot axis: text, ticks and grid.
 */
export function axisStyle(theme: IChartTheme): uPlot.Axis {
  return {
    stroke: theme.text,
    font: theme.font,
    ticks: { stroke: theme.grid, width: 1, size: 4 },
    grid: { stroke: theme.grid, width: 1 }
  };
}

/**
 * No zoom by dragging, no selection box: the charts are read, not explored.
 */
export const STILL_CURSOR: Pick<uPlot.Options, 'cursor' | 'select'> = {
  cursor: {
    drag: { x: false, y: false, setScale: false },
    points: { size: 8 }
  },
  select: { show: false, left: 0, top: 0, width: 0, height: 0 }
};
