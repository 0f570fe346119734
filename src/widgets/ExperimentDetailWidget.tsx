import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { Contents } from '@jupyterlab/services';
import { ITranslator } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { RegistryRoutes } from '../bridge/registry';
import type { IBridgeClient } from '../bridge/tokens';
import { TrackingRoutes } from '../bridge/tracking';
import { CommandIDs } from '../commands';
import type { IMlflowRun } from '../components/MlflowRunLink';
import { ExperimentDetail } from '../components/ExperimentDetail';
import { toMlopsError } from '../errors';
import { showBidiControls } from '../util/bidi';
import { Manifest } from '../tracking/store/manifest';
import { ExperimentStore } from '../tracking/store/store';
import { restoreExperiment } from './restoreExperiment';

/**
 * One experiment in a main-area tab: shows it, edits its user fields,
 * restores its notebook next to the original, deletes it (confirmed).
 */
export class ExperimentDetailWidget extends ReactWidget {
  /**
   * Create the widget; call `load()` to read the experiment.
   */
  constructor(options: ExperimentDetailWidget.IOptions) {
    super();
    this.addClass('jp-mlops-DetailWidget');
    this._options = options;
  }

  /**
   * The experiment's ref.
   */
  get experimentRef(): string {
    return this._options.experimentRef;
  }

  /**
   * Read (or re-read) the experiment.
   */
  async load(): Promise<void> {
    try {
      this._manifest = (
        await this._options.store().read(this.experimentRef)
      ).manifest;
      this._error = null;
      // Tab labels and notifications are plain text: controls as markers.
      this.title.label = showBidiControls(this._manifest.user.name);
    } catch (reason) {
      this._error = toMlopsError(reason).toString();
    }
    this.update();
  }

  protected render(): JSX.Element {
    const trans = this._options.translator.load('jupyterlab_mlops');
    if (this._error !== null) {
      return (
        <div className="jp-mlops-Notice jp-mod-error" role="alert">
          {this._error}
        </div>
      );
    }
    if (this._manifest === null) {
      return (
        <div className="jp-mlops-Notice">{trans.__('Reading experiment…')}</div>
      );
    }
    return (
      <ExperimentDetail
        manifest={this._manifest}
        refName={this.experimentRef}
        busy={this._busy}
        mlflow={this._mlflow()}
        translator={this._options.translator}
        actions={{
          // Not busy: a field saves on blur, and disabling the view then
          // would swallow the click that moved the focus.
          update: change =>
            void this._run(() => this._update(change), { busy: false }),
          restore: () => void this._run(() => this._restore()),
          openReadOnly: () =>
            void this._run(async () => {
              await this._options.commands.execute(
                CommandIDs.openExperimentNotebook,
                { ref: this.experimentRef }
              );
            }),
          remove: () => void this._run(() => this._remove()),
          registerModel: path =>
            void this._options.commands.execute(
              CommandIDs.registerExperimentModel,
              { ref: this.experimentRef, path }
            )
        }}
      />
    );
  }

  /** The MLflow line's source, made once (its identity keeps its state). */
  private _mlflow(): IMlflowRun | undefined {
    const tracking = this._options.tracking;
    if (!tracking || !tracking.enabled()) {
      return undefined;
    }
    if (!this._mlflowRun) {
      const ref = this.experimentRef;
      this._mlflowRun = {
        state: () => TrackingRoutes.state(tracking.client(), ref),
        send: async retry => {
          if (retry) {
            await RegistryRoutes.retryOutbox(
              tracking.client(),
              ref.split('/').pop() ?? ''
            );
          } else {
            await TrackingRoutes.mirror(tracking.client(), ref);
          }
        }
      };
    }
    return this._mlflowRun;
  }

  /**
   * Run one action after the ones before it (two saves of the same
   * experiment must not race), showing its failure.
   */
  private _run(
    action: () => Promise<void>,
    options: { busy: boolean } = { busy: true }
  ): Promise<void> {
    const run = async () => {
      if (options.busy) {
        this._busy = true;
        this.update();
      }
      try {
        await action();
      } catch (reason) {
        Notification.error(toMlopsError(reason).toString().slice(0, 140), {
          autoClose: false
        });
      } finally {
        this._busy = false;
        if (!this.isDisposed) {
          this.update();
        }
      }
    };
    this._queue = this._queue.then(run);
    return this._queue;
  }

  private async _update(change: Partial<Manifest['user']>): Promise<void> {
    const result = await this._options
      .store()
      .update(this.experimentRef, change);
    this._manifest = result.manifest;
    this.title.label = showBidiControls(result.manifest.user.name);
    this._options.onChanged();
  }

  private async _restore(): Promise<void> {
    const trans = this._options.translator.load('jupyterlab_mlops');
    const manifest = this._manifest;
    if (!manifest) {
      return;
    }
    const path = await restoreExperiment({
      store: this._options.store(),
      experimentRef: this.experimentRef,
      manifest,
      contents: this._options.contents,
      commands: this._options.commands
    });
    Notification.success(
      trans.__(
        'Restored %1 as %2',
        showBidiControls(manifest.user.name),
        showBidiControls(path)
      ),
      {
        autoClose: 5000
      }
    );
  }

  private async _remove(): Promise<void> {
    const trans = this._options.translator.load('jupyterlab_mlops');
    const name = showBidiControls(
      this._manifest?.user.name ?? this.experimentRef
    );
    const result = await showDialog({
      title: trans.__('Delete experiment %1?', name),
      body: trans.__(
        'This removes its ref %1. Its commit and files stay in the store until git gc prunes them, so it can be recovered by commit id until then. A copy that Sync already pushed stays on the remote: Sync never deletes there.',
        this.experimentRef
      ),
      buttons: [
        Dialog.cancelButton(),
        Dialog.warnButton({ label: trans.__('Delete') })
      ]
    });
    if (!result.button.accept) {
      return;
    }
    await this._options.store().remove(this.experimentRef);
    this._options.onChanged();
    this._options.onRemoved();
  }

  private _options: ExperimentDetailWidget.IOptions;
  private _manifest: Manifest | null = null;
  private _error: string | null = null;
  private _busy = false;
  private _mlflowRun: IMlflowRun | undefined;
  private _queue: Promise<void> = Promise.resolve();
}

/**
 * A namespace for ExperimentDetailWidget statics.
 */
export namespace ExperimentDetailWidget {
  /**
   * Options of the widget.
   */
  export interface IOptions {
    experimentRef: string;
    store: () => ExperimentStore;
    contents: Contents.IManager;
    commands: CommandRegistry;
    translator: ITranslator;
    /** The experiment changed (the list refreshes). */
    onChanged: () => void;
    /** The experiment was deleted (the tab closes). */
    onRemoved: () => void;
    /** The MLflow tracking mirror: whether it is on (setting), and the bridge. */
    tracking?: { enabled: () => boolean; client: () => IBridgeClient };
  }
}
