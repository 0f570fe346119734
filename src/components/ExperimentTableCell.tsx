import React from 'react';

import { showBidiControls } from '../util/bidi';
import { IExperimentRow } from '../tracking/list/row';
import { FieldKey, fieldValue, formatValue } from '../tracking/list/rows';
import { shortDate } from '../tracking/list/tableRows';
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
        {row.createdAt ? shortDate(row.createdAt) : '—'}
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
