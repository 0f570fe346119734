import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { showBidiControls } from '../util/bidi';
import { fullNumber } from '../util/format';
import { ParameterValue } from '../notebook/parameters';
import { IExperimentRow } from '../tracking/list/row';
import { formatValue } from '../tracking/list/rows';
import { changedParameters } from '../tracking/list/tableRows';
import { UserText } from './UserText';

/**
 * Properties of a compact row's chips.
 */
export interface IExperimentChipsProps {
  row: IExperimentRow;
  /** The metrics to show, the key metric first. */
  metricKeys: readonly string[];
  /** The value most rows have of each parameter. */
  baseline: ReadonlyMap<string, ParameterValue | undefined>;
  translator: ITranslator;
}

/**
 * The chips under a name in the sidebar: the row's key metrics, then the
 * parameters it changed from what most runs used (`max_depth=7`), each
 * with its full value on hover. They wrap; they never widen the list.
 */
export function ExperimentChips(props: IExperimentChipsProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { row } = props;
  const metrics = props.metricKeys.filter(key =>
    Object.prototype.hasOwnProperty.call(row.metrics, key)
  );
  const changed = changedParameters(row, props.baseline);
  return (
    <span className="jp-mlops-ExperimentChips">
      {metrics.length > 0 && (
        <span className="jp-mlops-ExperimentTable-metrics">
          {metrics.map(key => (
            <span
              key={key}
              className="jp-mlops-Chip jp-mod-metric"
              title={showBidiControls(
                `${key} = ${fullNumber(row.metrics[key])}`
              )}
            >
              <UserText text={key} /> {formatValue(row.metrics[key])}
            </span>
          ))}
        </span>
      )}
      {changed.chips.map(([key, value]) => (
        <span
          key={key}
          className="jp-mlops-Chip jp-mod-parameter"
          title={trans.__(
            'Parameter %1 = %2 (most runs: %3)',
            showBidiControls(key),
            showBidiControls(String(row.parameters[key])),
            showBidiControls(formatValue(props.baseline.get(key)))
          )}
        >
          <UserText text={key} />=<UserText text={value} />
        </span>
      ))}
      {changed.more > 0 && (
        <span className="jp-mlops-Chip jp-mod-more">
          {trans.__('+%1', changed.more)}
        </span>
      )}
    </span>
  );
}
