import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { corePlugin } from './plugins/core';
import { experimentsPlugin } from './plugins/experiments';
import { experimentsTablePlugin } from './plugins/experimentsTable';
import { pipelinePlugin } from './plugins/pipeline';
import { registryPlugin } from './plugins/registry';
import {
  experimentListPlugin,
  experimentStorePlugin
} from './plugins/tracking';

export * from './tokens';
export * from './errors';
export { CommandIDs } from './commands';

/**
 * The plugins of jupyterlab-mlops.
 */
const plugins: JupyterFrontEndPlugin<unknown>[] = [
  corePlugin,
  experimentStorePlugin,
  experimentListPlugin,
  experimentsPlugin,
  experimentsTablePlugin,
  pipelinePlugin,
  registryPlugin
];

export default plugins;
