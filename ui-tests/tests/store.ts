import { test } from '@jupyterlab/galata';
import { readdirSync, rmSync } from 'fs';
import * as path from 'path';

/**
 * The galata server's root (playwright.config.js sets it) and the refs
 * folder of its experiment store.
 */
export const ROOT = process.env.JUPYTERLAB_GALATA_ROOT_DIR ?? '';
const REFS = path.join(ROOT, '.mlops', 'experiments.git', 'refs', 'exps');

function notebookFolders(): Set<string> {
  try {
    return new Set(readdirSync(REFS));
  } catch {
    return new Set();
  }
}

/**
 * Every spec shares the server's store: remove the experiment refs a test
 * made, so that later specs (the empty states of panels.spec.ts) see the
 * project as they expect. Unreachable objects are harmless.
 */
export function removeExperimentsAfterEachTest(): void {
  let before = new Set<string>();
  test.beforeEach(() => {
    before = notebookFolders();
  });
  test.afterEach(() => {
    if (ROOT === '') {
      return;
    }
    for (const folder of notebookFolders()) {
      if (!before.has(folder)) {
        rmSync(path.join(REFS, folder), { recursive: true, force: true });
      }
    }
  });
}
