import { ITranslator } from '@jupyterlab/translation';
import React, { useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';

import {
  IPlotChoices,
  IPlotExperiment,
  IScatterData,
  scatterData
} from '../tracking/compare/parameterPlots';
import { showBidiControls } from '../util/bidi';
import { formatChartNumber, IChartTheme } from './chartTheme';
import { axisStyle, IUPlotChart, STILL_CURSOR, useUPlot } from './useUPlot';

/**
 * Properties of the parameter scatter.
 */
export interface IParameterScatterProps {
  experiments: readonly IPlotExperiment[];
  /** The names to pick from and the first pair shown. */
  choices: IPlotChoices;
  translator: ITranslator;
}

/**
 * A scatter of a parameter (x) against a metric (y), both picked from
 * selects: a point per experiment, drawn by uPlot as a points-only series
 * named after the experiment (the legend gives its values where the
 * cursor is). A parameter with a value that is not a number (a string, a
 * boolean, None) is drawn on categorical positions, its sorted values as
 * the axis labels. Names reach uPlot only as canvas or legend text.
 */
export function ParameterScatter(props: IParameterScatterProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { choices, experiments } = props;
  const [parameter, setParameter] = useState(choices.parameter ?? '');
  const [metric, setMetric] = useState(choices.metric ?? '');
  const data = useMemo(
    () => scatterData(experiments, parameter, metric),
    [experiments, parameter, metric]
  );
  const host = useRef<HTMLDivElement>(null);
  useUPlot(host, (theme, width) => Private.chart(data, theme, width), [
    data,
    data.points.map(p => p.name).join('\u0000')
  ]);

  const summary = data.points
    .map(
      p =>
        `${showBidiControls(p.name)}: ${showBidiControls(p.label)}, ${formatChartNumber(p.y)}`
    )
    .join('; ');
  const select = (
    label: string,
    value: string,
    names: string[],
    onChange: (name: string) => void
  ) => (
    <label>
      {label}{' '}
      <select
        className="jp-mod-styled"
        value={value}
        onChange={event => onChange(event.currentTarget.value)}
      >
        {names.map(name => (
          <option key={name} value={name}>
            {showBidiControls(name)}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <figure className="jp-mlops-ParameterScatter">
      <div className="jp-mlops-ParameterPlots-pickers">
        {select(
          trans.__('Parameter (x)'),
          parameter,
          choices.parameters,
          setParameter
        )}
        {select(trans.__('Metric (y)'), metric, choices.metrics, setMetric)}
      </div>
      <div
        ref={host}
        className="jp-mlops-ParameterPlots-plot"
        role="img"
        aria-label={trans.__(
          '%1 by %2: %3',
          showBidiControls(metric),
          showBidiControls(parameter),
          summary
        )}
      />
      {(data.omitted > 0 || data.categories !== null) && (
        <figcaption className="jp-mlops-ParameterPlots-note">
          {data.categories !== null &&
            trans.__(
              'Not every value of this parameter is a number: its values are placed in sorted order. '
            )}
          {data.omitted > 0 &&
            trans._n(
              '%1 experiment has no value of this parameter or metric and is left out.',
              '%1 experiments have no value of this parameter or metric and are left out.',
              data.omitted
            )}
        </figcaption>
      )}
    </figure>
  );
}

namespace Private {
  export const HEIGHT = 240;

  /**
   * Tick spacings of whole-number axes: 1, 2, 5, 10, 20, 50 … up to 5e15.
   */
  const INTEGER_STEPS = Array.from({ length: 16 }, (_, e) =>
    [1, 2, 5].map(m => m * 10 ** e)
  ).flat();

  /**
   * Canvas text of an axis label: bidi controls shown, cut to `max` characters.
   */
  export function cut(text: string, max: number): string {
    const shown = showBidiControls(text);
    return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
  }

  /**
   * A scale's range with a margin, so no point sits on the frame.
   */
  function padded(min: number, max: number): uPlot.Range.MinMax {
    const pad = max > min ? (max - min) * 0.08 : Math.abs(min) * 0.1 || 1;
    return [min - pad, max + pad];
  }

  export function chart(
    data: IScatterData,
    theme: IChartTheme,
    width: number
  ): IUPlotChart {
    const { categories, points } = data;
    const xs = [...new Set(points.map(p => p.x))];
    // One series per experiment (legend in the experiments' order), each
    // with its one point at its x.
    const byRun = [...points].sort((a, b) => a.index - b.index);
    const palette = theme.lines;
    const perLabel = categories
      ? Math.max(4, Math.floor(width / Math.max(1, categories.length) / 7))
      : 24;
    const options: IUPlotChart['options'] = {
      height: HEIGHT,
      padding: [8, 16, 0, 0],
      legend: { show: true, live: true },
      ...STILL_CURSOR,
      scales: {
        x: {
          time: false,
          range: categories
            ? () => [-0.5, Math.max(0.5, categories.length - 0.5)]
            : (_u, min, max) => padded(min, max)
        },
        y: { range: (_u, min, max) => padded(min, max) }
      },
      axes: [
        {
          ...axisStyle(theme),
          label: cut(data.parameter, 60),
          labelFont: theme.font,
          labelSize: 20,
          size: 30,
          // Whole numbers (depths, counts) get whole ticks only.
          incrs:
            categories || xs.every(Number.isInteger)
              ? INTEGER_STEPS
              : undefined,
          values: (_u, splits) =>
            splits.map(v =>
              categories
                ? Number.isInteger(v) && v >= 0 && v < categories.length
                  ? cut(categories[v], perLabel)
                  : ''
                : formatChartNumber(v)
            )
        },
        {
          ...axisStyle(theme),
          label: cut(data.metric, 40),
          labelFont: theme.font,
          labelSize: 20,
          size: 52,
          values: (_u, splits) => splits.map(v => formatChartNumber(v))
        }
      ],
      series: [
        {
          label: showBidiControls(data.parameter),
          value: (_u, v) =>
            typeof v !== 'number'
              ? '—'
              : categories
                ? showBidiControls(categories[v] ?? '—')
                : formatChartNumber(v)
        },
        ...byRun.map((p, i): uPlot.Series => {
          const colour = palette[i % palette.length];
          return {
            label: showBidiControls(p.name),
            stroke: colour,
            fill: colour,
            paths: () => null,
            points: { show: true, size: 9, stroke: colour, fill: colour },
            value: (_u, v) => formatChartNumber(v)
          };
        })
      ]
    };
    const sortedXs = xs.sort((a, b) => a - b);
    return {
      options,
      data: [
        sortedXs,
        ...byRun.map(p => sortedXs.map(x => (x === p.x ? p.y : null)))
      ]
    };
  }
}
