import { Signal } from '@lumino/signaling';
import { describe, expect, it } from 'vitest';

import { BridgeService } from '../../src/bridge/service';
import { ExperimentListModel } from '../../src/tracking/list/experimentListModel';
import { ExperimentStoreService } from '../../src/tracking/store/storeService';
import { notebookSlug, UlidFactory } from '../../src/util/ids';
import { SnapshotStatusModel } from '../../src/widgets/snapshotStatusModel';
import { serverSettings } from '../support/client';
import { makeManifest } from '../tracking/fixtures';

/**
 * "Metrics changed since last snapshot": the kernel's values against the
 * newest experiment of the current notebook, read by the real list of a
 * real store.
 */

const ids = new UlidFactory();
let counter = 0;

class Notebook implements SnapshotStatusModel.INotebook {
  path: string | null = null;
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
    store: `.mlops-hint-${process.pid}-${counter}`
  });
  const stores = new ExperimentStoreService({ bridge, channel: null });
  const list = new ExperimentListModel({ stores, index: null });
  const notebook = new Notebook();
  const model = new SnapshotStatusModel({ list, notebook });
  return { stores, list, notebook, model };
}

async function save(
  stores: ExperimentStoreService,
  path: string,
  metrics: Record<string, number>
): Promise<void> {
  const manifest = makeManifest(ids.next());
  manifest.notebook = { ...manifest.notebook, path, slug: notebookSlug(path) };
  manifest.metrics = metrics;
  manifest.createdAt = new Date().toISOString();
  await stores.current.save({ manifest, files: [] });
}

describe('SnapshotStatusModel', () => {
  describe('#metricsChanged', () => {
    it('should compare the kernel’s values with the newest experiment’s', async () => {
      const { stores, list, notebook, model } = setup();
      await save(stores, 'a.ipynb', { accuracy: 0.5, loss: 2 });
      await new Promise(resolve => setTimeout(resolve, 5));
      await save(stores, 'a.ipynb', { accuracy: 0.9, loss: 1 });
      notebook.open('a.ipynb');
      await list.refresh(notebookSlug('a.ipynb'));
      expect(model.view.state).toBe('saved');
      // Not asked yet: no claim.
      expect(model.metricsChanged).toBe(false);

      model.setKernelMetrics('a.ipynb', { accuracy: 0.9, loss: 1 });
      expect(model.metricsChanged).toBe(false);
      // The older experiment's values are not the reference.
      model.setKernelMetrics('a.ipynb', { accuracy: 0.5 });
      expect(model.metricsChanged).toBe(true);
      model.setKernelMetrics('a.ipynb', { accuracy: 0.9000001 });
      expect(model.metricsChanged).toBe(true);
      // A metric the experiment does not have, even one named like a
      // property of every object.
      model.setKernelMetrics('a.ipynb', { constructor: 1 });
      expect(model.metricsChanged).toBe(true);
      model.setKernelMetrics('a.ipynb', { accuracy: 0.9, toString: 0 });
      expect(model.metricsChanged).toBe(true);
      model.setKernelMetrics('a.ipynb', { accuracy: Number.NaN });
      expect(model.metricsChanged).toBe(true);

      // A snapshot of the new values: the hint goes.
      model.setKernelMetrics('a.ipynb', { accuracy: 0.95, loss: 1 });
      expect(model.metricsChanged).toBe(true);
      await new Promise(resolve => setTimeout(resolve, 5));
      await save(stores, 'a.ipynb', { accuracy: 0.95, loss: 1 });
      await list.refresh(notebookSlug('a.ipynb'));
      expect(model.metricsChanged).toBe(false);
    });

    it('should keep each notebook’s values to itself, and say nothing without a snapshot or while saving', async () => {
      const { stores, list, notebook, model } = setup();
      await save(stores, 'a.ipynb', { accuracy: 0.9 });
      await list.refresh();
      model.setKernelMetrics('a.ipynb', { accuracy: 0.1 });
      notebook.open('a.ipynb');
      expect(model.metricsChanged).toBe(true);

      // b has no values of its own, c no experiment.
      notebook.open('b.ipynb');
      expect(model.metricsChanged).toBe(false);
      model.setKernelMetrics('c.ipynb', { accuracy: 0.3 });
      notebook.open('c.ipynb');
      expect(model.view.state).toBe('idle');
      expect(model.metricsChanged).toBe(false);

      notebook.open('a.ipynb');
      model.set('a.ipynb', 'saving');
      expect(model.metricsChanged).toBe(false);
      model.set('a.ipynb', 'failed');
      expect(model.metricsChanged).toBe(false);
      notebook.open(null);
      expect(model.metricsChanged).toBe(false);
    });

    it('should emit changed when the kernel’s values arrive', () => {
      const { model } = setup();
      let changes = 0;
      model.changed.connect(() => (changes += 1));
      model.setKernelMetrics('a.ipynb', { accuracy: 1 });
      expect(changes).toBe(1);
    });
  });
});
