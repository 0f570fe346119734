import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import React from 'react';

import { CommandIDs } from '../commands';
import { describeError } from '../errors';
import { ModelsView } from '../components/ModelsView';
import { modelsIcon } from '../icons';
import { RegistryModel } from '../registry/registryModel';
import { PluginSettings, SettingsSchemas } from '../settings';
import { IExperimentList, IExperimentStore, IMlopsBridge } from '../tokens';
import { SidePanel } from '../widgets/SidePanel';
import { RegistryActions } from './registryActions';
import { addSidePanel } from './sidebar';

/**
 * The Models panel of the registry (local by default, or MLflow).
 */
export const registryPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mlops:registry',
  description: 'Models panel: model registry and deploy.',
  autoStart: true,
  requires: [IMlopsBridge, INotebookTracker],
  optional: [
    ICommandPalette,
    ILayoutRestorer,
    ISettingRegistry,
    ITranslator,
    IExperimentList,
    IExperimentStore
  ],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMlopsBridge,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null,
    list: IExperimentList | null,
    store: IExperimentStore | null
  ): void => {
    const tr = translator ?? nullTranslator;
    const trans = tr.load('jupyterlab_mlops');
    const settings = new PluginSettings({
      registry: settingRegistry,
      plugin: registryPlugin.id,
      schema: SettingsSchemas.registry
    });
    const registry = new RegistryModel({ client: () => bridge.client });
    const gate = () => {
      const value = settings.value;
      return {
        ...(value.gateMetric && { metric: value.gateMetric }),
        ...(value.gateMinimum !== null && { min: value.gateMinimum }),
        maxDrop: value.gateMaxDrop,
        flavors: value.deployFlavors,
        requireApproval: value.requireApproval
      };
    };
    // A version's experiment by its name now (read from the store; one
    // function, so a row looks its experiment up once, not each render).
    const experimentName = async (ref: string): Promise<string | null> =>
      store === null
        ? null
        : store.current
            .read(ref)
            .then(entry => entry.manifest.user.name)
            .catch(() => null);
    const actions = new RegistryActions({
      app,
      tracker,
      registry,
      list,
      store,
      gate,
      push: () => settings.value.backend === 'mlflow',
      trans
    });
    const panel = new SidePanel({
      id: 'jp-mlops-models',
      icon: modelsIcon,
      caption: trans.__('Models'),
      signals: [bridge.changed, settings.changed, registry.changed],
      onShow: () => void registry.refresh(),
      render: () =>
        React.createElement(ModelsView, {
          bridge,
          settings: settings.value,
          settingsProblems: [...settings.problems],
          registry,
          onSetAlias: version => void actions.setAlias(version),
          onKserve: version => void actions.exportKserve(version),
          onDeploy: version => void actions.deploy(version),
          onApprove: version => void actions.approve(version),
          onRollback: () => void actions.rollback(),
          onStop: model => void actions.stop(model),
          onRetryOutbox: key =>
            void registry
              .retryOutbox(key)
              .catch(reason =>
                Notification.error(describeError(reason), { autoClose: false })
              ),
          onTry: (model, version) => void actions.tryIt(model, version),
          onShowExperiment: ref =>
            void app.commands.execute(CommandIDs.openExperiment, { ref }),
          onCompare: (baseline, ref) =>
            void app.commands.execute(CommandIDs.compare, {
              refs: [baseline, ref],
              baseline
            }),
          experimentName,
          commands: app.commands,
          translator: tr
        })
    });
    app.commands.addCommand(CommandIDs.registerModel, {
      label: trans.__('Register Model from Kernel…'),
      caption: trans.__(
        'Save a fitted model of the active notebook’s kernel in MLflow format as the next version of a registered model'
      ),
      icon: args => (args['isPalette'] ? undefined : modelsIcon),
      execute: () => actions.register()
    });
    app.commands.addCommand(CommandIDs.registerExperimentModel, {
      label: trans.__('Register Model File of Experiment…'),
      caption: trans.__(
        'Register a model file an experiment recorded (the kernel loads it after checking its hash); asks before anything is saved'
      ),
      execute: args => {
        const ref = typeof args['ref'] === 'string' ? args['ref'] : '';
        const path = typeof args['path'] === 'string' ? args['path'] : '';
        // Only from the experiment's own tab (its Register… button): a
        // command link in a notebook output, or the palette, cannot make a
        // kernel unpickle a file, even after a dialog.
        const shown = app.shell.currentWidget as {
          content?: { experimentRef?: unknown };
        } | null;
        if (!ref || !path || shown?.content?.experimentRef !== ref) {
          Notification.warning(
            trans.__(
              'Register a model file from its experiment’s tab (Register… in its data table).'
            ),
            { autoClose: 8000 }
          );
          return;
        }
        return actions.registerFromExperiment(ref, path);
      }
    });
    app.commands.addCommand(CommandIDs.deployModel, {
      label: trans.__('Deploy Model Version…'),
      caption: trans.__(
        'Deploy the latest version of the model shown in the Models panel, after its preflight checks and your confirmation'
      ),
      isEnabled: () => registry.detail !== null && registry.busy === null,
      execute: async args => {
        // Never with arguments: a link in a notebook output (or a palette
        // entry made with arguments) must not pick what gets deployed.
        if (Object.keys(args).some(key => key !== 'isPalette')) {
          Notification.warning(
            trans.__(
              'Deploy takes no arguments: open it from the Models panel, which shows the checks and asks you to confirm.'
            ),
            { autoClose: 8000 }
          );
          return;
        }
        const versions = registry.detail?.versions ?? [];
        const latest = versions[versions.length - 1];
        if (latest) {
          await actions.deploy(latest.version);
        }
      }
    });
    app.commands.addCommand(CommandIDs.refreshModels, {
      label: trans.__('Refresh Models'),
      execute: () => registry.refresh()
    });
    for (const command of [
      CommandIDs.registerModel,
      CommandIDs.refreshModels
    ]) {
      palette?.addItem({ command, category: trans.__('MLOps') });
    }
    addSidePanel(app, {
      panel,
      command: CommandIDs.openModels,
      label: trans.__('Open Models Panel'),
      rank: 620,
      palette,
      restorer
    });
  }
};
