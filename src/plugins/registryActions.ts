import { JupyterFrontEnd } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';

import type { IDeployGate, Lineage } from '../bridge/registry';
import { CommandIDs } from '../commands';
import { describeError, MlopsError } from '../errors';
import { MODEL_FILE, normalizeDataPath } from '../notebook/dataPaths';
import type { ISecretScanCell } from '../notebook/secrets';
import { pipelineName } from '../pipeline/ir';
import { kernelCandidates } from '../registry/kernelModels';
import { lineageOf } from '../registry/lineage';
import { scanModel, secretsCheck } from '../registry/modelScan';
import { RegistryModel } from '../registry/registryModel';
import type { IExperimentList, IExperimentStore } from '../tokens';
import { confirmDialog, preflightDialog } from '../widgets/deployDialogs';
import { kserveDialog } from '../widgets/kserveDialog';
import { aliasDialog, registerDialog } from '../widgets/registryDialogs';

/**
 * What the Models panel does: register a model of the active notebook's
 * kernel (with the lineage of the notebook's latest snapshot), and move an
 * alias of a version.
 */
export class RegistryActions {
  constructor(options: RegistryActions.IOptions) {
    this._options = options;
  }

  /** Register a fitted model of the active notebook's kernel. */
  async register(): Promise<void> {
    const { tracker, trans, registry } = this._options;
    const panel = tracker.currentWidget;
    const kernel = panel?.sessionContext.session?.kernel ?? null;
    if (!panel || !kernel) {
      Notification.warning(
        trans.__(
          'Open a notebook with a running kernel to register its model.'
        ),
        { autoClose: 5000 }
      );
      return;
    }
    let candidates;
    try {
      candidates = await kernelCandidates(kernel);
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
      return;
    }
    if (candidates.models.length === 0) {
      Notification.warning(
        trans.__(
          'No fitted model in the kernel of %1: run the cell that trains it, then register.',
          panel.context.path
        ),
        { autoClose: 8000 }
      );
      return;
    }
    const path = panel.context.path;
    const { lineage, note } = await this._lineage(path);
    const choice = await registerDialog(
      candidates,
      { name: pipelineName(path), lineage: note },
      trans
    );
    if (choice === null) {
      return;
    }
    try {
      const { version } = await registry.register({
        kernel,
        variable: choice.variable,
        example: choice.example,
        name: choice.name,
        description: choice.description,
        lineage,
        push: this._options.push()
      });
      Notification.success(
        trans.__('Registered %1 version %2', choice.name, version),
        {
          autoClose: 5000
        }
      );
      await this._options.app.commands.execute(CommandIDs.openModels);
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
    }
  }

  /**
   * Register the model file `path` of the experiment `ref` (a pickle or
   * joblib file it saved or read): the kernel of the experiment's notebook
   * (or the current one) loads it only when its SHA-256 is the one the
   * experiment recorded, and saves it in MLflow format; the version's
   * lineage is that experiment's. The dialog is the confirmation.
   */
  async registerFromExperiment(ref: string, path: string): Promise<void> {
    const { tracker, trans, registry, store } = this._options;
    if (store === null) {
      return;
    }
    try {
      const { manifest } = await store.current.read(ref);
      const entry = manifest.data.find(d => d.path === path);
      if (
        !entry ||
        entry.kind !== 'file' ||
        !MODEL_FILE.test(path) ||
        normalizeDataPath(path) !== path
      ) {
        throw new MlopsError(
          'E_NOT_FOUND',
          `${path.slice(0, 200)} is no model file of this experiment`
        );
      }
      const panel =
        tracker.find(
          p =>
            p.context.path === manifest.notebook.path &&
            !!p.sessionContext.session?.kernel
        ) ?? tracker.currentWidget;
      const kernel = panel?.sessionContext.session?.kernel ?? null;
      if (!panel || !kernel) {
        Notification.warning(
          trans.__(
            'Open %1 with a running kernel: it loads the model file.',
            manifest.notebook.path
          ),
          { autoClose: 8000 }
        );
        return;
      }
      const candidates = await kernelCandidates(kernel);
      const folder = PathExt.dirname(panel.context.path);
      const choice = await registerDialog(
        {
          models: [
            {
              name: path,
              type: trans.__('file, %1', entry.sha256.slice(0, 12))
            }
          ],
          examples: candidates.examples
        },
        {
          name: pipelineName(manifest.notebook.path),
          lineage: trans.__(
            'Lineage: experiment %1. The kernel of %2 loads the file (unpickling runs its code: register only files you trust) after checking its SHA-256.',
            manifest.id.slice(-8),
            panel.context.path
          ),
          modelLabel: trans.__('Model (a file of the experiment)')
        },
        trans
      );
      if (choice === null) {
        return;
      }
      const { version } = await registry.register({
        kernel,
        variable: '',
        file: { path: PathExt.relative(folder, path), sha256: entry.sha256 },
        example: choice.example,
        name: choice.name,
        description: choice.description,
        lineage: lineageOf(
          manifest,
          ref,
          (await registry.pipelineRunOf(manifest.notebook.path, ref)) ??
            undefined
        ),
        push: this._options.push()
      });
      Notification.success(
        trans.__('Registered %1 version %2', choice.name, version),
        { autoClose: 5000 }
      );
      await this._options.app.commands.execute(CommandIDs.openModels);
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
    }
  }

  /**
   * Write a KServe InferenceService manifest of `version` of the shown
   * model to `kserve/<name>.yaml` (a new name when that file exists: a
   * manifest the user edited is never overwritten), and open it.
   */
  async exportKserve(version: number): Promise<void> {
    const { registry, trans, app } = this._options;
    const model = registry.detail;
    if (!model) {
      return;
    }
    const choice = await kserveDialog(model.name, version, trans);
    if (choice === null) {
      return;
    }
    try {
      const { name, manifest } = await registry.kserve(
        model.name,
        version,
        choice
      );
      const contents = app.serviceManager.contents;
      await contents
        .get('kserve', { content: false })
        .catch(() =>
          contents
            .newUntitled({ type: 'directory' })
            .then(made => contents.rename(made.path, 'kserve'))
        );
      let path = `kserve/${name}.yaml`;
      for (let n = 2; await Private.exists(app, path); n++) {
        path = `kserve/${name}-${n}.yaml`;
      }
      await contents.save(path, {
        type: 'file',
        format: 'text',
        content: manifest
      });
      await app.commands.execute('docmanager:open', { path });
      Notification.success(trans.__('Wrote %1', path), { autoClose: 5000 });
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
    }
  }

  /** Ask which alias to point at `version` of the shown model, then move it. */
  async setAlias(version: number): Promise<void> {
    const { registry, trans } = this._options;
    const model = registry.detail;
    if (!model) {
      return;
    }
    const alias = await aliasDialog(model.name, version, model.aliases, trans);
    if (alias === null) {
      return;
    }
    try {
      await registry.setAlias(model.name, alias, version);
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
    }
  }

  /**
   * Deploy `version` of the shown model: the preflight's checks, then the
   * confirmation of what changes; nothing happens without both.
   */
  async deploy(version: number): Promise<void> {
    await this._change(version, 'deploy');
  }

  /** Roll the shown model's production back to the version before. */
  async rollback(): Promise<void> {
    await this._change(null, 'rollback');
  }

  async approve(version: number): Promise<void> {
    const { registry, trans } = this._options;
    const model = registry.detail;
    if (!model) {
      return;
    }
    try {
      await registry.approve(model.name, version);
      Notification.success(
        trans.__('You approved deploying %1 version %2', model.name, version),
        { autoClose: 5000 }
      );
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
    }
  }

  async stop(model: string): Promise<void> {
    try {
      await this._options.registry.stop(model);
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
    }
  }

  async tryIt(model: string, version: number): Promise<void> {
    try {
      await this._options.registry.tryIt(model, version);
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
    }
  }

  private async _change(
    version: number | null,
    action: 'deploy' | 'rollback'
  ): Promise<void> {
    const { registry, trans } = this._options;
    const model = registry.detail;
    if (!model) {
      return;
    }
    try {
      const check = await registry.preflight(
        model.name,
        version,
        action,
        this._options.gate()
      );
      // The secret scan runs here, with the scanner snapshots use: the
      // model's files and the notebook it came from.
      const scan = await this._secrets(check.version);
      check.checks.push(scan);
      check.ok = check.ok && scan.ok;
      if (
        !(await preflightDialog(check, trans)) ||
        !(await confirmDialog(check, trans))
      ) {
        return;
      }
      const endpoint = await registry.deploy(check);
      Notification.success(
        trans.__(
          '%1 version %2 is production, serving at %3',
          check.model,
          check.change.to,
          endpoint.url
        ),
        { autoClose: 8000 }
      );
    } catch (reason) {
      Notification.error(describeError(reason), { autoClose: false });
    }
  }

  /** The secret scan of a version's files and of its experiment's notebook. */
  private async _secrets(
    version: number
  ): Promise<{ id: string; ok: boolean; reason: string }> {
    const { registry, store } = this._options;
    const files = await registry.versionFiles(version);
    const ref = registry.detail?.versions.find(v => v.version === version)
      ?.lineage?.experiment?.ref;
    let cells: ISecretScanCell[] | null = null;
    if (ref && store) {
      try {
        const bytes = await store.current.readFile(ref, 'notebook.ipynb');
        const notebook = JSON.parse(new TextDecoder().decode(bytes)) as {
          cells?: ISecretScanCell[];
        };
        cells = Array.isArray(notebook.cells) ? notebook.cells : null;
      } catch {
        cells = null;
      }
    }
    return secretsCheck(scanModel(files, cells), {
      files: files.length,
      notebook: cells !== null
    });
  }

  /** The lineage of the notebook's latest snapshot, and a sentence about it. */
  private async _lineage(
    path: string
  ): Promise<{ lineage: Lineage | null; note: string }> {
    const { list, store, trans } = this._options;
    let latest: { ref: string; createdAt: string } | null = null;
    for (const row of list?.rows ?? []) {
      if (
        row.notebookPath === path &&
        !row.broken &&
        (latest === null || row.createdAt > latest.createdAt)
      ) {
        latest = row;
      }
    }
    if (latest === null || store === null) {
      return {
        lineage: null,
        note: trans.__(
          'This notebook has no snapshot: the version will have no lineage, and the deploy gate refuses it by default. Take a snapshot first (Alt+S).'
        )
      };
    }
    try {
      const { manifest } = await store.current.read(latest.ref);
      const run = await this._options.registry.pipelineRunOf(path, latest.ref);
      return {
        lineage: lineageOf(manifest, latest.ref, run ?? undefined),
        note: trans.__(
          'Lineage: the snapshot of %1 (experiment %2): its data hashes, parameters, metrics and environment.',
          manifest.createdAt.slice(0, 16).replace('T', ' '),
          manifest.id.slice(-8)
        )
      };
    } catch (reason) {
      return {
        lineage: null,
        note: trans.__(
          'The latest snapshot cannot be read (%1): no lineage.',
          describeError(reason)
        )
      };
    }
  }

  private _options: RegistryActions.IOptions;
}

export namespace RegistryActions {
  export interface IOptions {
    app: JupyterFrontEnd;
    tracker: INotebookTracker;
    registry: RegistryModel;
    list: IExperimentList | null;
    store: IExperimentStore | null;
    /** The deploy gate, from the Models settings. */
    gate: () => IDeployGate;
    /** Whether registrations also go to the server's MLflow (setting `backend`). */
    push: () => boolean;
    trans: TranslationBundle;
  }
}

namespace Private {
  /** Whether the server has a file at `path`. */
  export async function exists(
    app: JupyterFrontEnd,
    path: string
  ): Promise<boolean> {
    try {
      await app.serviceManager.contents.get(path, { content: false });
      return true;
    } catch {
      return false;
    }
  }
}
