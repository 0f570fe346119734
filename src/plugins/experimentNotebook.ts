import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ITranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commands';
import { describeError } from '../errors';
import { experimentsIcon } from '../icons';
import {
  isExperimentDrivePath,
  ExperimentDrive,
  experimentNotebookPath,
  parseExperimentNotebookPath
} from '../tracking/store/drive';
import { IExperimentStore } from '../tokens';
import { showBidiControls } from '../util/bidi';
import { restoreExperiment } from '../widgets/restoreExperiment';

/**
 * No kernel for a stored notebook: it is for reading, and running it would
 * change outputs nobody can save.
 */
const NO_KERNEL = {
  shouldStart: false,
  canStart: false,
  autoStartDefault: false,
  shutdownOnDispose: false
};

/**
 * Read-only viewing of an experiment's notebook in JupyterLab's own
 * notebook viewer: a contents drive over the store, a widget extension that
 * labels the tab and toolbar and keeps kernels away (also for tabs the
 * layout restorer reopens), and the open and restore commands.
 */
export function addExperimentNotebooks(
  app: JupyterFrontEnd,
  options: {
    stores: IExperimentStore;
    translator: ITranslator;
    /** The experiment ref of the active main-area tab, if any. */
    currentRef: () => string | null;
  }
): void {
  const { stores, translator, currentRef } = options;
  const store = () => stores.current;
  const trans = translator.load('jupyterlab_mlops');
  app.serviceManager.contents.addDrive(
    new ExperimentDrive({
      store,
      serverSettings: app.serviceManager.serverSettings
    })
  );

  // Names of experiments being opened, so the tab is labelled at once.
  const names = new Map<string, string>();
  const refOf = (args: Record<string, unknown>): string | null =>
    typeof args['ref'] === 'string' ? args['ref'] : currentRef();

  app.commands.addCommand(CommandIDs.openExperimentNotebook, {
    label: trans.__('Open Experiment Notebook (Read-Only)'),
    caption: trans.__(
      'Show the notebook as the experiment saved it, read-only; the workspace file is not touched'
    ),
    icon: experimentsIcon,
    isEnabled: args => refOf(args) !== null,
    execute: async args => {
      const ref = refOf(args);
      if (ref === null) {
        return;
      }
      try {
        const { manifest } = await store().read(ref);
        names.set(ref, manifest.user.name);
        return await app.commands.execute('docmanager:open', {
          path: experimentNotebookPath(ref, manifest.notebook.path),
          factory: 'Notebook',
          kernelPreference: NO_KERNEL
        });
      } catch (reason) {
        Private.notifyError(reason);
      }
    }
  });

  app.commands.addCommand(CommandIDs.restoreExperiment, {
    label: trans.__('Restore Experiment as New Notebook'),
    caption: trans.__(
      'Write the experiment’s notebook next to the original under a new name and open it'
    ),
    icon: experimentsIcon,
    isEnabled: args => refOf(args) !== null,
    execute: async args => {
      const ref = refOf(args);
      if (ref === null) {
        return;
      }
      try {
        const { manifest } = await store().read(ref);
        const path = await restoreExperiment({
          store: store(),
          experimentRef: ref,
          manifest,
          contents: app.serviceManager.contents,
          commands: app.commands
        });
        Notification.success(
          trans.__(
            'Restored %1 as %2',
            showBidiControls(manifest.user.name),
            showBidiControls(path)
          ),
          { autoClose: 5000 }
        );
      } catch (reason) {
        Private.notifyError(reason);
      }
    }
  });

  app.docRegistry.addWidgetExtension('Notebook', {
    createNew: (widget, context) => {
      const parsed = parseExperimentNotebookPath(context.path);
      if (
        !isExperimentDrivePath(context.path) ||
        parsed === null ||
        !(widget instanceof NotebookPanel)
      ) {
        return;
      }
      // Before the context loads the model, so no kernel ever starts.
      context.sessionContext.kernelPreference = {
        ...context.sessionContext.kernelPreference,
        ...NO_KERNEL
      };
      widget.addClass('jp-mlops-ExperimentNotebook');
      // A banner above the cells, always in view (the toolbar folds its
      // items into a menu when the tab is narrow).
      const banner = new Widget();
      banner.addClass('jp-mlops-ExperimentNotebook-banner');
      const label = document.createElement('span');
      label.className = 'jp-mlops-ExperimentNotebook-label';
      label.textContent = trans.__(
        'Experiment notebook · read-only (not the workspace file)'
      );
      const restore = document.createElement('button');
      restore.type = 'button';
      restore.className = 'jp-mlops-Button jp-mod-styled';
      restore.textContent = trans.__('Restore as new notebook');
      restore.title = trans.__(
        'Write this notebook next to the original under a new name, editable'
      );
      restore.addEventListener(
        'click',
        () =>
          void app.commands.execute(CommandIDs.restoreExperiment, {
            ref: parsed.ref
          })
      );
      banner.node.append(label, restore);
      widget.contentHeader.addWidget(banner);
      void context.ready.then(() => {
        context.model.readOnly = true;
      });
      // A document tab renames its file when its label changes; this
      // label names the experiment, and the drive is read-only.
      const labelled = Private.keepLabelOffFile(widget);
      const show = (name: string) => {
        label.textContent = trans.__(
          'Experiment %1 · read-only (not the workspace file)',
          showBidiControls(name)
        );
        const title = trans.__(
          '%1 @ %2',
          showBidiControls(parsed.name),
          showBidiControls(name)
        );
        widget.title.caption = title;
        if (labelled) {
          widget.title.label = title;
        }
      };
      const known = names.get(parsed.ref);
      if (known !== undefined) {
        show(known);
      } else {
        // Reopened by the layout restorer: read the name.
        void store()
          .read(parsed.ref)
          .then(({ manifest }) => {
            if (!widget.isDisposed) {
              show(manifest.user.name);
            }
          })
          .catch(reason => Private.notifyError(reason));
      }
    }
  });
}

namespace Private {
  /**
   * Stop a document widget from renaming its file when its tab's label
   * changes (JupyterLab's DocumentWidget does, in a handler of its own
   * title). Returns whether it did: with a JupyterLab that names that
   * handler otherwise the label stays the file's name, so nothing throws.
   */
  export function keepLabelOffFile(widget: NotebookPanel): boolean {
    const rename: unknown = Reflect.get(widget, '_onTitleChanged');
    return (
      typeof rename === 'function' &&
      widget.title.changed.disconnect(
        rename as (sender: unknown, args: unknown) => void,
        widget
      )
    );
  }

  export function notifyError(reason: unknown): void {
    Notification.error(describeError(reason).slice(0, 200), {
      autoClose: false
    });
  }
}
