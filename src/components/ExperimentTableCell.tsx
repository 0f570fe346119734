import React from 'react';

import { showBidiControls } from '../util/bidi';
import { formatFullDate, formatRelativeTime, fullNumber } from '../util/format';
import { IExperimentRow } from '../tracking/list/row';
import { FieldKey, fieldValue, formatValue } from '../tracking/list/rows';
import { UserText } from './UserText';

/**
 * One user-chosen column of a row of the experiments table: dates
 * relative to now, numbers to four significant digits, each with its
 * full value on hover.
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
        title={row.createdAt ? formatFullDate(row.createdAt) : undefined}
      >
        {row.createdAt ? formatRelativeTime(row.createdAt) : '—'}
      </span>
    );
  }
  const value = fieldValue(row, field);
  const text = formatValue(value);
  return (
    <span
      role="gridcell"
      className="jp-mlops-ExperimentTable-value"
      data-field={field}
      title={showBidiControls(
        typeof value === 'number' ? fullNumber(value) : text
      )}
    >
      <UserText text={text} />
    </span>
  );
}
