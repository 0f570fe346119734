import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commands';
import { modelsIcon } from '../icons';
import { RegistrySettings } from '../settings';
import { IMlopsBridge } from '../tokens';
import { BridgeNotice } from './BridgeNotice';
import { EmptyState } from './EmptyState';
import { PanelHeader } from './PanelHeader';

/**
 * Properties of the Models panel.
 */
export interface IModelsViewProps {
  bridge: IMlopsBridge;
  settings: RegistrySettings;
  /** Problems with the registry settings, shown so nothing fails silently. */
  settingsProblems: string[];
  commands: CommandRegistry;
  translator: ITranslator;
}

/**
 * The Models panel: registered models of the configured registry.
 */
export function ModelsView(props: IModelsViewProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { backend, mlflowUri } = props.settings;
  const storeDir = props.bridge.status?.storeDir ?? '.mlops';
  const subtitle =
    backend === 'mlflow'
      ? trans.__('MLflow registry: %1', mlflowUri || trans.__('no URI set'))
      : trans.__('Local registry: %1/registry', storeDir);
  return (
    <div className="jp-mlops-Panel">
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
      <EmptyState
        icon={modelsIcon}
        title={trans.__('No models registered yet')}
        actions={[
          {
            label: trans.__('Show experiments'),
            primary: true,
            onClick: () =>
              void props.commands.execute(CommandIDs.openExperiments)
          },
          {
            label: trans.__('Registry settings'),
            onClick: () =>
              void props.commands.execute('settingeditor:open', {
                query: 'MLOps'
              })
          }
        ]}
      >
        <p>
          {trans.__(
            'Register a model from an experiment to version it, keep its lineage and deploy it with one guarded click.'
          )}
        </p>
        <p>
          {backend === 'mlflow'
            ? trans.__('Models go to the MLflow server set in the settings.')
            : trans.__(
                'Models are kept in MLflow format in the project, so MLflow tools can serve them. Switch to an MLflow server in the settings.'
              )}
        </p>
      </EmptyState>
    </div>
  );
}
