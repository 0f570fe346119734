import { ITranslator } from '@jupyterlab/translation';
import React, { useEffect, useState } from 'react';

import { Manifest } from '../tracking/manifest';
import { KeyValueTable } from './KeyValueTable';

/**
 * What the detail view can ask its host to do.
 */
export interface IExperimentActions {
  update: (change: Partial<Manifest['user']>) => void;
  restore: () => void;
  /** Open the stored notebook in JupyterLab's viewer, read-only. */
  openReadOnly: () => void;
  remove: () => void;
}

/**
 * Properties of the experiment detail view.
 */
export interface IExperimentDetailProps {
  manifest: Manifest;
  refName: string;
  busy: boolean;
  actions: IExperimentActions;
  translator: ITranslator;
}

/**
 * One experiment in the main area: editable name, tags and note, then its
 * parameters, metrics, data, environment and health. Text only.
 */
export function ExperimentDetail(props: IExperimentDetailProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { manifest, actions, busy } = props;
  const { user, health } = manifest;
  const [name, setName] = useState(user.name);
  const [tags, setTags] = useState(user.tags.join(', '));
  const [note, setNote] = useState(user.note);
  useEffect(() => {
    setName(user.name);
    setTags(user.tags.join(', '));
    setNote(user.note);
  }, [user.name, user.tags.join('\u0000'), user.note]);

  const saveName = () => {
    const value = name.trim();
    if (value !== '' && value !== user.name) {
      actions.update({ name: value.slice(0, 200) });
    } else {
      setName(user.name);
    }
  };
  const saveTags = () => {
    const value = [
      ...new Set(
        tags
          .split(',')
          .map(t => t.trim())
          .filter(t => t !== '')
      )
    ];
    if (value.join('\u0000') !== user.tags.join('\u0000')) {
      actions.update({ tags: value.map(t => t.slice(0, 100)).slice(0, 100) });
    }
  };
  const warnings = [
    health.kernel === 'none' &&
      trans.__(
        'No kernel was running: parameters are static values, live metrics are missing.'
      ),
    (health.kernel === 'busy' || health.kernel === 'dead') &&
      trans.__(
        'The kernel was %1 and did not answer: parameters are static values, live metrics are missing.',
        health.kernel
      ),
    health.outOfOrder && trans.__('Cells ran out of order.'),
    health.neverRun.length > 0 &&
      trans.__(
        'Cells never run: %1',
        health.neverRun.map(i => i + 1).join(', ')
      ),
    health.editedAfterRun.length > 0 &&
      trans.__(
        'Cells edited after they ran: %1',
        health.editedAfterRun.map(i => i + 1).join(', ')
      )
  ].filter((w): w is string => typeof w === 'string');

  return (
    <div className="jp-mlops-Detail" aria-busy={busy}>
      <header className="jp-mlops-Detail-header">
        <input
          className="jp-mlops-Detail-name jp-mod-styled"
          aria-label={trans.__('Experiment name')}
          value={name}
          maxLength={200}
          disabled={busy}
          onChange={event => setName(event.currentTarget.value)}
          onBlur={saveName}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              event.currentTarget.blur();
            } else if (event.key === 'Escape') {
              setName(user.name);
            }
          }}
        />
        <button
          type="button"
          className="jp-mlops-StarButton"
          aria-pressed={user.starred}
          aria-label={user.starred ? trans.__('Unstar') : trans.__('Star')}
          disabled={busy}
          onClick={() => actions.update({ starred: !user.starred })}
        >
          {user.starred ? '★' : '☆'}
        </button>
        <span className="jp-mlops-Detail-spacer" />
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled"
          disabled={busy}
          title={trans.__(
            'Open the notebook as this experiment saved it, read-only (not the workspace file)'
          )}
          onClick={actions.openReadOnly}
        >
          {trans.__('Open notebook (read-only)')}
        </button>
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled jp-mod-accept"
          disabled={busy}
          onClick={actions.restore}
        >
          {trans.__('Restore as new notebook')}
        </button>
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled jp-mod-warn"
          disabled={busy}
          onClick={actions.remove}
        >
          {trans.__('Delete')}
        </button>
      </header>
      <dl className="jp-mlops-Detail-meta">
        <dt>{trans.__('Notebook')}</dt>
        <dd>{manifest.notebook.path}</dd>
        <dt>{trans.__('Created')}</dt>
        <dd>{new Date(manifest.createdAt).toLocaleString()}</dd>
        <dt>{trans.__('Ref')}</dt>
        <dd>
          <code>{props.refName}</code>
        </dd>
        <dt>{trans.__('Code')}</dt>
        <dd>
          {manifest.code?.commit
            ? trans.__(
                '%1 on %2%3',
                manifest.code.commit.slice(0, 12),
                manifest.code.branch ?? trans.__('a detached HEAD'),
                manifest.code.dirty
                  ? trans.__(', with uncommitted changes')
                  : ''
              )
            : trans.__('not in a git repository')}
        </dd>
        <dt>{trans.__('Content hash')}</dt>
        <dd>
          <code title={manifest.notebook.contentHash}>
            {manifest.notebook.contentHash.slice(0, 12)}
          </code>
        </dd>
      </dl>
      {warnings.map(warning => (
        <div
          key={warning}
          className="jp-mlops-Notice jp-mod-warning"
          role="note"
        >
          {warning}
        </div>
      ))}
      <section className="jp-mlops-Detail-columns">
        <KeyValueTable
          title={trans.__('Parameters')}
          values={manifest.parameters}
          empty={trans.__('No parameters')}
        />
        <KeyValueTable
          title={trans.__('Metrics')}
          values={manifest.metrics}
          empty={trans.__('No metrics')}
        />
      </section>
      <h3>{trans.__('Data')}</h3>
      {manifest.data.length === 0 ? (
        <p className="jp-mlops-Detail-empty">
          {trans.__(
            'No data files: the code reads none, or none of them existed yet.'
          )}
        </p>
      ) : (
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
            {manifest.data.map(entry => (
              <tr key={entry.path}>
                <td>{entry.path}</td>
                <td>{entry.size.toLocaleString()}</td>
                <td>
                  <code title={entry.sha256}>{entry.sha256.slice(0, 12)}</code>
                </td>
                <td>
                  {entry.stored
                    ? trans.__('in experiment')
                    : trans.__('hash only')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{trans.__('Environment')}</h3>
      <p>
        {manifest.environment.python === null
          ? trans.__(
              'Not captured: no kernel answered (kernel %1).',
              manifest.notebook.kernelName ?? '?'
            )
          : trans.__(
              'Python %1 on %2, kernel %3, %4 packages',
              manifest.environment.python,
              manifest.environment.platform ?? '?',
              manifest.notebook.kernelName ?? '?',
              Object.keys(manifest.environment.packages).length
            )}
      </p>
      <label className="jp-mlops-Detail-field">
        {trans.__('Tags (comma separated)')}
        <input
          className="jp-mod-styled"
          value={tags}
          disabled={busy}
          onChange={e => setTags(e.currentTarget.value)}
          onBlur={saveTags}
        />
      </label>
      <label className="jp-mlops-Detail-field">
        {trans.__('Note')}
        <textarea
          className="jp-mod-styled"
          value={note}
          rows={4}
          maxLength={100_000}
          disabled={busy}
          onChange={e => setNote(e.currentTarget.value)}
          onBlur={() => note !== user.note && actions.update({ note })}
        />
      </label>
    </div>
  );
}
