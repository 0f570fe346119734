import { ITranslator } from '@jupyterlab/translation';
import React, { useRef } from 'react';
import uPlot from 'uplot';

import { ILearningCurve } from '../tracking/compare/learningCurves';
import { showBidiControls } from '../util/bidi';
import { formatChartNumber, IChartTheme } from './chartTheme';
import { useUPlot } from './useUPlot';
import { UserText } from './UserText';

/**
 * Properties of one metric's learning curves.
 */
export interface ILearningCurveChartProps {
  curve: ILearningCurve;
  /** Experiment names, in the order of `curve.values`. */
  names: readonly string[];
  translator: ITranslator;
}

/**
 * One metric's learning curves, drawn by uPlot: steps on the x axis, a
 * line per experiment (theme colours in turn, dashed after the sixth),
 * named in the legend. Colours and fonts are the theme's `--jp-*`
 * variables, read when drawn, so the chart is redrawn when the theme
 * changes; it follows the width of its tab. Names reach uPlot only as
 * legend text (uPlot sets `textContent`), with their bidi controls shown
 * as markers.
 */
export function LearningCurveChart(
  props: ILearningCurveChartProps
): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const host = useRef<HTMLDivElement>(null);
  const { curve } = props;
  const names = props.names.map(showBidiControls);
  const stepLabel = trans.__('Step');
  const noPoints = trans.__('no points');

  useUPlot(
    host,
    (theme, width) => ({
      options: Private.options({
        names,
        counts: curve.counts,
        stepLabel,
        noPoints,
        width,
        theme
      }),
      data: [[...curve.steps], ...curve.values.map(series => [...series])]
    }),
    [curve, stepLabel, noPoints, names.join('\u0000')]
  );

  const summary = names
    .map((name, i) => {
      const last = Private.last(curve.values[i] ?? []);
      return (curve.counts[i] ?? 0) === 0
        ? `${name} ${noPoints}`
        : trans.__(
            '%1 %2 points, last %3',
            name,
            curve.counts[i],
            formatChartNumber(last)
          );
    })
    .join('; ');
  return (
    <figure className="jp-mlops-LearningCurve">
      <figcaption className="jp-mlops-LearningCurve-title">
        <UserText text={curve.key} />
      </figcaption>
      <div
        ref={host}
        className="jp-mlops-LearningCurve-plot"
        role="img"
        aria-label={trans.__(
          '%1 by step: %2',
          showBidiControls(curve.key),
          summary
        )}
      />
    </figure>
  );
}

namespace Private {
  export const HEIGHT = 200;

  /**
   * Tick spacings of the step axis: 1, 2, 5, 10, 20, 50 … up to 5e15.
   */
  const INTEGER_STEPS = Array.from({ length: 16 }, (_, e) =>
    [1, 2, 5].map(m => m * 10 ** e)
  ).flat();

  /**
   * The last value of a series (null when it has none).
   */
  export function last(values: readonly (number | null)[]): number | null {
    for (let i = values.length - 1; i >= 0; i--) {
      if (values[i] !== null) {
        return values[i];
      }
    }
    return null;
  }

  export function options(args: {
    names: readonly string[];
    counts: readonly number[];
    stepLabel: string;
    noPoints: string;
    width: number;
    theme: IChartTheme;
  }): uPlot.Options {
    const { names, theme } = args;
    const axis = {
      stroke: theme.text,
      font: theme.font,
      ticks: { stroke: theme.grid, width: 1, size: 4 },
      grid: { stroke: theme.grid, width: 1 }
    };
    const palette = theme.lines;
    return {
      width: args.width,
      height: HEIGHT,
      padding: [8, 12, 0, 0],
      legend: { show: true, live: true },
      cursor: {
        drag: { x: false, y: false, setScale: false },
        points: { size: 7 }
      },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      scales: {
        x: {
          time: false,
          // A margin, so the first and last points are not cut in half.
          range: (_plot, min, max) => {
            const pad = max > min ? (max - min) * 0.03 : 1;
            return [min - pad, max + pad];
          }
        }
      },
      axes: [
        {
          ...axis,
          size: 28,
          // Steps are whole numbers: no ticks between them.
          incrs: INTEGER_STEPS,
          values: (_plot, splits) =>
            splits.map(v => (Number.isInteger(v) ? String(v) : ''))
        },
        {
          ...axis,
          size: 52,
          values: (_plot, splits) => splits.map(v => formatChartNumber(v))
        }
      ],
      series: [
        {
          label: args.stepLabel,
          value: (_plot, v) =>
            typeof v === 'number' && Number.isFinite(v) ? String(v) : '—'
        },
        ...names.map((name, i): uPlot.Series => {
          const colour = palette[i % palette.length];
          const empty = (args.counts[i] ?? 0) === 0;
          return {
            label: name,
            stroke: colour,
            width: 2,
            // A run's own points joined, across the steps only others have.
            spanGaps: true,
            dash: i >= palette.length ? [6, 4] : undefined,
            points: { size: 5, stroke: colour, fill: theme.background },
            value: (_plot, v) => (empty ? args.noPoints : formatChartNumber(v))
          };
        })
      ]
    };
  }
}
