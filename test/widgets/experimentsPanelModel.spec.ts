import { Signal } from '@lumino/signaling';
import { describe, expect, it } from 'vitest';

import { BridgeService } from '../../src/bridge/service';
import { PluginSettings, SettingsSchemas } from '../../src/settings';
import { ExperimentListModel } from '../../src/tracking/list/experimentListModel';
import { ExperimentStoreService } from '../../src/tracking/store/storeService';
import { notebookSlug, UlidFactory } from '../../src/util/ids';
import { ExperimentsPanelModel } from '../../src/widgets/experimentsPanelModel';
import { serverSettings } from '../support/client';
import { makeManifest } from '../tracking/fixtures';

const ids = new UlidFactory();
let counter = 0;

/**
 * The notebook the panel follows, as ActiveNotebook tells it.
 */
class FakeNotebook implements ExperimentsPanelModel.INotebook {
  path: string | null = null;
  get name(): string | null {
    return this.path?.split('/').pop() ?? null;
  }
  changed = new Signal<this, void>(this);
  open(path: string | null): void {
    this.path = path;
    this.changed.emit();
  }
}

function setup() {
  counter += 1;
  const bridge = new BridgeService({
    serverSettings: serverSettings(),
    store: `.mlops-panel-${process.pid}-${counter}`
  });
  const stores = new ExperimentStoreService({ bridge, channel: null });
  const list = new ExperimentListModel({ stores, index: null });
  const notebook = new FakeNotebook();
  const settings = new PluginSettings({
    registry: null,
    plugin: 'jupyterlab-mlops:experiments',
    schema: SettingsSchemas.experiments
  });
  const model = new ExperimentsPanelModel({ list, stores, notebook, settings });
  const slugs: (string | undefined)[] = [];
  const refresh = list.refresh.bind(list);
  list.refresh = slug => {
    slugs.push(slug);
    return refresh(slug);
  };
  let changes = 0;
  model.changed.connect(() => (changes += 1));
  return {
    bridge,
    stores,
    list,
    notebook,
    settings,
    model,
    slugs,
    changes: () => changes
  };
}

async function save(stores: ExperimentStoreService, path: string) {
  const manifest = makeManifest(ids.next());
  manifest.notebook = { ...manifest.notebook, path, slug: notebookSlug(path) };
  return (await stores.current.save({ manifest, files: [] })).ref;
}

/** Let the refreshes the signals started finish. */
async function settle(list: ExperimentListModel): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await new Promise(resolve => setTimeout(resolve, 10));
    if (!list.loading) {
      return;
    }
  }
}

describe('ExperimentsPanelModel', () => {
  it('should list the active notebook’s experiments, or all', async () => {
    const { stores, list, notebook, model, slugs } = setup();
    const a = await save(stores, 'work/a.ipynb');
    const b = await save(stores, 'b.ipynb');
    expect(slugs).toEqual([]);

    notebook.open('work/a.ipynb');
    await settle(list);
    expect(model.notebookName).toBe('a.ipynb');
    expect(slugs).toEqual([notebookSlug('work/a.ipynb')]);
    expect(list.rows.map(row => row.ref)).toEqual([a]);

    // The same notebook's content changed: nothing to read again.
    notebook.changed.emit();
    expect(slugs).toHaveLength(1);

    await model.setAllNotebooks(true);
    expect(model.allNotebooks).toBe(true);
    expect(slugs[1]).toBeUndefined();
    expect(list.rows.map(row => row.ref).sort()).toEqual([a, b].sort());

    // No notebook open, one notebook's list asked for: none to show.
    await model.setAllNotebooks(false);
    notebook.open(null);
    await settle(list);
    expect(slugs.slice(2)).toEqual([notebookSlug('work/a.ipynb'), undefined]);
    model.dispose();
  });

  it('should keep the selection and say when it changes', () => {
    const { model, changes } = setup();
    model.select('refs/exps/a/1', true);
    model.select('refs/exps/a/2', true);
    model.select('refs/exps/a/1', false);
    expect([...model.selected]).toEqual(['refs/exps/a/2']);
    expect(changes()).toBe(3);
    model.dispose();
  });

  it('should read the list again when the store is written, here or elsewhere', async () => {
    const { stores, list, notebook, model } = setup();
    notebook.open('c.ipynb');
    await settle(list);
    expect(list.rows).toEqual([]);

    const ref = await save(stores, 'c.ipynb');
    stores.notifyWritten();
    await settle(list);
    expect(list.rows.map(row => row.ref)).toEqual([ref]);

    // A star: written, and the list reads it.
    await model.toggleStar(list.rows[0]);
    await settle(list);
    expect(list.rows[0].starred).toBe(true);
    expect((await stores.current.read(ref)).manifest.user.starred).toBe(true);
    model.dispose();
  });

  it('should take its columns and capture limits from the settings', async () => {
    const { settings, model, changes } = setup();
    await settings.ready;
    expect(model.columns).toEqual(['created']);
    expect(model.capture).toEqual({
      captureMaxBytes: 1024 * 1024,
      dataPaths: []
    });
    const before = changes();
    await model.setColumns(['created', 'metric:accuracy']);
    expect(model.columns).toEqual(['created', 'metric:accuracy']);
    expect(changes()).toBe(before + 1);
    model.dispose();
  });

  it('should keep one sort order, flipped by the same field again', () => {
    const { model, changes } = setup();
    expect(model.sort).toEqual({ key: 'created', descending: true });
    model.sortBy('metric:accuracy');
    expect(model.sort).toEqual({ key: 'metric:accuracy', descending: true });
    model.sortBy('metric:accuracy');
    expect(model.sort).toEqual({ key: 'metric:accuracy', descending: false });
    model.sortBy('name');
    expect(model.sort).toEqual({ key: 'name', descending: false });
    model.setSort({ key: 'created', descending: false });
    expect(model.sort).toEqual({ key: 'created', descending: false });
    expect(changes()).toBe(4);
    model.dispose();
  });

  it('should compare only the selected rows that are shown', () => {
    const { model, list } = setup();
    model.select('refs/exps/a/1', true);
    model.select('refs/exps/a/3', true);
    const shown = [{ ref: 'refs/exps/a/3' }, { ref: 'refs/exps/a/2' }].map(
      r => ({ ...list.rows[0], ...r })
    );
    expect(model.selectedAmong(shown)).toEqual(['refs/exps/a/3']);
    expect(model.selectedAmong([])).toEqual([]);
    model.dispose();
  });

  it('should be found from its list until it is disposed', () => {
    const { model, list } = setup();
    expect(ExperimentsPanelModel.forList(list)).toBe(model);
    model.dispose();
    expect(ExperimentsPanelModel.forList(list)).toBeUndefined();
  });

  it('should show step-wise metrics at their last or best value, as set', async () => {
    const { stores, list, model, settings } = setup();
    const manifest = makeManifest(ids.next());
    manifest.metrics = { val_loss: 0.4, accuracy: 0.8 };
    manifest.metricSeries = {
      val_loss: [
        [0, 0.9],
        [1, 0.3],
        [2, 0.4]
      ],
      accuracy: [
        [0, 0.6],
        [1, 0.85],
        [2, 0.8]
      ]
    };
    await stores.current.save({ manifest, files: [] });
    await model.setAllNotebooks(true);
    await settle(list);
    expect(model.hasStepMetrics).toBe(true);
    expect(model.stepValue).toBe('last');
    expect(model.rows[0].metrics).toEqual({ val_loss: 0.4, accuracy: 0.8 });
    // The same rows until something they depend on changes.
    expect(model.rows).toBe(model.rows);

    await model.setStepValue('best');
    expect(settings.value.stepMetricValue).toBe('best');
    // A loss is best low, an accuracy high.
    expect(model.rows[0].metrics).toEqual({ val_loss: 0.3, accuracy: 0.85 });
    await settings.set('metricDirections', { val_loss: 'higher' });
    expect(model.rows[0].metrics.val_loss).toBe(0.9);
    // The list itself keeps the last values.
    expect(list.rows[0].metrics).toEqual({ val_loss: 0.4, accuracy: 0.8 });
  });
});
