import { Contents } from '@jupyterlab/services';
import { CommandRegistry } from '@lumino/commands';

import { Manifest } from '../tracking/manifest';
import { restorePath } from '../tracking/restore';
import { ExperimentStore } from '../tracking/store';

/**
 * Write an experiment's notebook as a new file next to the original
 * (named after the experiment, never over an existing file) and open it.
 * Returns the new path.
 */
export async function restoreExperiment(options: {
  store: ExperimentStore;
  experimentRef: string;
  manifest: Manifest;
  contents: Contents.IManager;
  commands: CommandRegistry;
}): Promise<string> {
  const { store, experimentRef, manifest, contents, commands } = options;
  const bytes = await store.readFile(experimentRef, 'notebook.ipynb');
  const content: unknown = JSON.parse(new TextDecoder().decode(bytes));
  const path = await restorePath(
    manifest.notebook.path,
    manifest.user.name,
    async candidate => {
      try {
        await contents.get(candidate, { content: false });
        return true;
      } catch {
        return false;
      }
    }
  );
  await contents.save(path, { type: 'notebook', format: 'json', content });
  await commands.execute('docmanager:open', { path });
  return path;
}
