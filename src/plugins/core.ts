import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { BridgeService } from '../bridge/service';
import { CommandIDs } from '../commands';
import { PluginSettings, SettingsSchemas } from '../settings';
import { IMlopsBridge } from '../tokens';

/**
 * The palette category of every command of the extension.
 */
export const PALETTE_CATEGORY = 'MLOps';

/**
 * Provides the bridge to the server extension for the configured store.
 */
export const corePlugin: JupyterFrontEndPlugin<IMlopsBridge> = {
  id: 'jupyterlab-mlops:plugin',
  description: 'Connects JupyterLab to the jupyterlab_mlops server extension.',
  autoStart: true,
  provides: IMlopsBridge,
  optional: [ISettingRegistry, ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ): IMlopsBridge => {
    const trans = (translator ?? nullTranslator).load('jupyterlab_mlops');
    const bridge = new BridgeService({
      serverSettings: app.serviceManager.serverSettings
    });
    // The store folder: the bridge's client follows it.
    new PluginSettings({
      registry,
      plugin: corePlugin.id,
      schema: SettingsSchemas.core
    }).changed.connect(
      (_, settings) => void bridge.setStore(settings.storeDir)
    );
    app.commands.addCommand(CommandIDs.refreshStatus, {
      label: trans.__('Reconnect to the MLOps Server Extension'),
      caption: trans.__(
        'Ask the jupyterlab_mlops server extension for its status again'
      ),
      execute: () => bridge.refresh()
    });
    palette?.addItem({
      command: CommandIDs.refreshStatus,
      category: PALETTE_CATEGORY
    });
    return bridge;
  }
};
