import { ITranslator } from '@jupyterlab/translation';
import React, { useEffect, useState } from 'react';

import { showBidiControls, slot } from '../util/bidi';
import { Manifest } from '../tracking/store/manifest';
import { ExperimentDataFiles } from './ExperimentDataFiles';
import {
  ExperimentDetailHeader,
  IExperimentActions
} from './ExperimentDetailHeader';
import { ExperimentDetailMeta } from './ExperimentDetailMeta';
import type { IMlflowRun } from './MlflowRunLink';
import { SkippedParameters } from './SkippedParameters';
import { KeyValueTable } from './KeyValueTable';
import { UserMessage } from './UserMessage';

export type { IExperimentActions } from './ExperimentDetailHeader';

/**
 * Properties of the experiment detail view.
 */
export interface IExperimentDetailProps {
  manifest: Manifest;
  refName: string;
  busy: boolean;
  actions: IExperimentActions;
  /** Its MLflow run, when snapshots are mirrored there. */
  mlflow?: IMlflowRun;
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
  // One field at a time: saving one field must not put back the saved
  // value of another the user is typing in.
  const tagsKey = shownTags.join('\u0000');
  useEffect(() => setName(shownName), [shownName]);
  useEffect(() => setTags(shownTags.join(', ')), [tagsKey]);
  useEffect(() => setNote(shownNote), [shownNote]);

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
    if (value.join('\u0000') !== tagsKey) {
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
      <ExperimentDetailHeader
        name={name}
        onNameChange={value => setName(showBidiControls(value))}
        onNameSave={saveName}
        onNameReset={() => setName(shownName)}
        starred={user.starred}
        busy={busy}
        actions={actions}
        translator={props.translator}
      />
      <ExperimentDetailMeta
        manifest={manifest}
        refName={props.refName}
        mlflow={props.mlflow}
        translator={props.translator}
      />
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
      {manifest.skippedParameters && (
        <SkippedParameters
          skipped={manifest.skippedParameters}
          translator={props.translator}
        />
      )}
      <h3>{trans.__('Data')}</h3>
      <ExperimentDataFiles
        data={manifest.data}
        onRegister={actions.registerModel}
        translator={props.translator}
      />
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
          onChange={e => setTags(showBidiControls(e.currentTarget.value))}
          onBlur={saveTags}
          onKeyDown={event => {
            if (event.key === 'Enter') {
              event.currentTarget.blur();
            } else if (event.key === 'Escape') {
              setTags(shownTags.join(', '));
            }
          }}
        />
      </label>
      <label className="jp-mlops-Detail-field">
        {trans.__('Note')}
        <textarea
          className="jp-mod-styled"
          value={note}
          rows={4}
          maxLength={100_000}
          onChange={e => setNote(showBidiControls(e.currentTarget.value))}
          onBlur={() => note !== shownNote && actions.update({ note })}
        />
      </label>
    </div>
  );
}
