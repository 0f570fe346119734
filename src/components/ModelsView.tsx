import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commands';
import { modelsIcon } from '../icons';
import type { RegistryModel } from '../registry/registryModel';
import { RegistrySettings } from '../settings';
import { IMlopsBridge } from '../tokens';
import { BridgeNotice } from './BridgeNotice';
import { EmptyState } from './EmptyState';
import { VersionRow } from './ModelVersionRow';
import { OutboxNotice } from './OutboxNotice';
import { PanelHeader } from './PanelHeader';
import { UserText } from './UserText';

/**
 * Properties of the Models panel.
 */
export interface IModelsViewProps {
  bridge: IMlopsBridge;
  settings: RegistrySettings;
  /** Problems with the registry settings, shown so nothing fails silently. */
  settingsProblems: string[];
  registry: RegistryModel;
  /** Move an alias of the shown model (asks which alias). */
  onSetAlias: (version: number) => void;
  /** Write a KServe InferenceService manifest of a version (asks where its files will be). */
  onKserve: (version: number) => void;
  /** Deploy a version of the shown model (preflight, then confirmation). */
  onDeploy: (version: number) => void;
  /** Approve deploying a version (shown when the settings require approvals). */
  onApprove: (version: number) => void;
  onRollback: () => void;
  onStop: (model: string) => void;
  onTry: (model: string, version: number) => void;
  onRetryOutbox: (key: string) => void;
  onShowExperiment: (ref: string) => void;
  /** Open the comparison of two experiments (the first is the baseline). */
  onCompare: (baseline: string, ref: string) => void;
  /** An experiment's current name, for the lineage line (its id until found). */
  experimentName?: (ref: string) => Promise<string | null>;
  commands: CommandRegistry;
  translator: ITranslator;
}

/**
 * The Models panel: the registry's models (a list; a click shows one), the
 * shown model's versions with their state, aliases and lineage, and the
 * audit log's verification.
 */
export function ModelsView(props: IModelsViewProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { registry } = props;
  const pushing = props.settings.backend === 'mlflow';
  const storeDir = props.bridge.status?.storeDir ?? '.mlops';
  const subtitle = pushing
    ? trans.__('Local registry: %1/registry, pushed to MLflow', storeDir)
    : trans.__('Local registry: %1/registry', storeDir);
  const audit = registry.audit?.verification ?? null;
  return (
    <div className="jp-mlops-Panel jp-mlops-Models">
      <PanelHeader title={trans.__('Models')} subtitle={subtitle} />
      <BridgeNotice bridge={props.bridge} translator={props.translator} />
      {props.settingsProblems.map(problem => (
        <div
          key={problem}
          className="jp-mlops-Notice jp-mod-warning"
          role="alert"
        >
          {trans.__('Setting ignored: %1', problem)}{' '}
          <code>E_SETTINGS_INVALID</code>
        </div>
      ))}
      <div className="jp-mlops-Models-actions">
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled jp-mod-accept"
          disabled={registry.busy !== null}
          title={trans.__(
            'Register a fitted model of the active notebook’s kernel'
          )}
          onClick={() => void props.commands.execute(CommandIDs.registerModel)}
        >
          {trans.__('Register…')}
        </button>
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled"
          disabled={registry.busy !== null}
          onClick={() => void registry.refresh()}
        >
          {trans.__('Refresh')}
        </button>
      </div>
      <OutboxNotice
        pushing={pushing}
        registry={registry}
        onRetry={props.onRetryOutbox}
        translator={props.translator}
      />
      {registry.busy && (
        <p className="jp-mlops-Models-busy" role="status">
          {registry.busy}
        </p>
      )}
      {registry.error && (
        <p className="jp-mlops-Notice jp-mod-error" role="alert">
          {registry.error}
        </p>
      )}
      {audit && !audit.ok && (
        <div className="jp-mlops-Notice jp-mod-error" role="alert">
          {trans.__(
            'The audit log does not verify (%1 problems): deploys are refused until it is repaired.',
            audit.problems.length
          )}
          <ul className="jp-mlops-Models-problems">
            {audit.problems.slice(0, 5).map(p => (
              <li key={`${p.line}-${p.kind}`}>
                {trans.__('line %1, %2: %3', p.line, p.kind, p.message)}
              </li>
            ))}
          </ul>
        </div>
      )}
      {registry.loaded && registry.models.length === 0 ? (
        <EmptyState
          icon={modelsIcon}
          title={trans.__('No models registered yet')}
          actions={[
            {
              label: trans.__('Register from the kernel'),
              primary: true,
              onClick: () =>
                void props.commands.execute(CommandIDs.registerModel)
            },
            {
              label: trans.__('Show experiments'),
              onClick: () =>
                void props.commands.execute(CommandIDs.openExperiments)
            }
          ]}
        >
          <p>
            {trans.__(
              'Run the notebook, take a snapshot, then register its fitted model: the version keeps its lineage (experiment, data, parameters, metrics, environment).'
            )}
          </p>
          <p>
            {trans.__(
              'Models are kept in MLflow format in the project, so MLflow tools can load and serve them.'
            )}
          </p>
        </EmptyState>
      ) : (
        <ul
          className="jp-mlops-Models-list"
          aria-label={trans.__('Registered models')}
        >
          {registry.models.map(model => (
            <li key={model.key}>
              <button
                type="button"
                className={
                  model.name !== null && model.name === registry.detail?.name
                    ? 'jp-mlops-Models-model jp-mod-selected'
                    : 'jp-mlops-Models-model'
                }
                aria-expanded={
                  model.name !== null && model.name === registry.detail?.name
                }
                disabled={model.name === null}
                onClick={() =>
                  void registry.select(
                    model.name === registry.detail?.name ? null : model.name
                  )
                }
              >
                <UserText
                  className="jp-mlops-Models-name"
                  text={model.name ?? trans.__('(unreadable: %1)', model.key)}
                />
                <span className="jp-mlops-Models-latest">
                  {model.latest ? `v${model.latest}` : trans.__('no version')}
                </span>
                {Object.entries(model.aliases ?? {}).map(([alias, version]) => (
                  <span key={alias} className="jp-mlops-Models-alias">
                    <UserText text={alias} />
                    →v{version}
                  </span>
                ))}
              </button>
              {model.problem && (
                <p className="jp-mlops-Notice jp-mod-error">{model.problem}</p>
              )}
              {model.name !== null && model.name === registry.detail?.name && (
                <EndpointBlock
                  model={model.name}
                  production={registry.detail.aliases['production'] ?? null}
                  registry={registry}
                  onRollback={props.onRollback}
                  onStop={props.onStop}
                  onTry={props.onTry}
                  translator={props.translator}
                />
              )}
              {model.name !== null && model.name === registry.detail?.name && (
                <ol className="jp-mlops-Models-versions" reversed>
                  {[...registry.detail.versions].reverse().map(version => (
                    <VersionRow
                      key={version.version}
                      version={version}
                      aliases={Object.entries(registry.detail?.aliases ?? {})
                        .filter(([, v]) => v === version.version)
                        .map(([alias]) => alias)}
                      onSetAlias={() => props.onSetAlias(version.version)}
                      onKserve={() => props.onKserve(version.version)}
                      onDeploy={() => props.onDeploy(version.version)}
                      onApprove={
                        props.settings.requireApproval
                          ? () => props.onApprove(version.version)
                          : null
                      }
                      onShowExperiment={props.onShowExperiment}
                      production={productionExperiment(registry)}
                      onCompare={props.onCompare}
                      mlflow={registry.mlflowVersion(
                        registry.detail?.name ?? '',
                        version.version
                      )}
                      disabled={registry.busy !== null}
                      experimentName={props.experimentName}
                      translator={props.translator}
                    />
                  ))}
                </ol>
              )}
            </li>
          ))}
        </ul>
      )}
      {audit && audit.ok && audit.count > 0 && (
        <p className="jp-mlops-Models-audit">
          {trans._n(
            'Audit log: %1 entry, chain verified.',
            'Audit log: %1 entries, chain verified.',
            audit.count
          )}
        </p>
      )}
    </div>
  );
}

function EndpointBlock(props: {
  model: string;
  production: number | null;
  registry: RegistryModel;
  onRollback: () => void;
  onStop: (model: string) => void;
  onTry: (model: string, version: number) => void;
  translator: ITranslator;
}): JSX.Element | null {
  const trans = props.translator.load('jupyterlab_mlops');
  const { registry } = props;
  const endpoint = registry.serving.find(e => e.model === props.model) ?? null;
  if (endpoint === null && props.production === null) {
    return null;
  }
  const busy = registry.busy !== null;
  const tried = registry.tried?.model === props.model ? registry.tried : null;
  return (
    <div className="jp-mlops-Models-endpoint" aria-label={trans.__('Endpoint')}>
      <div className="jp-mlops-Models-endpointHead">
        <strong>{trans.__('production')}</strong>
        {props.production !== null && <span>v{props.production}</span>}
        {endpoint === null ? (
          <span className="jp-mlops-Models-endpointState">
            {trans.__('not serving')}
          </span>
        ) : (
          <span
            className={`jp-mlops-Models-endpointState jp-mod-${endpoint.state}`}
            title={endpoint.url}
          >
            {endpoint.state === 'serving'
              ? trans.__(
                  'serving v%1 at %2',
                  endpoint.version ?? '?',
                  endpoint.url
                )
              : trans.__('crashed (v%1)', endpoint.version ?? '?')}
          </span>
        )}
      </div>
      <div className="jp-mlops-Models-endpointActions">
        {endpoint?.state === 'serving' && endpoint.version !== null && (
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled"
            disabled={busy}
            onClick={() => props.onTry(props.model, endpoint.version ?? 0)}
          >
            {trans.__('Try it')}
          </button>
        )}
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled"
          disabled={busy || props.production === null}
          onClick={props.onRollback}
        >
          {trans.__('Rollback…')}
        </button>
        {endpoint !== null && (
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled"
            disabled={busy}
            onClick={() => props.onStop(props.model)}
          >
            {trans.__('Stop')}
          </button>
        )}
      </div>
      {endpoint?.state === 'crashed' && endpoint.log && (
        <pre className="jp-mlops-Models-log">{endpoint.log}</pre>
      )}
      {tried && (
        <div className="jp-mlops-Models-tried" role="status">
          <div>
            {trans.__('Answer (HTTP %1):', tried.status)}{' '}
            <code>{tried.answer.slice(0, 500)}</code>
          </div>
          <details>
            <summary>{trans.__('Sent the input example’s first row')}</summary>
            <code>{tried.request.slice(0, 2000)}</code>
          </details>
        </div>
      )}
    </div>
  );
}

/** The experiment ref of the shown model's `production` version, if it has one. */
function productionExperiment(registry: RegistryModel): string | null {
  const detail = registry.detail;
  const production = detail?.aliases['production'];
  const version = detail?.versions.find(v => v.version === production);
  return version?.lineage?.experiment?.ref ?? null;
}
