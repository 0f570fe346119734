import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ITranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commands';
import { experimentsIcon } from '../icons';
import { IExperimentStore } from '../tokens';
import { CompareModel } from '../tracking/compare/compareModel';
import { CompareWidget } from '../widgets/CompareWidget';
import { ExperimentDetailWidget } from '../widgets/ExperimentDetailWidget';
import { PALETTE_CATEGORY } from './core';
import { addExperimentNotebooks } from './experimentNotebook';

/**
 * The main-area tabs of experiments: one experiment's detail, a
 * comparison of several, and an experiment's notebook, read-only.
 */
export function addExperimentTabs(
  app: JupyterFrontEnd,
  options: {
    stores: IExperimentStore;
    translator: ITranslator;
    /** Where the commands on the active experiment are listed. */
    palette?: ICommandPalette | null;
  }
): void {
  const { stores, translator } = options;
  const store = () => stores.current;
  const trans = translator.load('jupyterlab_mlops');
  const open = new Map<string, MainAreaWidget<ExperimentDetailWidget>>();

  const show = (tab: MainAreaWidget<Widget>) => {
    // Beside the notebook when there is room for both, else a tab.
    app.shell.add(tab, 'main', {
      mode: window.innerWidth >= 1280 ? 'split-right' : 'tab-after'
    });
  };

  app.commands.addCommand(CommandIDs.openExperiment, {
    label: trans.__('Open Experiment'),
    caption: trans.__('Show an experiment in the main area'),
    icon: experimentsIcon,
    execute: async args => {
      const ref = typeof args['ref'] === 'string' ? args['ref'] : null;
      if (ref === null) {
        return;
      }
      let tab = open.get(ref);
      if (!tab || tab.isDisposed) {
        const content = new ExperimentDetailWidget({
          experimentRef: ref,
          store,
          contents: app.serviceManager.contents,
          commands: app.commands,
          translator,
          onChanged: () => stores.notifyWritten(),
          onRemoved: () => tab?.dispose()
        });
        const created = new MainAreaWidget({ content });
        created.id = `jp-mlops-experiment-${ref.split('/').pop() ?? ''}`;
        created.title.icon = experimentsIcon;
        created.title.closable = true;
        created.title.label = trans.__('Experiment');
        content.title.changed.connect(() => {
          created.title.label = content.title.label;
        });
        tab = created;
        open.set(ref, created);
        show(created);
        await content.load();
      }
      app.shell.activateById(tab.id);
    }
  });

  addExperimentNotebooks(app, {
    stores,
    translator,
    // The experiment of the active detail tab.
    currentRef: () => {
      const current = app.shell.currentWidget;
      for (const [ref, tab] of open) {
        if (tab === current && !tab.isDisposed) {
          return ref;
        }
      }
      return null;
    }
  });
  for (const command of [
    CommandIDs.openExperimentNotebook,
    CommandIDs.restoreExperiment
  ]) {
    options.palette?.addItem({ command, category: PALETTE_CATEGORY });
  }

  app.commands.addCommand(CommandIDs.compare, {
    label: trans.__('Compare Experiments'),
    caption: trans.__('Compare the selected experiments side by side'),
    icon: experimentsIcon,
    isEnabled: args => Array.isArray(args['refs']) && args['refs'].length >= 2,
    execute: async args => {
      const refs = Array.isArray(args['refs'])
        ? args['refs'].filter((ref): ref is string => typeof ref === 'string')
        : [];
      if (refs.length < 2) {
        return;
      }
      // Oldest first (ULIDs sort by time): columns and the code diff read
      // forward in time.
      refs.sort((a, b) => {
        const x = a.split('/').pop() ?? '';
        const y = b.split('/').pop() ?? '';
        return x < y ? -1 : x > y ? 1 : 0;
      });
      const content = new CompareWidget({
        model: new CompareModel({ refs, store }),
        translator
      });
      const tab = new MainAreaWidget({ content });
      tab.id = `jp-mlops-compare-${Date.now()}`;
      tab.title.icon = experimentsIcon;
      tab.title.closable = true;
      tab.title.label = trans.__('Compare (%1)', refs.length);
      show(tab);
      app.shell.activateById(tab.id);
      await content.load();
    }
  });
}
