import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { FieldKey, ISort } from '../tracking/list/rows';
import { ExperimentTableHeader } from './ExperimentTableHeader';

/**
 * Properties of the experiments table's header row.
 */
export interface IExperimentTableHeaderRowProps {
  /** The columns after the name, in order. */
  columns: readonly FieldKey[];
  sort: ISort;
  onSort: (key: FieldKey) => void;
  /** The grid's `style`: its columns, height and minimum width. */
  style: React.CSSProperties;
  translator: ITranslator;
}

/**
 * The sticky header row of the experiments table: select, star and name,
 * then the user's columns, each a button that sorts by it.
 */
export function ExperimentTableHeaderRow(
  props: IExperimentTableHeaderRowProps
): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  return (
    <div
      className="jp-mlops-ExperimentTable-header"
      role="row"
      aria-rowindex={1}
      style={props.style}
    >
      <span role="columnheader" aria-label={trans.__('Select')} />
      <ExperimentTableHeader
        field="starred"
        label="★"
        title={trans.__('Starred')}
        sort={props.sort}
        onSort={props.onSort}
      />
      <ExperimentTableHeader
        field="name"
        label={trans.__('Name')}
        sort={props.sort}
        onSort={props.onSort}
      />
      {props.columns.map(key => (
        <ExperimentTableHeader
          key={key}
          field={key}
          label={Private.columnLabel(key, trans)}
          sort={props.sort}
          onSort={props.onSort}
        />
      ))}
    </div>
  );
}

namespace Private {
  /**
   * A column's label: translated for the built-in fields, the key itself
   * for a parameter or metric.
   */
  export function columnLabel(key: FieldKey, trans: TranslationBundle): string {
    switch (key) {
      case 'created':
        return trans.__('Created');
      case 'name':
        return trans.__('Name');
      case 'starred':
        return trans.__('Starred');
      case 'tags':
        return trans.__('Tags');
      case 'notebook':
        return trans.__('Notebook');
      case 'author':
        return trans.__('Author');
    }
    return key.slice(key.indexOf(':') + 1);
  }
}
