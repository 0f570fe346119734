import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { IMetricDelta } from '../tracking/compare/baseline';
import { formatNumber, fullNumber } from '../util/format';

/**
 * One metric of one experiment in the comparison table: its value, marked
 * when it is the best of the row, and its change against the baseline
 * (absolute and relative, green when it goes the metric's good way).
 */
export function MetricCell(props: {
  value: number | null;
  /** The change against the baseline; null in the baseline's column. */
  delta: IMetricDelta | null;
  best: boolean;
  translator: ITranslator;
}): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { value, delta } = props;
  if (value === null) {
    return <td>—</td>;
  }
  const className = props.best
    ? 'jp-mlops-MetricCell jp-mod-best'
    : 'jp-mlops-MetricCell';
  return (
    <td className={className} title={fullNumber(value)}>
      <span className="jp-mlops-MetricCell-value">{formatNumber(value)}</span>
      {props.best && (
        <span className="jp-mlops-MetricCell-best">{trans.__('best')}</span>
      )}
      {delta !== null && delta.absolute !== null && (
        <span
          className={`jp-mlops-MetricCell-delta jp-mod-${delta.verdict ?? 'same'}`}
          title={
            delta.verdict === 'better'
              ? trans.__('Better than the baseline')
              : delta.verdict === 'worse'
                ? trans.__('Worse than the baseline')
                : trans.__('Same as the baseline')
          }
        >
          {Private.signed(delta.absolute)}
          {delta.relative !== null &&
            ` (${Private.signed(delta.relative * 100, 3)} %)`}
        </span>
      )}
    </td>
  );
}

namespace Private {
  /**
   * A change with its sign: `+0.05`, `-1.2`, `±0`.
   */
  export function signed(value: number, digits?: number): string {
    if (value === 0) {
      return '±0';
    }
    const text = formatNumber(Math.abs(value), digits);
    return value > 0 ? `+${text}` : `−${text}`;
  }
}
