import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import type { ModelVersion, OutboxEntry } from '../bridge/registry';
import { lineageGaps } from '../registry/lineage';
import { MlflowBadge } from './OutboxNotice';
import { UserText } from './UserText';

/**
 * One version of the Models panel's shown model: its number, aliases,
 * state, actions (Set alias…, Deploy…, KServe…, Approve), who made it and
 * when, its flavors and MLflow state, and its lineage with links to its
 * experiment and to the comparison with the production version's.
 */
export function VersionRow(props: {
  version: ModelVersion;
  aliases: string[];
  onSetAlias: () => void;
  onKserve: () => void;
  onDeploy: () => void;
  onApprove: (() => void) | null;
  onShowExperiment: (ref: string) => void;
  /** The experiment ref of the `production` version (null: none, or no lineage). */
  production: string | null;
  onCompare: (baseline: string, ref: string) => void;
  mlflow: OutboxEntry | null;
  disabled: boolean;
  /** An experiment's name now (null: unknown, deleted); its id is shown until then. */
  experimentName?: (ref: string) => Promise<string | null>;
  translator: ITranslator;
}): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { version } = props;
  const lineage = version.lineage ?? null;
  const experimentRef = lineage?.experiment?.ref ?? null;
  const name = useExperimentName(experimentRef, props.experimentName);
  const gaps = lineageGaps(lineage);
  const metrics = Object.entries(lineage?.metrics ?? {}).slice(0, 4);
  return (
    <li
      className="jp-mlops-Models-version"
      aria-label={trans.__('Version %1', version.version)}
    >
      <div className="jp-mlops-Models-versionHead">
        <strong>v{version.version}</strong>
        {props.aliases.map(alias => (
          <span key={alias} className="jp-mlops-Models-alias">
            <UserText text={alias} />
          </span>
        ))}
        {version.state === 'corrupt' ? (
          <span
            className="jp-mlops-Models-corrupt"
            title={version.problem ?? ''}
          >
            {trans.__('corrupt: %1', version.problem ?? '')}
          </span>
        ) : gaps.length > 0 ? (
          <span className="jp-mlops-Models-noLineage" title={gaps.join(', ')}>
            {lineage ? trans.__('lineage incomplete') : trans.__('no lineage')}
          </span>
        ) : null}
        <span className="jp-mlops-Models-versionActions">
          {(
            [
              [trans.__('Set alias…'), props.onSetAlias],
              [trans.__('Deploy…'), props.onDeploy],
              [trans.__('KServe…'), props.onKserve],
              [trans.__('Approve'), props.onApprove]
            ] as const
          ).map(([label, onClick]) =>
            onClick ? (
              <button
                key={label}
                type="button"
                className="jp-mlops-LinkButton"
                disabled={props.disabled || version.state !== 'ok'}
                onClick={onClick}
              >
                {label}
              </button>
            ) : null
          )}
        </span>
      </div>
      <div className="jp-mlops-Models-meta">
        {version.createdBy && <UserText text={version.createdBy.name} />}
        {version.createdAt && (
          <span> · {version.createdAt.slice(0, 16).replace('T', ' ')}</span>
        )}
        {version.flavors && <span> · {version.flavors.join(', ')}</span>}
        {props.mlflow && (
          <>
            {' · '}
            <MlflowBadge entry={props.mlflow} translator={props.translator} />
          </>
        )}
      </div>
      {lineage?.experiment && (
        <div className="jp-mlops-Models-lineage">
          {trans.__('from experiment')}{' '}
          <button
            type="button"
            className="jp-mlops-LinkButton"
            title={lineage.experiment.ref}
            onClick={() =>
              props.onShowExperiment(lineage.experiment?.ref ?? '')
            }
          >
            {name !== null ? (
              <UserText text={name} />
            ) : (
              <code>{lineage.experiment.id.slice(-8)}</code>
            )}
          </button>
          {lineage.pipelineRun && (
            <span title={lineage.pipelineRun}>
              {' · '}
              {trans.__('pipeline run %1', lineage.pipelineRun.slice(-8))}
            </span>
          )}
          {props.production && props.production !== lineage.experiment.ref && (
            <>
              {' · '}
              <button
                type="button"
                className="jp-mlops-LinkButton"
                title={trans.__(
                  'Compare this version’s experiment with the production version’s'
                )}
                onClick={() =>
                  props.onCompare(
                    props.production ?? '',
                    lineage.experiment?.ref ?? ''
                  )
                }
              >
                {trans.__('vs production')}
              </button>
            </>
          )}
          {metrics.map(([name, value]) => (
            <span key={name} className="jp-mlops-Models-metric">
              <UserText text={name} /> {Number(value).toPrecision(4)}
            </span>
          ))}
        </div>
      )}
    </li>
  );
}

/**
 * The current name of experiment `ref`, once `lookup` has found it (a
 * rename shows on the next look; null meanwhile, or when it is gone).
 */
function useExperimentName(
  ref: string | null,
  lookup: ((ref: string) => Promise<string | null>) | undefined
): string | null {
  const [found, setFound] = React.useState<{ ref: string; name: string }>();
  React.useEffect(() => {
    if (ref === null || lookup === undefined) {
      return;
    }
    let live = true;
    lookup(ref)
      .then(name => {
        if (live && name !== null) {
          setFound({ ref, name });
        }
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [ref, lookup]);
  return found !== undefined && found.ref === ref ? found.name : null;
}
