import React from 'react';

import { showBidiControls } from '../util/bidi';
import { FieldKey, ISort } from '../tracking/list/rows';
import { UserText } from './UserText';

/**
 * A sortable column header of the experiments table.
 */
export function ExperimentTableHeader(props: {
  field: FieldKey;
  label: string;
  title?: string;
  sort: ISort;
  onSort: (key: FieldKey) => void;
}): JSX.Element {
  const sorted = props.sort.key === props.field;
  return (
    <span
      role="columnheader"
      aria-sort={
        sorted ? (props.sort.descending ? 'descending' : 'ascending') : 'none'
      }
    >
      <button
        type="button"
        className="jp-mlops-ExperimentTable-sort"
        title={showBidiControls(props.title ?? props.label)}
        data-field={props.field}
        onClick={() => props.onSort(props.field)}
      >
        <UserText
          className="jp-mlops-ExperimentTable-sortLabel"
          text={props.label}
        />
        {sorted && (
          <span aria-hidden="true">{props.sort.descending ? '▾' : '▴'}</span>
        )}
      </button>
    </span>
  );
}
