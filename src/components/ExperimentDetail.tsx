import { ITranslator } from '@jupyterlab/translation';
import React, { useEffect, useState } from 'react';

import { showBidiControls, slot } from '../util/bidi';
import { Manifest } from '../tracking/store/manifest';
import { KeyValueTable } from './KeyValueTable';
import { UserMessage } from './UserMessage';
import { UserText } from './UserText';

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
 * parameters, metrics, data, environment and health. Text only; user
 * strings are isolated and their bidi controls shown as markers, in the
 * fields too (a field cannot isolate, so it holds the markers: an edited
 * field saves them, never the controls).
 */
export function ExperimentDetail(props: IExperimentDetailProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { manifest, actions, busy } = props;
  const { user, health } = manifest;
  const shownName = showBidiControls(user.name);
  const shownTags = user.tags.map(showBidiControls);
  const shownNote = showBidiControls(user.note);
  const [name, setName] = useState(shownName);
  const [tags, setTags] = useState(shownTags.join(', '));
  const [note, setNote] = useState(shownNote);
  useEffect(() => {
    setName(shownName);
    setTags(shownTags.join(', '));
    setNote(shownNote);
  }, [shownName, shownTags.join('\u0000'), shownNote]);

  const saveName = () => {
    const value = name.trim();
    if (value !== '' && value !== shownName) {
      actions.update({ name: value.slice(0, 200) });
    } else {
      setName(shownName);
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
    if (value.join('\u0000') !== shownTags.join('\u0000')) {
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
          onChange={event =>
            setName(showBidiControls(event.currentTarget.value))
          }
          onBlur={saveName}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              event.currentTarget.blur();
            } else if (event.key === 'Escape') {
              setName(shownName);
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
        <dd>
          <UserText text={manifest.notebook.path} />
        </dd>
        <dt>{trans.__('Created')}</dt>
        <dd>{new Date(manifest.createdAt).toLocaleString()}</dd>
        <dt>{trans.__('Ref')}</dt>
        <dd>
          <code>{props.refName}</code>
        </dd>
        <dt>{trans.__('Code')}</dt>
        <dd>
          {manifest.code?.commit ? (
            <UserMessage
              template={trans.__(
                '%1 on %2%3',
                slot(0),
                slot(1),
                manifest.code.dirty
                  ? trans.__(', with uncommitted changes')
                  : ''
              )}
              values={[
                manifest.code.commit.slice(0, 12),
                manifest.code.branch ?? trans.__('a detached HEAD')
              ]}
            />
          ) : (
            trans.__('not in a git repository')
          )}
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
                <td>
                  <UserText text={entry.path} />
                </td>
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
        {manifest.environment.python === null ? (
          <UserMessage
            template={trans.__(
              'Not captured: no kernel answered (kernel %1).',
              slot(0)
            )}
            values={[manifest.notebook.kernelName ?? '?']}
          />
        ) : (
          <UserMessage
            template={trans.__(
              'Python %1 on %2, kernel %3, %4 packages',
              slot(0),
              slot(1),
              slot(2),
              Object.keys(manifest.environment.packages).length
            )}
            values={[
              manifest.environment.python,
              manifest.environment.platform ?? '?',
              manifest.notebook.kernelName ?? '?'
            ]}
          />
        )}
      </p>
      <label className="jp-mlops-Detail-field">
        {trans.__('Tags (comma separated)')}
        <input
          className="jp-mod-styled"
          value={tags}
          disabled={busy}
          onChange={e => setTags(showBidiControls(e.currentTarget.value))}
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
          onChange={e => setNote(showBidiControls(e.currentTarget.value))}
          onBlur={() => note !== shownNote && actions.update({ note })}
        />
      </label>
    </div>
  );
}
