import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import type { OutboxEntry } from '../bridge/registry';
import type { RegistryModel } from '../registry/registryModel';
import { UserText } from './UserText';

/**
 * Where the Models panel's registrations go besides the local registry:
 * the server's MLflow (its address without credentials), what is still on
 * its way there, and what MLflow refused, each with Retry.
 */
export function OutboxNotice(props: {
  pushing: boolean;
  registry: RegistryModel;
  onRetry: (key: string) => void;
  translator: ITranslator;
}): JSX.Element | null {
  const trans = props.translator.load('jupyterlab_mlops');
  const { registry } = props;
  const pending = registry.outbox.filter(e => e.state === 'pending');
  const failed = registry.outbox.filter(e => e.state === 'failed');
  if (!props.pushing && registry.outbox.length === 0) {
    return null;
  }
  if (props.pushing && registry.loaded && registry.mlflow === null) {
    return (
      <div className="jp-mlops-Notice jp-mod-warning" role="alert">
        {trans.__(
          'The Models setting is "mlflow", but this Jupyter server has no MLflow URI: set c.MlopsExtension.mlflow_tracking_uri or MLFLOW_TRACKING_URI where the server starts.'
        )}{' '}
        <code>E_MLFLOW_UNCONFIGURED</code>
      </div>
    );
  }
  const done = registry.outbox.filter(e => e.state === 'done').length;
  return (
    <div className="jp-mlops-Models-outbox" aria-label={trans.__('MLflow')}>
      <p>
        {registry.mlflow
          ? trans.__(
              'MLflow %1 (experiment %2): %3 sent',
              registry.mlflow.uri,
              registry.mlflow.experiment,
              done
            )
          : trans.__('MLflow: %1 sent', done)}
        {pending.length > 0 && (
          <span role="status" className="jp-mlops-Models-outboxPending">
            {' · '}
            {trans.__('%1 on the way', pending.length)}
          </span>
        )}
      </p>
      {pending.slice(0, 1).map(entry => (
        <p key={entry.key} className="jp-mlops-Models-outboxNote">
          {describe(entry, trans)}
          {entry.lastError &&
            trans.__(
              ' (try %1 failed: %2; trying again)',
              entry.attempts,
              entry.lastError.code
            )}
        </p>
      ))}
      {failed.map(entry => (
        <div key={entry.key} className="jp-mlops-Notice jp-mod-error">
          {describe(entry, trans)} {trans.__('was refused by MLflow:')}{' '}
          <UserText text={entry.lastError?.message ?? ''} />{' '}
          <code>{entry.lastError?.code}</code>{' '}
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled"
            disabled={registry.busy !== null}
            onClick={() => props.onRetry(entry.key)}
          >
            {trans.__('Retry')}
          </button>
        </div>
      ))}
    </div>
  );
}

function describe(
  entry: OutboxEntry,
  trans: ReturnType<ITranslator['load']>
): string {
  if (entry.kind === 'snapshot') {
    return trans.__('snapshot %1', entry.key);
  }
  return entry.kind === 'version'
    ? trans.__('%1 v%2', entry.model, entry.version ?? '?')
    : trans.__(
        '%1: alias %2 → %3',
        entry.model,
        entry.alias ?? '',
        entry.version === null ? trans.__('removed') : `v${entry.version}`
      );
}

/** A version's MLflow state, for its row: "MLflow v3", "→ MLflow…", "MLflow: refused". */
export function MlflowBadge(props: {
  entry: OutboxEntry | null;
  translator: ITranslator;
}): JSX.Element | null {
  const trans = props.translator.load('jupyterlab_mlops');
  const { entry } = props;
  if (entry === null) {
    return null;
  }
  const text =
    entry.state === 'done'
      ? trans.__('MLflow v%1', entry.result?.version ?? '?')
      : entry.state === 'pending'
        ? trans.__('→ MLflow…')
        : trans.__('MLflow: refused');
  return (
    <span
      className={`jp-mlops-Models-mlflow jp-mod-${entry.state}`}
      title={entry.lastError?.message ?? ''}
    >
      {text}
    </span>
  );
}
