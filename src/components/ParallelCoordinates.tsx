import { ITranslator } from '@jupyterlab/translation';
import React, { useRef } from 'react';
import uPlot from 'uplot';

import { IParallelData } from '../tracking/compare/parameterPlots';
import { showBidiControls } from '../util/bidi';
import { formatChartNumber, IChartTheme } from './chartTheme';
import { axisStyle, IUPlotChart, STILL_CURSOR, useUPlot } from './useUPlot';
import { UserText } from './UserText';

/**
 * Properties of the parallel coordinates.
 */
export interface IParallelCoordinatesProps {
  data: IParallelData;
  translator: ITranslator;
}

/**
 * Parallel coordinates drawn by uPlot: an x position per axis (a numeric
 * parameter or metric that differs), a line per experiment through its
 * values scaled to 0..1 on each axis, named in the legend. The real
 * minimum and maximum of every axis are in a caption row under the chart
 * (HTML text), so the scaling can be read.
 */
export function ParallelCoordinates(
  props: IParallelCoordinatesProps
): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { data } = props;
  const host = useRef<HTMLDivElement>(null);
  const lowLabel = trans.__('min');
  const highLabel = trans.__('max');
  const axisLabel = trans.__('Axis');
  useUPlot(
    host,
    (theme, width) => Private.chart(data, axisLabel, theme, width),
    [axisLabel, JSON.stringify(data)]
  );
  const summary = data.axes
    .map(
      axis =>
        `${showBidiControls(axis.key)} ${formatChartNumber(axis.min)}–${formatChartNumber(axis.max)}`
    )
    .join(', ');
  return (
    <figure className="jp-mlops-ParallelCoordinates">
      <div
        ref={host}
        className="jp-mlops-ParameterPlots-plot"
        role="img"
        aria-label={trans.__(
          'Parallel coordinates of %1 experiments over %2',
          data.lines.length,
          summary
        )}
      />
      <table className="jp-mlops-ParallelCoordinates-ranges">
        <thead>
          <tr>
            <th scope="row">{axisLabel}</th>
            {data.axes.map(axis => (
              <th key={`${axis.kind}:${axis.key}`} scope="col">
                <UserText text={axis.key} />
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(['min', 'max'] as const).map(end => (
            <tr key={end}>
              <th scope="row">{end === 'min' ? lowLabel : highLabel}</th>
              {data.axes.map(axis => (
                <td key={`${axis.kind}:${axis.key}`}>
                  {formatChartNumber(axis[end])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {data.omittedAxes > 0 && (
        <figcaption className="jp-mlops-ParameterPlots-note">
          {trans._n(
            '%1 more axis is not drawn (at most %2).',
            '%1 more axes are not drawn (at most %2).',
            data.omittedAxes,
            data.axes.length
          )}
        </figcaption>
      )}
    </figure>
  );
}

namespace Private {
  export const HEIGHT = 240;

  export function chart(
    data: IParallelData,
    axisLabel: string,
    theme: IChartTheme,
    width: number
  ): IUPlotChart {
    const { axes } = data;
    const palette = theme.lines;
    // Characters that fit under one axis at about 7 px each.
    const room = Math.max(4, Math.floor(width / Math.max(1, axes.length) / 7));
    const cut = (text: string) => {
      const shown = showBidiControls(text);
      return shown.length > room ? `${shown.slice(0, room - 1)}…` : shown;
    };
    const options: IUPlotChart['options'] = {
      height: HEIGHT,
      padding: [8, 12, 0, 0],
      legend: { show: true, live: true },
      ...STILL_CURSOR,
      scales: {
        x: {
          time: false,
          // Half an axis of margin each side, for the first and last names.
          range: () => [-0.5, Math.max(1, axes.length - 1) + 0.5]
        },
        y: { range: () => [-0.04, 1.04] }
      },
      axes: [
        {
          ...axisStyle(theme),
          size: 30,
          incrs: [1],
          values: (_u, splits) =>
            splits.map(v =>
              Number.isInteger(v) && v >= 0 && v < axes.length
                ? cut(axes[v].key)
                : ''
            )
        },
        {
          ...axisStyle(theme),
          size: 36,
          splits: () => [0, 0.5, 1],
          values: (_u, splits) => splits.map(v => String(v))
        }
      ],
      series: [
        {
          label: axisLabel,
          value: (_u, v) =>
            typeof v === 'number' && axes[v] !== undefined
              ? showBidiControls(axes[v].key)
              : '—'
        },
        ...data.lines.map((line, i): uPlot.Series => {
          const colour = palette[i % palette.length];
          return {
            label: showBidiControls(line.name),
            stroke: colour,
            width: 2,
            dash: i >= palette.length ? [6, 4] : undefined,
            points: { size: 6, stroke: colour, fill: theme.background },
            // The real value where the cursor is, not the scaled one.
            value: (_u, v, _s, idx) => {
              const axis = idx === null ? undefined : axes[idx];
              return typeof v === 'number' && axis
                ? formatChartNumber(axis.min + v * (axis.max - axis.min))
                : '—';
            }
          };
        })
      ]
    };
    return {
      options,
      data: [axes.map((_, i) => i), ...data.lines.map(line => line.values)]
    };
  }
}
