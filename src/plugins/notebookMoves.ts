import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { Contents } from '@jupyterlab/services';
import { TranslationBundle } from '@jupyterlab/translation';

import { describeError } from '../errors';
import { IExperimentStore } from '../tokens';
import { withMoveLock } from '../tracking/store/moveNotebook';
import { notebookSlug } from '../util/ids';
import { showBidiControls } from '../util/bidi';

/**
 * Most files and folders looked at under a renamed folder: a folder of
 * datasets is not walked for minutes.
 */
const MAX_WALKED = 5000;

/**
 * Deepest folder walked under a renamed folder.
 */
const MAX_DEPTH = 32;

/**
 * Keep experiments with their notebook when the lab renames or moves it
 * (or a folder holding it): the notebook's refs move to its new slug, and
 * the lists here and in the other tabs read the store again. Renames made
 * outside the lab (a terminal, `git mv`) are not seen.
 */
export function followNotebookMoves(
  app: JupyterFrontEnd,
  options: { stores: IExperimentStore; trans: TranslationBundle }
): void {
  const { stores, trans } = options;
  const contents = app.serviceManager.contents;
  let queue = Promise.resolve();
  contents.fileChanged.connect((_, change) => {
    const from = change.oldValue?.path;
    const to = change.newValue?.path;
    if (
      change.type !== 'rename' ||
      typeof from !== 'string' ||
      typeof to !== 'string' ||
      from === to ||
      // Another drive (an experiment's read-only copy, a remote drive).
      contents.driveName(from) !== '' ||
      contents.driveName(to) !== ''
    ) {
      return;
    }
    const type = change.newValue?.type;
    queue = queue
      .then(async () => {
        const pairs =
          type === 'directory'
            ? await Private.folderPairs(contents, from, to)
            : /\.ipynb$/i.test(from) || /\.ipynb$/i.test(to)
              ? [{ from, to }]
              : [];
        if (await Private.move(stores, pairs)) {
          stores.notifyWritten();
        }
      })
      .catch(reason => {
        console.warn('Experiments did not follow a rename', reason);
        Notification.warning(
          trans.__(
            'The experiments of %1 stay under its old name: %2',
            showBidiControls(from),
            describeError(reason, 200)
          ),
          { autoClose: 8000 }
        );
      });
  });
}

namespace Private {
  /**
   * A notebook's old and new path.
   */
  export interface IPair {
    from: string;
    to: string;
  }

  /**
   * The notebooks of a folder renamed from `from` to `to`: found under
   * its new path, paired with where they were.
   */
  export async function folderPairs(
    contents: Contents.IManager,
    from: string,
    to: string
  ): Promise<IPair[]> {
    const pairs: IPair[] = [];
    const folders: { path: string; depth: number }[] = [{ path: to, depth: 0 }];
    let walked = 0;
    while (folders.length > 0 && walked < MAX_WALKED) {
      const folder = folders.pop();
      if (!folder) {
        break;
      }
      const model = await contents.get(folder.path, { content: true });
      const items: Contents.IModel[] = Array.isArray(model.content)
        ? model.content
        : [];
      for (const item of items) {
        walked += 1;
        if (item.type === 'directory' && folder.depth < MAX_DEPTH) {
          folders.push({ path: item.path, depth: folder.depth + 1 });
        } else if (item.type === 'notebook' || /\.ipynb$/i.test(item.path)) {
          pairs.push({
            from: from + item.path.slice(to.length),
            to: item.path
          });
        }
      }
    }
    return pairs;
  }

  /**
   * Move the experiments of each pair under the store's move lock; true
   * when some were moved. Pairs without experiments cost one listing and
   * no lock (the store may not exist yet).
   */
  export async function move(
    stores: IExperimentStore,
    pairs: readonly IPair[]
  ): Promise<boolean> {
    const store = stores.current;
    const slugs: { from: string; to: string }[] = [];
    for (const pair of pairs) {
      const from = notebookSlug(pair.from);
      if ((await store.list(from)).length > 0) {
        slugs.push({ from, to: notebookSlug(pair.to) });
      }
    }
    if (slugs.length === 0) {
      return false;
    }
    await withMoveLock(stores.client, async () => {
      for (const { from, to } of slugs) {
        await store.moveNotebook(from, to);
      }
    });
    return true;
  }
}
