import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import React from 'react';

import { CommandIDs } from '../commands';
import { ModelsView } from '../components/ModelsView';
import { modelsIcon } from '../icons';
import { PluginSettings, SettingsSchemas } from '../settings';
import { IMlopsBridge } from '../tokens';
import { SidePanel } from '../widgets/SidePanel';
import { addSidePanel } from './sidebar';

/**
 * The Models panel of the registry (local by default, or MLflow).
 */
export const registryPlugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyterlab-mlops:registry',
  description: 'Models panel: model registry and deploy.',
  autoStart: true,
  requires: [IMlopsBridge],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    bridge: IMlopsBridge,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    registry: ISettingRegistry | null,
    translator: ITranslator | null
  ): void => {
    const tr = translator ?? nullTranslator;
    const trans = tr.load('jupyterlab_mlops');
    const settings = new PluginSettings({
      registry,
      plugin: registryPlugin.id,
      schema: SettingsSchemas.registry
    });
    const panel = new SidePanel({
      id: 'jp-mlops-models',
      icon: modelsIcon,
      caption: trans.__('Models'),
      signals: [bridge.changed, settings.changed],
      render: () =>
        React.createElement(ModelsView, {
          bridge,
          settings: settings.value,
          settingsProblems: [...settings.problems],
          commands: app.commands,
          translator: tr
        })
    });
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
