import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { showBidiControls } from '../util/bidi';

/**
 * The experiment the comparison's metrics are measured against.
 */
export function BaselinePicker(props: {
  names: readonly string[];
  baseline: number;
  onChange: (column: number) => void;
  translator: ITranslator;
}): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  return (
    <label className="jp-mlops-BaselinePicker">
      {trans.__('Baseline')}{' '}
      <select
        className="jp-mod-styled"
        value={props.baseline}
        onChange={event => props.onChange(Number(event.currentTarget.value))}
      >
        {props.names.map((name, column) => (
          // An <option> holds text only: names stay inert, with their bidi
          // controls shown as markers.
          <option key={column} value={column}>
            {showBidiControls(name)}
          </option>
        ))}
      </select>
    </label>
  );
}
