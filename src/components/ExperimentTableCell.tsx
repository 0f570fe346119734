import React from 'react';

import { showBidiControls } from '../util/bidi';
import { IExperimentRow } from '../tracking/list/row';
import { FieldKey, fieldValue, formatValue } from '../tracking/list/rows';
import { UserText } from './UserText';

/**
 * One user-chosen column of a row of the experiments table.
 */
export function ExperimentTableCell(props: {
  row: IExperimentRow;
  field: FieldKey;
}): JSX.Element {
  const { row, field } = props;
  if (field === 'created') {
    return (
      <span
        role="gridcell"
        className="jp-mlops-ExperimentTable-date"
        title={
          row.createdAt ? new Date(row.createdAt).toLocaleString() : undefined
        }
      >
        {row.createdAt ? Private.formatDate(row.createdAt) : '—'}
      </span>
    );
  }
  const text = formatValue(fieldValue(row, field));
  return (
    <span
      role="gridcell"
      className="jp-mlops-ExperimentTable-value"
      data-field={field}
      title={showBidiControls(text)}
    >
      <UserText text={text} />
    </span>
  );
}

namespace Private {
  /**
   * Time of day for today's experiments, the date for older ones: the
   * column stays narrow; the full time is in the cell's title.
   */
  export function formatDate(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) {
      return iso;
    }
    const today = new Date().toDateString() === date.toDateString();
    return today
      ? date.toLocaleTimeString(undefined, {
          hour: '2-digit',
          minute: '2-digit'
        })
      : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  }
}
