import type { IBridgeClient } from '../bridge/tokens';
import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ITranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { CommandIDs } from '../commands';
import { experimentsIcon } from '../icons';
import { IExperimentStore } from '../tokens';
import type { MetricDirection } from '../tracking/compare/baseline';
import { CompareModel } from '../tracking/compare/compareModel';
import { CompareWidget } from '../widgets/CompareWidget';
import { ExperimentDetailWidget } from '../widgets/ExperimentDetailWidget';
import { PALETTE_CATEGORY } from './core';
import { addExperimentNotebooks } from './experimentNotebook';
import { ITabPlacement } from './tabPlacement';

/**
 * The selector of an experiment's row in the Experiments panel (it carries
 * the experiment's ref in `data-ref`): its context menu opens it.
 */
export const ROW_SELECTOR = '.jp-mlops-ExperimentTable-row[data-ref]';

/**
 * The main-area tabs of experiments: one experiment's detail, a
 * comparison of several, and an experiment's notebook, read-only.
 *
 * They open as ordinary tabs next to the current one (a split of the main
 * area only when asked: `toSide`), and an open tab of the same experiment
 * or comparison is shown again instead of a second one.
 */
export function addExperimentTabs(
  app: JupyterFrontEnd,
  options: {
    stores: IExperimentStore;
    translator: ITranslator;
    /** The experiments selected in the Experiments panel. */
    selection: () => readonly string[];
    /** Where the commands on the active experiment are listed. */
    palette?: ICommandPalette | null;
    /** Which way metrics are better, by name (the setting). */
    directions?: () => Readonly<Record<string, MetricDirection>>;
    /** Where the tabs go (JupyterLab's main area, Notebook 7's down area). */
    placement: ITabPlacement;
    /** The MLflow tracking mirror (an experiment's detail links to its run). */
    tracking?: { enabled: () => boolean; client: () => IBridgeClient };
  }
): void {
  const { stores, translator, selection } = options;
  const store = () => stores.current;
  const trans = translator.load('jupyterlab_mlops');
  const details = new Map<string, MainAreaWidget<ExperimentDetailWidget>>();
  const comparisons = new Map<string, MainAreaWidget<CompareWidget>>();
  let compareTabs = 0;

  const { placement } = options;
  // The detail tab shown last: Notebook 7's down area is not its shell's
  // current widget, so the palette's commands on "the active experiment"
  // fall back to it there.
  let lastDetail: MainAreaWidget<ExperimentDetailWidget> | null = null;
  const show = (tab: MainAreaWidget<Widget>, isNew: boolean, toSide: boolean) =>
    placement.show(tab, { isNew, toSide });
  // The ref of the row a context menu was opened on.
  const rowRef = (): string | null =>
    app.contextMenuHitTest(node => node.matches(ROW_SELECTOR))?.dataset[
      'ref'
    ] ?? null;
  const refArg = (args: Record<string, unknown>): string | null =>
    typeof args['ref'] === 'string' ? args['ref'] : rowRef();

  const openExperiment = async (ref: string, toSide: boolean) => {
    let tab = details.get(ref);
    const isNew = !tab || tab.isDisposed;
    if (!tab || tab.isDisposed) {
      const content = new ExperimentDetailWidget({
        experimentRef: ref,
        store,
        contents: app.serviceManager.contents,
        commands: app.commands,
        translator,
        onChanged: () => stores.notifyWritten(),
        onRemoved: () => {
          created.dispose();
          // A comparison that holds it says so (it shows what it read).
          for (const tab of comparisons.values()) {
            tab.content.model.markRemoved(ref);
          }
        },
        tracking: options.tracking
      });
      const created = new MainAreaWidget({ content });
      created.id = `jp-mlops-experiment-${ref.split('/').pop() ?? ''}`;
      created.title.icon = experimentsIcon;
      created.title.closable = true;
      created.title.label = trans.__('Experiment');
      content.title.changed.connect(() => {
        created.title.label = content.title.label;
      });
      created.disposed.connect(() => details.delete(ref));
      details.set(ref, created);
      tab = created;
      lastDetail = created;
      show(created, true, toSide);
      await content.load();
      return;
    }
    lastDetail = tab;
    show(tab, isNew, toSide);
  };

  app.commands.addCommand(CommandIDs.openExperiment, {
    label: trans.__('Open Experiment'),
    caption: trans.__('Show an experiment in a tab of the main area'),
    icon: args => (args['isPalette'] ? undefined : experimentsIcon),
    execute: async args => {
      const ref = refArg(args);
      if (ref !== null) {
        await openExperiment(ref, args['toSide'] === true);
      }
    }
  });
  app.commands.addCommand(CommandIDs.openExperimentToSide, {
    label: trans.__('Open Experiment to the Side'),
    caption: trans.__(
      'Show an experiment beside the current tab, splitting the main area'
    ),
    // Notebook 7 has one document in its main area: nothing to split.
    isVisible: () => placement.canSplit,
    execute: async args => {
      const ref = refArg(args);
      if (ref !== null) {
        await openExperiment(ref, true);
      }
    }
  });

  addExperimentNotebooks(app, {
    stores,
    translator,
    // The experiment of the active detail tab.
    currentRef: () => {
      const current = app.shell.currentWidget;
      const active =
        placement.canSplit || !lastDetail?.isVisible ? current : lastDetail;
      for (const [ref, tab] of details) {
        if (tab === active && !tab.isDisposed) {
          return ref;
        }
      }
      return null;
    }
  });

  // Compare the given refs, else the panel's selection (the palette).
  const refsOf = (args: Record<string, unknown>): string[] =>
    Array.isArray(args['refs'])
      ? args['refs'].filter((ref): ref is string => typeof ref === 'string')
      : [...selection()];
  app.commands.addCommand(CommandIDs.compare, {
    label: args =>
      args['isPalette']
        ? trans.__('Compare Selected Experiments')
        : trans.__('Compare Experiments'),
    caption: trans.__(
      'Compare the experiments selected in the Experiments panel (two or more) side by side'
    ),
    icon: args => (args['isPalette'] ? undefined : experimentsIcon),
    isEnabled: args => new Set(refsOf(args)).size >= 2,
    execute: async args => {
      // Oldest first (ULIDs sort by time): columns and the code diff read
      // forward in time.
      const refs = [...new Set(refsOf(args))].sort((a, b) => {
        const x = a.split('/').pop() ?? '';
        const y = b.split('/').pop() ?? '';
        return x < y ? -1 : x > y ? 1 : 0;
      });
      if (refs.length < 2) {
        return;
      }
      const key = refs.join('\n');
      const toSide = args['toSide'] === true;
      // The column the metrics are measured against (`baseline`: a ref).
      const baseline = refs.indexOf(String(args['baseline'] ?? ''));
      const open = comparisons.get(key);
      if (open && !open.isDisposed) {
        if (baseline >= 0) {
          open.content.model.baseline = baseline;
        }
        show(open, false, toSide);
        return;
      }
      const content = new CompareWidget({
        model: new CompareModel({
          refs,
          store,
          baseline: Math.max(0, baseline),
          directions: options.directions?.()
        }),
        translator
      });
      const tab = new MainAreaWidget({ content });
      tab.id = `jp-mlops-compare-${++compareTabs}`;
      tab.title.icon = experimentsIcon;
      tab.title.closable = true;
      tab.title.label = trans.__('Compare (%1)', refs.length);
      tab.disposed.connect(() => comparisons.delete(key));
      comparisons.set(key, tab);
      show(tab, true, toSide);
      await content.load();
      // Two comparisons' tabs read the same: the names tell them apart.
      if (content.model.names.length > 0) {
        tab.title.caption = trans.__(
          'Compare %1',
          content.model.names.join(' · ')
        );
      }
    }
  });

  options.palette?.addItem({
    command: CommandIDs.compare,
    category: PALETTE_CATEGORY,
    args: { isPalette: true }
  });
  for (const command of [
    CommandIDs.openExperimentNotebook,
    CommandIDs.restoreExperiment
  ]) {
    options.palette?.addItem({ command, category: PALETTE_CATEGORY });
  }
  app.contextMenu.addItem({
    command: CommandIDs.openExperiment,
    selector: ROW_SELECTOR,
    rank: 1
  });
  app.contextMenu.addItem({
    command: CommandIDs.openExperimentToSide,
    selector: ROW_SELECTOR,
    rank: 2
  });
}

/**
 * Open an experiment to the side on Alt-click or Accel-click (Ctrl, or Cmd
 * on a Mac) of its name in `node` (the Experiments panel), as editors open
 * files beside the current one; a plain click opens it as a tab.
 */
export function openToSideOnModifierClick(
  app: JupyterFrontEnd,
  node: HTMLElement
): void {
  node.addEventListener(
    'click',
    event => {
      const target = event.target;
      const accel = /Mac/.test(navigator.platform)
        ? event.metaKey
        : event.ctrlKey;
      if (!(target instanceof Element) || !(event.altKey || accel)) {
        return;
      }
      const name = target.closest('.jp-mlops-ExperimentTable-open');
      const ref = name?.closest<HTMLElement>(ROW_SELECTOR)?.dataset['ref'];
      if (name === null || name === undefined || ref === undefined) {
        return;
      }
      // Before the row's own click handler (a plain open) sees it.
      event.stopPropagation();
      event.preventDefault();
      void app.commands.execute(CommandIDs.openExperimentToSide, { ref });
    },
    true
  );
}
