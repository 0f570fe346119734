import { Signal } from '@lumino/signaling';
import { describe, expect, it } from 'vitest';

import { BridgeService } from '../../src/bridge/service';
import { ExperimentListModel } from '../../src/tracking/list/experimentListModel';
import { experimentNotebookPath } from '../../src/tracking/store/drive';
import { ExperimentStoreService } from '../../src/tracking/store/storeService';
import { notebookSlug, UlidFactory } from '../../src/util/ids';
import { SnapshotStatusModel } from '../../src/widgets/snapshotStatusModel';
import { serverSettings } from '../support/client';
import { makeManifest } from '../tracking/fixtures';

const ids = new UlidFactory();
let counter = 0;

/** The current notebook, as ActiveNotebook tells it. */
class Notebook implements SnapshotStatusModel.INotebook {
  path: string | null = null;
  changed = new Signal<this, void>(this);
  open(path: string | null): void {
    this.path = path;
    this.changed.emit();
  }
}

/** A status model over the real list of a fresh store on a real server. */
function setup() {
  counter += 1;
  const bridge = new BridgeService({
    serverSettings: serverSettings(),
    store: `.mlops-status-${process.pid}-${counter}`
  });
  const stores = new ExperimentStoreService({ bridge, channel: null });
  const list = new ExperimentListModel({ stores, index: null });
  const notebook = new Notebook();
  const model = new SnapshotStatusModel({ list, notebook });
  let changes = 0;
  model.changed.connect(() => (changes += 1));
  return { stores, list, notebook, model, changes: () => changes };
}

async function save(
  stores: ExperimentStoreService,
  path: string,
  name: string
): Promise<string> {
  const manifest = makeManifest(ids.next());
  manifest.notebook = { ...manifest.notebook, path, slug: notebookSlug(path) };
  manifest.user = { ...manifest.user, name };
  manifest.createdAt = new Date().toISOString();
  return (await stores.current.save({ manifest, files: [] })).ref;
}

describe('SnapshotStatusModel', () => {
  describe('#view', () => {
    it('should show the newest experiment of the current notebook, from the list', async () => {
      const { stores, list, notebook, model } = setup();
      await save(stores, 'work/a.ipynb', 'older');
      await save(stores, 'work/a.ipynb', 'newest');
      await save(stores, 'b.ipynb', 'of-b');
      expect(model.view.state).toBe('none');

      // The list has not been read for it yet: no claim either way.
      notebook.open('work/a.ipynb');
      expect(model.view).toEqual({ state: 'checking', name: '', time: null });
      await list.refresh(notebookSlug('work/a.ipynb'));
      expect(model.view.state).toBe('saved');
      expect(model.view.name).toBe('newest');
      expect(model.view.time).toBeInstanceOf(Date);

      // The list of all notebooks also knows.
      notebook.open('b.ipynb');
      expect(model.view.state).toBe('checking');
      await list.refresh();
      expect(model.view.name).toBe('of-b');

      // A notebook with none, in a list that covers it.
      notebook.open('c.ipynb');
      expect(model.view).toEqual({ state: 'idle', name: '', time: null });
    });

    it('should keep a failure to its own notebook', async () => {
      const { stores, list, notebook, model, changes } = setup();
      await save(stores, 'a.ipynb', 'run-a');
      await list.refresh();
      notebook.open('b.ipynb');
      model.set('b.ipynb', 'saving');
      expect(model.view.state).toBe('saving');
      model.set('b.ipynb', 'failed');
      expect(model.view.state).toBe('failed');
      expect(changes()).toBeGreaterThanOrEqual(3);

      notebook.open('a.ipynb');
      expect(model.view.state).toBe('saved');
      expect(model.view.name).toBe('run-a');
      notebook.open('b.ipynb');
      expect(model.view.state).toBe('failed');
    });

    it('should show a snapshot just saved until the list has a newer one', async () => {
      const { stores, list, notebook, model } = setup();
      notebook.open('a.ipynb');
      await list.refresh(notebookSlug('a.ipynb'));
      expect(model.view.state).toBe('idle');
      model.set('a.ipynb', 'saved', 'just-now');
      expect(model.view).toMatchObject({ state: 'saved', name: 'just-now' });

      // Another tab snapshots later: the list's is the newer.
      await new Promise(resolve => setTimeout(resolve, 5));
      await save(stores, 'a.ipynb', 'from-another-tab');
      await list.refresh(notebookSlug('a.ipynb'));
      expect(model.view.name).toBe('from-another-tab');
    });

    it('should say an experiment’s stored notebook is one', () => {
      const { notebook, model } = setup();
      notebook.open(
        experimentNotebookPath(`refs/exps/a-00000000/${ids.next()}`, 'a.ipynb')
      );
      expect(model.view.state).toBe('stored');
    });
  });

  describe('#dispose()', () => {
    it('should stop following the list and the notebook', () => {
      const { notebook, model, changes } = setup();
      model.dispose();
      notebook.open('a.ipynb');
      expect(changes()).toBe(0);
    });
  });
});
