import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { showBidiControls, slot } from '../util/bidi';
import { Manifest } from '../tracking/store/manifest';
import { IMlflowRun, MlflowRunLink } from './MlflowRunLink';
import { UserMessage } from './UserMessage';
import { UserText } from './UserText';

/**
 * Where an experiment comes from: its notebook, time, ref, code commit and
 * the hash of its notebook's content.
 */
export function ExperimentDetailMeta(props: {
  manifest: Manifest;
  refName: string;
  /** Its MLflow run, when snapshots are mirrored there. */
  mlflow?: IMlflowRun;
  translator: ITranslator;
}): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { manifest } = props;
  return (
    <dl className="jp-mlops-Detail-meta">
      <dt>{trans.__('Notebook')}</dt>
      <dd>
        <UserText text={manifest.notebook.path} />
      </dd>
      <dt>{trans.__('Created')}</dt>
      <dd>{new Date(manifest.createdAt).toLocaleString()}</dd>
      {manifest.author && (
        <>
          <dt>{trans.__('Author')}</dt>
          <dd title={showBidiControls(manifest.author.username)}>
            <UserText text={manifest.author.name || manifest.author.username} />
          </dd>
        </>
      )}
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
              manifest.code.dirty ? trans.__(', with uncommitted changes') : ''
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
      {props.mlflow && (
        <>
          <dt>{trans.__('MLflow')}</dt>
          <dd>
            <MlflowRunLink
              mlflow={props.mlflow}
              translator={props.translator}
            />
          </dd>
        </>
      )}
      <dt>{trans.__('Content hash')}</dt>
      <dd>
        <code title={manifest.notebook.contentHash}>
          {manifest.notebook.contentHash.slice(0, 12)}
        </code>
      </dd>
    </dl>
  );
}
