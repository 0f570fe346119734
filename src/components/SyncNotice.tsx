import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { SyncState, syncSummary } from '../tracking/sync/storeSync';
import { UserText } from './UserText';

/**
 * What the last Sync did, or why it failed; a bar while it runs.
 */
export function SyncNotice(props: {
  state: SyncState;
  onSync: () => void;
  onDismiss: () => void;
  translator: ITranslator;
}): JSX.Element | null {
  const trans = props.translator.load('jupyterlab_mlops');
  const { state } = props;
  const close = (
    <button
      type="button"
      className="jp-mlops-LinkButton jp-mlops-Notice-close"
      aria-label={trans.__('Dismiss')}
      title={trans.__('Dismiss')}
      onClick={props.onDismiss}
    >
      ×
    </button>
  );
  switch (state.kind) {
    case 'idle':
      return null;
    case 'syncing':
      return (
        <div className="jp-mlops-Progress jp-mlops-SyncNotice" role="status">
          <progress aria-label={trans.__('Syncing with the remote')} />
          <span>{trans.__('Syncing with the remote…')}</span>
        </div>
      );
    case 'failed':
      return (
        <div
          className="jp-mlops-Notice jp-mod-error jp-mlops-SyncNotice"
          role="alert"
        >
          <span>
            <strong>{trans.__('Sync failed, nothing here was lost:')}</strong>{' '}
            <UserText text={state.error.message} />{' '}
            <code>{state.error.code}</code>
          </span>
          <button
            type="button"
            className="jp-mlops-LinkButton"
            onClick={props.onSync}
          >
            {trans.__('Retry')}
          </button>
          {close}
        </div>
      );
    case 'done': {
      const { summary, details } = syncSummary(state.result, trans);
      return (
        <div
          className={`jp-mlops-Notice jp-mlops-SyncNotice${details.length ? ' jp-mod-warning' : ''}`}
          role="status"
        >
          <span>
            <strong>{summary}</strong>{' '}
            <span className="jp-mlops-SyncNotice-remote">
              <UserText text={state.result.remote} />
            </span>
            {details.map(detail => (
              <span key={detail} className="jp-mlops-SyncNotice-detail">
                {detail}
              </span>
            ))}
          </span>
          {close}
        </div>
      );
    }
  }
}
