import { ITranslator } from '@jupyterlab/translation';
import React, { useEffect, useState } from 'react';

import type { MirrorState } from '../bridge/tracking';
import { toMlopsError } from '../errors';
import { UserText } from './UserText';

/**
 * How an experiment's detail reaches its MLflow run (setting `tracking:
 * mlflow`): where it stands, and sending it.
 */
export interface IMlflowRun {
  /** Where the snapshot stands on MLflow. */
  state(): Promise<MirrorState>;
  /** Queue it (again: the same entry), or send a failed one again. */
  send(retry: boolean): Promise<void>;
}

/** How often a pending snapshot is asked about again. */
const POLL_MS = 2000;

/**
 * The MLflow line of an experiment's detail: a link to its run once there,
 * "on its way" while queued, the refusal with Retry, or Send to MLflow.
 */
export function MlflowRunLink(props: {
  mlflow: IMlflowRun;
  translator: ITranslator;
}): JSX.Element | null {
  const trans = props.translator.load('jupyterlab_mlops');
  const [state, setState] = useState<MirrorState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const look = () =>
      props.mlflow.state().then(
        found => {
          if (stopped) {
            return;
          }
          setState(found);
          setError(null);
          if (found.state === 'pending') {
            timer = setTimeout(look, POLL_MS);
          }
        },
        reason => !stopped && setError(toMlopsError(reason).toString())
      );
    void look();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [props.mlflow, asked]);
  const send = (retry: boolean) =>
    props.mlflow.send(retry).then(
      () => setAsked(n => n + 1),
      reason => setError(toMlopsError(reason).toString())
    );
  if (error) {
    return (
      <span className="jp-mlops-MlflowRun jp-mod-error">
        <UserText text={error} />
      </span>
    );
  }
  switch (state?.state) {
    case undefined:
      return <span className="jp-mlops-MlflowRun">{trans.__('…')}</span>;
    case 'done':
      // The server builds the link from its configured http(s) URI.
      return state.runUrl && /^https?:\/\//i.test(state.runUrl) ? (
        <a
          className="jp-mlops-MlflowRun"
          href={state.runUrl}
          target="_blank"
          rel="noopener noreferrer"
        >
          {trans.__('Open the run in MLflow')}
        </a>
      ) : (
        <span className="jp-mlops-MlflowRun">{trans.__('sent')}</span>
      );
    case 'pending':
      return (
        <span className="jp-mlops-MlflowRun" role="status">
          {trans.__('on its way to MLflow…')}
        </span>
      );
    case 'failed':
      return (
        <span className="jp-mlops-MlflowRun jp-mod-error">
          {trans.__('not sent:')}{' '}
          <UserText text={state.lastError?.message ?? ''} />{' '}
          <code>{state.lastError?.code}</code>{' '}
          <button
            type="button"
            className="jp-mlops-LinkButton"
            onClick={() => void send(true)}
          >
            {trans.__('Retry')}
          </button>
        </span>
      );
    case 'none':
      return (
        <button
          type="button"
          className="jp-mlops-LinkButton jp-mlops-MlflowRun"
          onClick={() => void send(false)}
        >
          {trans.__('Send to MLflow')}
        </button>
      );
  }
}
