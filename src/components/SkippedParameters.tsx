import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import type { SkipReason } from '../notebook/parameters';
import { Manifest } from '../tracking/store/manifest';
import { UserText } from './UserText';

/**
 * The lines of the parameters cells that the snapshot did not read as
 * parameters, each with its place and why: nothing is dropped silently.
 */
export function SkippedParameters(props: {
  skipped: NonNullable<Manifest['skippedParameters']>;
  translator: ITranslator;
}): JSX.Element | null {
  const trans = props.translator.load('jupyterlab_mlops');
  if (props.skipped.length === 0) {
    return null;
  }
  const reasons: Record<SkipReason, string> = {
    'not-an-assignment': trans.__('not an assignment'),
    'not-a-literal': trans.__('the value is not a literal'),
    'multi-line': trans.__('part of a statement over several lines'),
    'no-value': trans.__('an annotation without a value')
  };
  return (
    <details className="jp-mlops-SkippedParameters">
      <summary>
        {trans._n(
          '%1 line of the parameters cells was not read as a parameter',
          '%1 lines of the parameters cells were not read as parameters',
          props.skipped.length
        )}
      </summary>
      <table className="jp-mlops-Detail-table">
        <thead>
          <tr>
            <th>{trans.__('Cell')}</th>
            <th>{trans.__('Line')}</th>
            <th>{trans.__('Text')}</th>
            <th>{trans.__('Why')}</th>
          </tr>
        </thead>
        <tbody>
          {props.skipped.map((entry, i) => (
            <tr key={i}>
              {/* Cells and lines counted from 1, as people count them. */}
              <td>{entry.cell + 1}</td>
              <td>{entry.line}</td>
              <td>
                <code>
                  <UserText text={entry.text} />
                </code>
              </td>
              <td>{reasons[entry.reason]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
