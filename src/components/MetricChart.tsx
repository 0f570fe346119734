import { ITranslator } from '@jupyterlab/translation';
import React, { useEffect, useRef } from 'react';
import uPlot from 'uplot';

import { showBidiControls } from '../util/bidi';
import { UserText } from './UserText';

/**
 * Properties of one metric's chart.
 */
export interface IMetricChartProps {
  metric: string;
  /** Experiment names, oldest first: the x axis. */
  names: readonly string[];
  /** One value per experiment; null where the experiment lacks it. */
  values: readonly (number | null)[];
  translator: ITranslator;
}

/**
 * One metric across the compared experiments, drawn by uPlot: experiments
 * on the x axis (oldest first, by name), values on the y axis. Colours and
 * fonts are the theme's `--jp-*` variables, read when drawn, so the chart
 * is redrawn when the theme changes; it follows the width of its tab.
 * Names reach uPlot only as canvas text and as legend text (uPlot sets
 * `textContent`), never as HTML, and with their bidi controls shown as
 * markers (neither can isolate text).
 */
export function MetricChart(props: IMetricChartProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const host = useRef<HTMLDivElement>(null);
  const { values } = props;
  const metric = showBidiControls(props.metric);
  const names = props.names.map(showBidiControls);
  const experimentLabel = trans.__('Experiment');

  useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    let plot: uPlot | null = null;
    let frame = 0;
    const draw = () => {
      plot?.destroy();
      plot = new uPlot(
        Private.options({
          metric,
          names,
          experimentLabel,
          width: Private.width(node),
          theme: Private.theme(node)
        }),
        [names.map((_, i) => i), values.map(v => v)],
        node
      );
    };
    draw();
    const resize = new ResizeObserver(() => {
      const width = Private.width(node);
      if (plot && plot.width !== width) {
        plot.setSize({ width, height: Private.HEIGHT });
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
  }, [metric, experimentLabel, names.join('\u0000'), values.join('\u0000')]);

  return (
    <figure className="jp-mlops-MetricChart">
      <figcaption className="jp-mlops-MetricChart-title">
        <UserText text={props.metric} />
      </figcaption>
      <div
        ref={host}
        className="jp-mlops-MetricChart-plot"
        role="img"
        aria-label={trans.__(
          '%1 by experiment: %2',
          metric,
          names
            .map(
              (name, i) =>
                `${name} ${values[i] === null ? '—' : Private.format(values[i])}`
            )
            .join(', ')
        )}
      />
    </figure>
  );
}

namespace Private {
  export const HEIGHT = 170;

  /**
   * The theme's colours and fonts, read now from the CSS variables.
   */
  export interface ITheme {
    line: string;
    text: string;
    grid: string;
    background: string;
    font: string;
  }

  export function theme(node: HTMLElement): ITheme {
    const style = getComputedStyle(node);
    const read = (name: string, fallback: string) =>
      style.getPropertyValue(name).trim() || fallback;
    // uPlot scales the first number of the font by the pixel ratio, so
    // the size must be in px (the theme gives em): the small UI size.
    const base = parseFloat(style.fontSize);
    const size = Math.round((Number.isFinite(base) ? base : 13) * 0.85);
    const family = read('--jp-ui-font-family', 'sans-serif');
    return {
      line: read('--jp-brand-color1', '#1976d2'),
      text: read('--jp-ui-font-color2', '#616161'),
      grid: read('--jp-border-color2', '#e0e0e0'),
      background: read('--jp-layout-color1', '#ffffff'),
      font: `${size}px ${family}`
    };
  }

  export function width(node: HTMLElement): number {
    return Math.max(160, Math.floor(node.clientWidth));
  }

  /**
   * A number for the legend and the y axis: up to 4 significant digits.
   */
  export function format(value: number | null | undefined): string {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return '—';
    }
    const abs = Math.abs(value);
    return abs !== 0 && (abs >= 1e6 || abs < 1e-3)
      ? value.toExponential(2)
      : String(Number(value.toPrecision(4)));
  }

  /**
   * A name shortened to `max` characters with an ellipsis.
   */
  function shorten(name: string, max: number): string {
    const chars = [...name];
    return chars.length <= max
      ? name
      : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
  }

  export function options(args: {
    metric: string;
    names: readonly string[];
    experimentLabel: string;
    width: number;
    theme: ITheme;
  }): uPlot.Options {
    const { metric, names, theme } = args;
    const count = names.length;
    // Every experiment gets a tick while there is room for ~9 characters.
    const ticks = (plot: uPlot): number[] => {
      const room = Math.max(1, Math.floor(plot.bbox.width / devicePixelRatio));
      const step = Math.max(1, Math.ceil(count / Math.max(1, room / 70)));
      const out: number[] = [];
      for (let i = 0; i < count; i += step) {
        out.push(i);
      }
      return out;
    };
    const axis = {
      stroke: theme.text,
      font: theme.font,
      ticks: { stroke: theme.grid, width: 1, size: 4 }
    };
    return {
      width: args.width,
      height: HEIGHT,
      padding: [8, 12, 0, 0],
      legend: { show: true, live: true },
      cursor: {
        drag: { x: false, y: false, setScale: false },
        points: { size: 9 }
      },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: { time: false, range: () => [-0.5, Math.max(0.5, count - 0.5)] }
      },
      axes: [
        {
          ...axis,
          grid: { show: false },
          size: 28,
          splits: plot => ticks(plot),
          values: (plot, splits) => {
            const shown = Math.max(1, ticks(plot).length);
            const room = plot.bbox.width / devicePixelRatio / shown;
            const max = Math.max(3, Math.floor(room / 7));
            return splits.map(i =>
              Number.isInteger(i) && names[i] !== undefined
                ? shorten(names[i], max)
                : ''
            );
          }
        },
        {
          ...axis,
          grid: { stroke: theme.grid, width: 1 },
          size: 52,
          values: (_plot, splits) => splits.map(v => format(v))
        }
      ],
      series: [
        {
          label: args.experimentLabel,
          value: (_plot, i) =>
            typeof i === 'number' && names[i] !== undefined ? names[i] : '—'
        },
        {
          label: metric,
          stroke: theme.line,
          width: 2,
          spanGaps: false,
          points: {
            show: true,
            size: 7,
            stroke: theme.line,
            fill: theme.background
          },
          value: (_plot, v) => format(v)
        }
      ]
    };
  }
}
