import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { readdirSync, rmSync } from 'fs';
import * as path from 'path';

/**
 * Helpers shared by the galata specs.
 */

/** The demo notebook of the repository. */
export const DEMO = path.resolve(
  __dirname,
  '..',
  '..',
  'examples',
  'wine_classifier.ipynb'
);

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

/**
 * Show the Experiments panel (through its command) and return it.
 */
export async function openExperiments(page: IJupyterLabPageFixture) {
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('mlops:open-experiments');
  });
  const panel = page.locator('#jp-mlops-experiments');
  await expect(panel).toBeVisible();
  return panel;
}

/**
 * Open a notebook of the server's root and wait for its panel.
 */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  file: string
): Promise<void> {
  await page.evaluate(async target => {
    await window.jupyterapp.commands.execute('docmanager:open', {
      path: target
    });
  }, file);
  await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
}

/**
 * An nbformat 4.5 notebook for a Python 3 kernel holding `cells`.
 */
export function notebookJson(cells: Record<string, unknown>[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3',
        language: 'python'
      }
    },
    cells
  });
}
