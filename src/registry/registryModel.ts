import { ISignal, Signal } from '@lumino/signaling';

import {
  AuditLog,
  Backend,
  Endpoint,
  IDeployGate,
  Lineage,
  ModelSummary,
  OutboxEntry,
  Preflight,
  RegisteredModel,
  RegistryRoutes
} from '../bridge/registry';
import { PipelineRoutes } from '../bridge/pipeline';
import type { IBridgeClient } from '../bridge/tokens';
import { describeError, isMlopsError } from '../errors';
import type { IExecutingKernel } from '../kernel/protocol';
import { ISavedModel, saveKernelModel } from './kernelModels';
import { reproducingRun } from './lineage';

type Client = IBridgeClient;

/** What the endpoint answered to the panel's "Try it". */
export interface ITryResult {
  model: string;
  request: string;
  status: number;
  answer: string;
}

/** What registering a model from the kernel takes. */
export interface IRegisterRequest {
  kernel: IExecutingKernel;
  variable: string;
  example: string | null;
  name: string;
  description: string;
  /** The latest snapshot's lineage, or null ("no lineage"). */
  lineage: Lineage | null;
  /** Push the version to the server's MLflow too (setting `backend: mlflow`). */
  push?: boolean;
  /** An experiment's model file instead of `variable` (the kernel loads it). */
  file?: { path: string; sha256: string };
}

/** How often the outbox is asked again while something in it is pending. */
const OUTBOX_POLL_MS = 2000;

/**
 * The Models panel's state: the local registry's models, the one shown
 * with its versions, the audit log's verification, and what is being done
 * (one thing at a time, named for the panel). Every change asks the
 * server again: the registry on disk is the truth.
 */
export class RegistryModel {
  constructor(options: { client: () => Client }) {
    this._client = options.client;
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  models: ModelSummary[] = [];
  /** Every model's endpoint (serving or crashed). */
  serving: Endpoint[] = [];
  tried: ITryResult | null = null;
  /** The model shown, with its versions (null: none chosen, or it is gone). */
  detail: RegisteredModel | null = null;
  audit: AuditLog | null = null;
  /** The server's MLflow (null: none configured); never with credentials. */
  mlflow: Backend['mlflow'] = null;
  /** What is on its way to MLflow, or got there (oldest first). */
  outbox: OutboxEntry[] = [];
  /** What is going on, for the panel ("Saving model in the kernel…"). */
  busy: string | null = null;
  error: string | null = null;
  loaded = false;

  /** Ask the server for the models, the shown model and the audit log. */
  async refresh(): Promise<void> {
    try {
      const client = this._client();
      const [{ models }, audit, { serving }, backend, outbox] =
        await Promise.all([
          RegistryRoutes.models(client),
          RegistryRoutes.audit(client),
          RegistryRoutes.serving(client),
          RegistryRoutes.backend(client),
          RegistryRoutes.outbox(client)
        ]);
      this.mlflow = backend.mlflow;
      this.outbox = outbox.entries;
      this._pollOutbox();
      this.models = models;
      this.audit = audit;
      this.serving = serving;
      const shown = this.detail?.name ?? this._selected;
      this.detail =
        shown !== null && models.some(m => m.name === shown)
          ? await RegistryRoutes.model(client, shown)
          : null;
      this.error = null;
    } catch (reason) {
      this.error = describeError(reason);
    }
    this.loaded = true;
    this._changed.emit();
  }

  /** Show one model (null: the list only). */
  async select(name: string | null): Promise<void> {
    this._selected = name;
    if (name === null) {
      this.detail = null;
      this._changed.emit();
      return;
    }
    try {
      this.detail = await RegistryRoutes.model(this._client(), name);
      this.error = null;
    } catch (reason) {
      this.error = describeError(reason);
    }
    this._changed.emit();
  }

  /**
   * Save a kernel variable's model into a fresh staging folder, then make
   * it the model's next version; the version number.
   */
  async register(
    request: IRegisterRequest
  ): Promise<{ version: number; saved: ISavedModel }> {
    const client = this._client();
    // One key for every try of this registration: a retry after a lost
    // answer gets the same version back, and MLflow gets it once.
    // (getRandomValues: randomUUID needs a secure context, a lab on http://host may not be one.)
    const key = Array.from(crypto.getRandomValues(new Uint8Array(16)), b =>
      b.toString(16).padStart(2, '0')
    ).join('');
    return this._doing('Saving the model in the kernel…', async () => {
      const staging = await RegistryRoutes.staging(client);
      const common = {
        example: request.example,
        folder: staging.path,
        requirements: request.lineage?.requirements ?? ''
      };
      const saved = await saveKernelModel(
        request.kernel,
        request.file
          ? { ...common, ...request.file }
          : { ...common, variable: request.variable }
      );
      this.busy = 'Registering the version…';
      this._changed.emit();
      const version = await Private.withRetries(() =>
        RegistryRoutes.register(client, {
          model: request.name,
          staging: staging.id,
          source: request.lineage ? 'experiment' : 'kernel',
          lineage: request.lineage,
          description: request.description,
          idempotencyKey: key,
          push: request.push
        })
      );
      this._selected = request.name;
      return { version: version.version, saved };
    });
  }

  /** The MLflow version of a local version, once pushed (null: not, or not yet). */
  mlflowVersion(model: string, version: number): OutboxEntry | null {
    const entries = this.outbox.filter(
      e => e.kind === 'version' && e.model === model && e.version === version
    );
    return entries[entries.length - 1] ?? null;
  }

  /** A KServe InferenceService manifest of a version: `{name, manifest}` (YAML). */
  async kserve(
    model: string,
    version: number,
    choice: { storageUri: string; cpu: string; memory: string }
  ): Promise<{ name: string; manifest: string }> {
    return RegistryRoutes.kserve(this._client(), { model, version, ...choice });
  }

  /**
   * The pipeline run the version's model came from: the newest finished
   * run of the notebook's pipeline that reproduced experiment `ref` (a run
   * started from the Pipeline panel is checked against the latest
   * snapshot). Null when there is none or the bridge cannot say.
   */
  async pipelineRunOf(notebook: string, ref: string): Promise<string | null> {
    try {
      const { runs } = await PipelineRoutes.runs(this._client(), notebook);
      return reproducingRun(runs, ref);
    } catch {
      return null;
    }
  }

  /** Send a failed outbox entry again. */
  async retryOutbox(key: string): Promise<void> {
    await this._doing('Queueing it again…', () =>
      RegistryRoutes.retryOutbox(this._client(), key)
    );
  }

  /** Stop asking the server (the panel is gone). */
  dispose(): void {
    this._disposed = true;
    window.clearTimeout(this._outboxTimer);
  }

  /** Ask for the outbox again in a while, while anything in it is pending. */
  private _pollOutbox(): void {
    window.clearTimeout(this._outboxTimer);
    if (this._disposed || !this.outbox.some(e => e.state === 'pending')) {
      return;
    }
    this._outboxTimer = window.setTimeout(async () => {
      try {
        const { entries } = await RegistryRoutes.outbox(this._client());
        const settled = entries.filter(e => e.state !== 'pending').length;
        const before = this.outbox.filter(e => e.state !== 'pending').length;
        this.outbox = entries;
        if (settled !== before) {
          await this.refresh(); // a version landed: its MLflow number shows
          return;
        }
        this._changed.emit();
      } catch {
        // Asked again by the next refresh.
      }
      this._pollOutbox();
    }, OUTBOX_POLL_MS);
  }

  /** Point `alias` of the shown model at `version` (null: remove it). */
  async setAlias(
    model: string,
    alias: string,
    version: number | null
  ): Promise<void> {
    await this._doing('Moving the alias…', () =>
      RegistryRoutes.setAlias(this._client(), model, alias, version)
    );
  }

  /** The checks of a deploy (or a rollback: `version` null), with a token when they pass. */
  async preflight(
    model: string,
    version: number | null,
    action: 'deploy' | 'rollback',
    gate: IDeployGate
  ): Promise<Preflight> {
    return this._doing('Running the preflight checks…', () =>
      RegistryRoutes.preflight(this._client(), model, version, action, gate)
    );
  }

  /** Carry out the change the confirmed preflight showed. */
  async deploy(check: Preflight): Promise<Endpoint> {
    if (check.token === null) {
      throw new Error('the preflight did not pass');
    }
    const token = check.token;
    const what = check.action === 'deploy' ? 'Deploying' : 'Rolling back';
    return this._doing(`${what} (starting the endpoint)…`, async () => {
      const done = await RegistryRoutes.deploy(
        this._client(),
        check.action,
        check.model,
        token
      );
      return done.endpoint;
    });
  }

  async approve(model: string, version: number): Promise<void> {
    await this._doing('Recording your approval…', () =>
      RegistryRoutes.approve(this._client(), model, version)
    );
  }

  async stop(model: string): Promise<void> {
    await this._doing('Stopping the endpoint…', () =>
      RegistryRoutes.stopServing(this._client(), model)
    );
  }

  /** Send the production version's input example to the model's endpoint. */
  async tryIt(model: string, version: number): Promise<void> {
    const key =
      this.detail?.key ?? this.models.find(m => m.name === model)?.key;
    await this._doing('Calling the endpoint…', async () => {
      const client = this._client();
      const file = await client.read(
        `registry/models/${key}/versions/${version}/model/serving_input_example.json`
      );
      const payload = Private.firstRow(
        JSON.parse(new TextDecoder().decode(file.data))
      );
      const request = JSON.stringify(payload);
      const answer = await RegistryRoutes.invoke(client, model, payload);
      this.tried = {
        model,
        request,
        status: answer.status,
        answer: JSON.stringify(answer.body)
      };
    });
  }

  /** The files of a version of the shown model that could be read (for the secret scan). */
  async versionFiles(
    version: number
  ): Promise<{ path: string; bytes: Uint8Array }[]> {
    const detail = this.detail;
    const entry = detail?.versions.find(v => v.version === version);
    if (!detail || !entry?.files) {
      return [];
    }
    const base = `registry/models/${detail.key}/versions/${version}/model/`;
    const answers = await this._client().readMany(
      Object.keys(entry.files).map(rel => base + rel)
    );
    const found: { path: string; bytes: Uint8Array }[] = [];
    for (const answer of answers) {
      if ('data' in answer) {
        found.push({
          path: answer.path.slice(base.length),
          bytes: answer.data
        });
      }
    }
    return found;
  }

  private async _doing<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.busy = what;
    this.error = null;
    this._changed.emit();
    try {
      return await work();
    } catch (reason) {
      this.error = describeError(reason);
      throw reason;
    } finally {
      this.busy = null;
      await this.refresh();
    }
  }

  private _client: () => Client;
  private _disposed = false;
  private _outboxTimer = 0;
  private _selected: string | null = null;
  private _changed = new Signal<this, void>(this);
}

namespace Private {
  /**
   * `call` again (up to 3 tries) when the bridge could not be reached: the
   * answer may have been lost after the server did the work, and the
   * idempotency key makes a second try answer the same version.
   */
  export async function withRetries<T>(call: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries++) {
      try {
        return await call();
      } catch (reason) {
        if (tries >= 3 || !isMlopsError(reason, 'E_BRIDGE_UNREACHABLE')) {
          throw reason;
        }
        await new Promise(resolve => setTimeout(resolve, 500 * tries));
      }
    }
  }

  /** An input example cut to its first row (`dataframe_split` or `inputs`). */
  export function firstRow(
    example: Record<string, unknown>
  ): Record<string, unknown> {
    const split = example['dataframe_split'] as
      { data?: unknown[] } | undefined;
    if (split && Array.isArray(split.data)) {
      return { dataframe_split: { ...split, data: split.data.slice(0, 1) } };
    }
    const inputs = example['inputs'];
    return Array.isArray(inputs) ? { inputs: inputs.slice(0, 1) } : example;
  }
}
