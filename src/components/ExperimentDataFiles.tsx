import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { MODEL_FILE } from '../notebook/dataPaths';
import { formatBytes } from '../util/format';
import { Manifest } from '../tracking/store/manifest';
import { UserText } from './UserText';

/**
 * The data files an experiment read: path, size, hash, and whether the
 * experiment keeps a copy or only the hash.
 */
export function ExperimentDataFiles(props: {
  data: Manifest['data'];
  /** Register a model file (pickle, joblib) as a model version. */
  onRegister?: (path: string) => void;
  translator: ITranslator;
}): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  if (props.data.length === 0) {
    return (
      <p className="jp-mlops-Detail-empty">
        {trans.__(
          'No data files: the code reads none, or none of them existed yet.'
        )}
      </p>
    );
  }
  return (
    <table className="jp-mlops-Detail-table">
      <thead>
        <tr>
          <th>{trans.__('Path')}</th>
          <th>{trans.__('Size')}</th>
          <th>SHA-256</th>
          <th>{trans.__('Kept')}</th>
        </tr>
      </thead>
      <tbody>
        {props.data.map(entry => (
          <tr key={entry.path}>
            <td>
              <UserText text={entry.path} />
            </td>
            <td title={String(entry.size)}>{formatBytes(entry.size)}</td>
            <td>
              <code title={entry.sha256}>{entry.sha256.slice(0, 12)}</code>
            </td>
            <td>
              {entry.stored ? trans.__('in experiment') : trans.__('hash only')}
              {props.onRegister &&
                entry.kind === 'file' &&
                MODEL_FILE.test(entry.path) && (
                  <>
                    {' · '}
                    <button
                      type="button"
                      className="jp-mlops-LinkButton"
                      title={trans.__(
                        'Register this model file as a version in the Models panel'
                      )}
                      onClick={() => props.onRegister?.(entry.path)}
                    >
                      {trans.__('Register…')}
                    </button>
                  </>
                )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
