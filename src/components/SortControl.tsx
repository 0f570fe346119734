import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { showBidiControls } from '../util/bidi';
import { defaultDescending, FieldKey, ISort } from '../tracking/list/rows';

/**
 * Properties of the sort control.
 */
export interface ISortControlProps {
  sort: ISort;
  onChange: (sort: ISort) => void;
  parameterKeys: readonly string[];
  metricKeys: readonly string[];
  translator: ITranslator;
}

/**
 * The sidebar's one sort control: a field (date, name, star, tags, any
 * metric or parameter) and a direction button. The table tab sorts from
 * its headers instead; both change the same order.
 */
export function SortControl(props: ISortControlProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { sort } = props;
  const fields: [FieldKey, string][] = [
    ['created', trans.__('Date')],
    ['name', trans.__('Name')],
    ['starred', trans.__('Starred')],
    ['tags', trans.__('Tags')],
    ...props.metricKeys.map(
      key =>
        [`metric:${key}`, trans.__('Metric: %1', showBidiControls(key))] as [
          FieldKey,
          string
        ]
    ),
    ...props.parameterKeys.map(
      key =>
        [`param:${key}`, trans.__('Parameter: %1', showBidiControls(key))] as [
          FieldKey,
          string
        ]
    )
  ];
  if (!fields.some(([key]) => key === sort.key)) {
    // Sorted by a field these rows lack (another notebook's metric).
    fields.push([
      sort.key,
      showBidiControls(sort.key.slice(sort.key.indexOf(':') + 1))
    ]);
  }
  return (
    <div className="jp-mlops-Toolbar jp-mlops-SortBar">
      <label className="jp-mlops-SortBar-label">
        {trans.__('Sort')}
        <select
          className="jp-mod-styled"
          aria-label={trans.__('Sort experiments')}
          value={sort.key}
          onChange={event => {
            const key = event.currentTarget.value as FieldKey;
            props.onChange({ key, descending: defaultDescending(key) });
          }}
        >
          {fields.map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="jp-mlops-Button jp-mod-styled jp-mlops-SortDirection"
        aria-label={
          sort.descending
            ? trans.__('Descending; sort ascending')
            : trans.__('Ascending; sort descending')
        }
        title={sort.descending ? trans.__('Descending') : trans.__('Ascending')}
        onClick={() =>
          props.onChange({ key: sort.key, descending: !sort.descending })
        }
      >
        {sort.descending ? '↓' : '↑'}
      </button>
    </div>
  );
}
