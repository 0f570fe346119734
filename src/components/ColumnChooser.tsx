import { ITranslator } from '@jupyterlab/translation';
import React, { useEffect, useRef } from 'react';

import { FieldKey } from '../tracking/list/rows';
import { UserText } from './UserText';

/**
 * Properties of the column chooser.
 */
export interface IColumnChooserProps {
  columns: readonly FieldKey[];
  parameterKeys: readonly string[];
  metricKeys: readonly string[];
  onChange: (columns: FieldKey[]) => void;
  translator: ITranslator;
}

/**
 * A drop-down of checkboxes: the date, tags, notebook, and every parameter
 * and metric found in the experiments. Chosen columns keep their order;
 * new ones go last. Escape or a click outside closes it.
 */
export function ColumnChooser(props: IColumnChooserProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const details = useRef<HTMLDetailsElement>(null);

  useEffect(() => {
    const close = (event: Event) => {
      const node = details.current;
      if (
        node?.open &&
        (event instanceof KeyboardEvent
          ? event.key === 'Escape'
          : !node.contains(event.target as Node))
      ) {
        node.open = false;
      }
    };
    document.addEventListener('mousedown', close, true);
    document.addEventListener('keydown', close, true);
    return () => {
      document.removeEventListener('mousedown', close, true);
      document.removeEventListener('keydown', close, true);
    };
  }, []);

  const toggle = (key: FieldKey, on: boolean) => {
    const rest = props.columns.filter(column => column !== key);
    props.onChange(on ? [...rest, key] : rest);
  };
  const option = (key: FieldKey, label: string) => (
    <label key={key} className="jp-mlops-ColumnChooser-option">
      <input
        type="checkbox"
        checked={props.columns.includes(key)}
        onChange={event => toggle(key, event.currentTarget.checked)}
      />
      <UserText text={label} />
    </label>
  );

  return (
    <details ref={details} className="jp-mlops-ColumnChooser">
      <summary
        className="jp-mlops-Button jp-mod-styled"
        title={trans.__('Choose the columns of the table')}
      >
        {trans.__('Columns')}
      </summary>
      <div
        className="jp-mlops-ColumnChooser-menu"
        role="group"
        aria-label={trans.__('Columns')}
      >
        {option('created', trans.__('Created'))}
        {option('tags', trans.__('Tags'))}
        {option('notebook', trans.__('Notebook'))}
        {option('author', trans.__('Author'))}
        {props.parameterKeys.length > 0 && (
          <div className="jp-mlops-ColumnChooser-heading">
            {trans.__('Parameters')}
          </div>
        )}
        {props.parameterKeys.map(key => option(`param:${key}`, key))}
        {props.metricKeys.length > 0 && (
          <div className="jp-mlops-ColumnChooser-heading">
            {trans.__('Metrics')}
          </div>
        )}
        {props.metricKeys.map(key => option(`metric:${key}`, key))}
        {props.columns.length > 0 && (
          <button
            type="button"
            className="jp-mlops-LinkButton"
            onClick={() => props.onChange([])}
          >
            {trans.__('Hide all columns')}
          </button>
        )}
      </div>
    </details>
  );
}
