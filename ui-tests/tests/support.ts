import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';

import { notebookSlug, UlidFactory } from '../../src/util/ids';

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
 * Snapshot the current notebook with its toolbar button, then show the
 * Experiments panel once it lists `count` experiments; return the panel.
 */
export async function snapshotAndWait(
  page: IJupyterLabPageFixture,
  count: number
) {
  await page
    .locator(
      '.jp-NotebookPanel-toolbar [data-command="mlops:snapshot-experiment"]'
    )
    .first()
    .click();
  const experiments = await openExperiments(page);
  await expect(
    experiments.locator('.jp-mlops-ExperimentTable-row')
  ).toHaveCount(count, { timeout: 30_000 });
  return experiments;
}

/**
 * Open a notebook of the server's root and wait for its panel.
 */
export async function openNotebook(
  page: IJupyterLabPageFixture,
  file: string
): Promise<void> {
  await page.evaluate(async target => {
    // Before the kernel specs arrive (the first test after the server
    // starts), JupyterLab cannot match the notebook's kernelspec and asks
    // for a kernel in a dialog that the test would never answer.
    const specs = window.jupyterapp.serviceManager.kernelspecs;
    await specs.ready;
    if (!specs.specs) {
      await specs.refreshSpecs();
    }
    await window.jupyterapp.commands.execute('docmanager:open', {
      path: target
    });
  }, file);
  await expect(page.locator('.jp-NotebookPanel')).toBeVisible();
  await settleKernel(page);
}

/**
 * Wait until the current notebook's session is ready. When starting its
 * kernel fails (a cold first kernel on a loaded machine: the session request
 * errs while the server still starts the kernel), JupyterLab shows the
 * reason, then asks for a kernel in a dialog no test would answer; this
 * answers them as a user would (the preselected kernel is the notebook's
 * own) and says so in the test's output, so the cause stays visible.
 */
async function settleKernel(page: IJupyterLabPageFixture): Promise<void> {
  const dialog = page.locator('.jp-Dialog');
  await expect
    .poll(
      async () => {
        if (await dialog.isVisible()) {
          const text = (await dialog.textContent()) ?? '';
          console.warn(`openNotebook: JupyterLab asked: ${text.slice(0, 300)}`);
          await dialog.locator('.jp-mod-accept').click();
          return false;
        }
        return page.evaluate(() => {
          const panel = window.jupyterapp.shell.currentWidget as unknown as {
            sessionContext?: { isReady?: boolean };
          } | null;
          return panel?.sessionContext?.isReady === true;
        });
      },
      { timeout: 90_000, intervals: [100, 250, 500] }
    )
    .toBe(true);
}

/**
 * Wait until the current notebook's kernel is idle. While a kernel starts,
 * JupyterLab refreshes its commands and runs its kernel-info commands, and
 * any command run closes an open command palette: a test that types into
 * the palette waits for this first, as a user would see the kernel ready.
 */
export async function waitForKernelIdle(
  page: IJupyterLabPageFixture
): Promise<void> {
  await page.waitForFunction(
    () => {
      const panel = window.jupyterapp.shell.currentWidget as unknown as {
        sessionContext?: { session?: { kernel?: { status?: string } } };
      } | null;
      return panel?.sessionContext?.session?.kernel?.status === 'idle';
    },
    undefined,
    { timeout: 90_000 }
  );
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

/**
 * What `writeExperiment` stores: the manifest's user-facing fields and the
 * notebook, as nbformat JSON, exactly as given.
 */
export interface IExperimentSeed {
  /** The notebook's path in the server's root. */
  notebookPath: string;
  name: string;
  notebook: unknown;
  parameters?: Record<string, string | number | boolean | null>;
  metrics?: Record<string, number>;
  /** Step-wise metrics: `[step, value]` pairs by name. */
  metricSeries?: Record<string, [number, number][]>;
  tags?: string[];
  note?: string;
  branch?: string | null;
  /** Who took it (jupyter_server's identity), if recorded. */
  author?: { username: string; name: string };
}

/**
 * Write one experiment into the server's store with the git CLI (a
 * commit on `refs/exps/<slug>/<ULID>` holding `manifest.json` and
 * `notebook.ipynb`), bypassing the lab: how a shared or hand-edited store
 * can hold anything. Returns its ref.
 */
export function writeExperiment(
  seed: IExperimentSeed,
  gitDir = path.join(ROOT, '.mlops', 'experiments.git')
): string {
  const git = (args: string[], input?: string) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], {
      input,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'jupyterlab-mlops',
        GIT_AUTHOR_EMAIL: 'mlops@localhost',
        GIT_COMMITTER_NAME: 'jupyterlab-mlops',
        GIT_COMMITTER_EMAIL: 'mlops@localhost'
      }
    }).trim();
  if (!existsSync(path.join(gitDir, 'HEAD'))) {
    // As the server's store/init makes it (jupyterlab_mlops/store_init.py):
    // its config is the template, so Sync and the server's git accept the
    // store whichever spec made it first (`git init` writes another).
    for (const folder of [
      'objects/info',
      'objects/pack',
      'refs/heads',
      'refs/tags'
    ]) {
      mkdirSync(path.join(gitDir, folder), { recursive: true });
    }
    writeFileSync(
      path.join(gitDir, 'config'),
      '[core]\n\trepositoryformatversion = 0\n\tfilemode = false\n' +
        '\tbare = true\n\tlogallrefupdates = false\n'
    );
    writeFileSync(path.join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
  }
  // The extension's own names, so the panel files the experiment as its own.
  const id = new UlidFactory().next();
  const slug = notebookSlug(seed.notebookPath);
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const manifest = {
    schemaVersion: 1,
    id,
    createdAt: new Date().toISOString(),
    ...(seed.author && { author: seed.author }),
    notebook: {
      path: seed.notebookPath,
      slug,
      contentHash: sha(id),
      cellHashes: [],
      kernelName: 'python3'
    },
    parameters: seed.parameters ?? {},
    metrics: seed.metrics ?? {},
    ...(seed.metricSeries && { metricSeries: seed.metricSeries }),
    data: [],
    environment: { python: '3.11.7', platform: 'Linux', packages: {} },
    health: {
      kernel: 'live',
      outOfOrder: false,
      editedAfterRun: [],
      neverRun: []
    },
    code:
      seed.branch === undefined
        ? null
        : {
            commit: sha(`commit ${id}`).slice(0, 40),
            branch: seed.branch,
            dirty: false
          },
    user: {
      name: seed.name,
      tags: seed.tags ?? [],
      starred: false,
      note: seed.note ?? '',
      parent: null
    }
  };
  const blob = (text: string) => git(['hash-object', '-w', '--stdin'], text);
  const tree = git(
    ['mktree'],
    `100644 blob ${blob(`${JSON.stringify(manifest, null, 2)}\n`)}\tmanifest.json\n` +
      `100644 blob ${blob(`${JSON.stringify(seed.notebook, null, 1)}\n`)}\tnotebook.ipynb\n`
  );
  const commit = git(['commit-tree', tree, '-m', `Experiment ${id}`]);
  const ref = `refs/exps/${slug}/${id}`;
  git(['update-ref', ref, commit]);
  return ref;
}
