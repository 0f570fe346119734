import { Contents } from '@jupyterlab/services';
import type { CommandRegistry } from '@lumino/commands';

import { Manifest } from '../tracking/store/manifest';
import { restorePath } from '../tracking/capture/restore';
import type { ExperimentStore } from '../tracking/store/store';
import { withoutCellTrust } from '../notebook/trust';

/**
 * Write an experiment's notebook as a new file next to the original
 * (named after the experiment, never over an existing file) and open it.
 * Returns the new path. The copy is untrusted, like any notebook from
 * elsewhere: no cell keeps `metadata.trusted`, so the server does not sign
 * it and its outputs' scripts do not run until the user trusts it.
 */
export async function restoreExperiment(options: {
  store: Pick<ExperimentStore, 'readFile'>;
  experimentRef: string;
  manifest: Manifest;
  contents: Contents.IManager;
  commands: Pick<CommandRegistry, 'execute'>;
}): Promise<string> {
  const { store, experimentRef, manifest, contents, commands } = options;
  const bytes = await store.readFile(experimentRef, 'notebook.ipynb');
  const content = withoutCellTrust(JSON.parse(new TextDecoder().decode(bytes)));
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
