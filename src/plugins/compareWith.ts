import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import { CommandIDs } from '../commands';
import { IExperimentList, IExperimentStore } from '../tokens';
import {
  bestExperiment,
  keyMetric,
  MetricDirection,
  metricDirection,
  previousExperiment
} from '../tracking/compare/baseline';
import { storeSource } from '../tracking/list/bulkSource';
import type { IExperimentRow } from '../tracking/list/row';
import { parseExperimentRef } from '../tracking/store/refs';
import { PALETTE_CATEGORY } from './core';
import { ROW_SELECTOR } from './experimentTabs';
import { showBidiControls } from '../util/bidi';

/**
 * The question after every run, in one click: how does this experiment
 * compare with the previous one of its notebook, and with the best? Both
 * open the Compare tab with the other experiment as the baseline. The
 * experiment is the one given (`ref`), the row a context menu was opened
 * on, or the newest of the current notebook.
 */
export function addCompareWithCommands(
  app: JupyterFrontEnd,
  options: {
    stores: IExperimentStore;
    list: IExperimentList;
    /** The current notebook's slug, or null when none is open. */
    currentSlug: () => string | null;
    /** Which way metrics are better, by name (the setting). */
    directions: () => Readonly<Record<string, MetricDirection>>;
    trans: TranslationBundle;
    palette: ICommandPalette | null;
  }
): void {
  const { stores, list, trans } = options;

  // The experiment asked about: given, the row under the context menu, or
  // the current notebook's newest.
  const target = async (
    args: Record<string, unknown>
  ): Promise<{ row: IExperimentRow; rows: IExperimentRow[] } | null> => {
    const hit = app.contextMenuHitTest(node => node.matches(ROW_SELECTOR));
    const given =
      typeof args['ref'] === 'string' ? args['ref'] : hit?.dataset['ref'];
    const slug = given
      ? (parseExperimentRef(given)?.slug ?? null)
      : options.currentSlug();
    if (slug === null) {
      return null;
    }
    const rows = await Private.rowsOf(stores, list, slug, given);
    const row = given ? rows.find(r => r.ref === given) : rows[0];
    return row ? { row, rows } : null;
  };
  const compare = (baseline: IExperimentRow, row: IExperimentRow) =>
    app.commands.execute(CommandIDs.compare, {
      refs: [baseline.ref, row.ref],
      baseline: baseline.ref
    });

  app.commands.addCommand(CommandIDs.compareWithPrevious, {
    label: trans.__('Compare with Previous Experiment'),
    caption: trans.__(
      'Compare an experiment with the one its notebook made just before it'
    ),
    execute: async args => {
      const found = await target(args);
      if (!found) {
        Notification.info(trans.__('No experiment of this notebook yet.'), {
          autoClose: 4000
        });
        return;
      }
      const previous = previousExperiment(found.rows, found.row);
      if (!previous) {
        Notification.info(
          trans.__(
            '%1 is the first experiment of its notebook.',
            showBidiControls(found.row.name)
          ),
          { autoClose: 4000 }
        );
        return;
      }
      await compare(previous, found.row);
    }
  });
  app.commands.addCommand(CommandIDs.compareWithBest, {
    label: trans.__('Compare with Best Experiment'),
    caption: trans.__(
      'Compare an experiment with the best other one of its notebook by its key metric'
    ),
    execute: async args => {
      const found = await target(args);
      if (!found) {
        Notification.info(trans.__('No experiment of this notebook yet.'), {
          autoClose: 4000
        });
        return;
      }
      // The notebook's key metric (the one most runs have), if this run has
      // it; else one of this run's own.
      const common = keyMetric(found.rows);
      const metric =
        common !== null && Object.hasOwn(found.row.metrics, common)
          ? common
          : keyMetric([found.row]);
      const best =
        metric === null
          ? null
          : bestExperiment(
              found.rows,
              found.row,
              metric,
              metricDirection(metric, options.directions())
            );
      if (metric === null || !best) {
        Notification.info(
          trans.__(
            'No other experiment of this notebook has a metric to compare.'
          ),
          { autoClose: 4000 }
        );
        return;
      }
      await compare(best, found.row);
    }
  });
  for (const [command, rank] of [
    [CommandIDs.compareWithPrevious, 3],
    [CommandIDs.compareWithBest, 4]
  ] as const) {
    options.palette?.addItem({ command, category: PALETTE_CATEGORY });
    app.contextMenu.addItem({ command, selector: ROW_SELECTOR, rank });
  }
}

namespace Private {
  /**
   * The rows of a notebook, newest first: the list's when it has them (and
   * the asked experiment), else read from the store (the newest 500).
   */
  export async function rowsOf(
    stores: IExperimentStore,
    list: IExperimentList,
    slug: string,
    ref: string | undefined
  ): Promise<IExperimentRow[]> {
    const listed = list.rows.filter(row => row.slug === slug);
    if (listed.length > 0 && (!ref || listed.some(row => row.ref === ref))) {
      return listed;
    }
    const store = stores.current;
    const entries = (await store.list(slug)).slice(0, 500);
    return storeSource(store).read(entries);
  }
}
