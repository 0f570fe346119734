import type { ISettingRegistry } from '@jupyterlab/settingregistry';
import type { JSONValue } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';
import { z } from 'zod';

import type { FieldKey } from './tracking/list/rows';

/**
 * zod schemas of the plugins' settings. They mirror `schema/*.json` (a spec
 * checks that both agree on every default), and turn whatever the setting
 * registry hands over into typed values.
 */
/**
 * A column of the Experiments table, as the JSON schema spells it.
 */
const COLUMN_PATTERN =
  /^(created|starred|tags|notebook|author|(param|metric):.{1,200})$/;

export namespace SettingsSchemas {
  /**
   * `jupyterlab-mlops:plugin`: where the store lives.
   */
  export const core = z
    .object({
      storeDir: z
        .string()
        .min(1)
        .max(255)
        .refine(
          value => !value.startsWith('/') && !value.split('/').includes('..'),
          {
            message:
              'storeDir is a folder inside the Jupyter root (relative, no "..").'
          }
        )
        .default('.mlops')
    })
    .strict();

  /**
   * `jupyterlab-mlops:experiments`: what a snapshot captures.
   */
  export const experiments = z
    .object({
      captureMaxBytes: z
        .number()
        .int()
        .min(0)
        // The bridge captures at most 8 MiB per file (POST /mlops/hash).
        .max(8 * 1024 * 1024)
        .default(1024 * 1024),
      dataPaths: z.array(z.string().min(1).max(1024)).max(1000).default([]),
      columns: z
        .array(z.string().regex(COLUMN_PATTERN))
        .max(50)
        .default(['created'])
        .transform(columns => [...new Set(columns)] as FieldKey[]),
      metricDirections: z
        .record(z.string().min(1).max(200), z.enum(['higher', 'lower']))
        .refine(map => Object.keys(map).length <= 200, 'at most 200')
        .default({}),
      stepMetricValue: z.enum(['last', 'best']).default('last'),
      syncRemote: z.string().max(2048).default(''),
      tracking: z.enum(['local', 'mlflow']).default('local')
    })
    .strict();

  /**
   * `jupyterlab-mlops:pipeline`.
   */
  export const pipeline = z
    .object({
      followActiveNotebook: z.boolean().default(true),
      reproducibilityTolerance: z.number().min(0).max(1).default(0.001)
    })
    .strict();

  /**
   * `jupyterlab-mlops:registry`: which registry the Models panel talks to.
   */
  export const registry = z
    .object({
      backend: z.enum(['local', 'mlflow']).default('local'),
      gateMetric: z
        .string()
        .max(200)
        // eslint-disable-next-line no-control-regex
        .refine(value => !/[\u0000-\u001f\u007f]/.test(value), {
          message: 'gateMetric is a metric name, without control characters.'
        })
        .default(''),
      gateMinimum: z.number().nullable().default(null),
      gateMaxDrop: z.number().min(0).default(0),
      deployFlavors: z.array(z.string().max(100)).max(50).default(['sklearn']),
      requireApproval: z.boolean().default(false)
    })
    .strict();
}

/** Settings of the core plugin. */
export type CoreSettings = z.infer<typeof SettingsSchemas.core>;
/** Settings of the experiments plugin. */
export type ExperimentsSettings = z.infer<typeof SettingsSchemas.experiments>;
/** Settings of the pipeline plugin. */
export type PipelineSettings = z.infer<typeof SettingsSchemas.pipeline>;
/** Settings of the registry plugin. */
export type RegistrySettings = z.infer<typeof SettingsSchemas.registry>;

/**
 * Parse raw settings; invalid values fall back to the defaults, and the
 * problems are returned so the UI can say which setting was ignored.
 */
export function parseSettings<T extends z.ZodTypeAny>(
  schema: T,
  raw: unknown
): { value: z.infer<T>; problems: string[] } {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) {
    return { value: parsed.data, problems: [] };
  }
  const problems = parsed.error.issues.map(
    issue => `${issue.path.join('.') || '(settings)'}: ${issue.message}`
  );
  return { value: schema.parse({}), problems };
}

/**
 * A plugin's settings, loaded once from the setting registry, parsed with
 * the plugin's zod schema and followed as they change.
 *
 * Until they load, and when they cannot load or hold an invalid value, the
 * value is the schema's defaults; each problem is warned about once (the
 * same invalid value saved again does not warn again).
 */
export class PluginSettings<S extends z.ZodTypeAny> {
  /**
   * Start loading the settings (without a registry: the defaults).
   */
  constructor(options: PluginSettings.IOptions<S>) {
    this._schema = options.schema;
    this._warn = options.warn ?? Private.warn;
    this._value = parseSettings(this._schema, {}).value;
    const { registry, plugin } = options;
    this._ready = (
      registry
        ? registry.load(plugin).then(
            loaded => {
              if (this._disposed) {
                return;
              }
              this._loaded = loaded;
              loaded.changed.connect(this._onRegistryChanged, this);
              this._apply(loaded.composite, true);
            },
            reason => {
              this._warnOnce('jupyterlab-mlops: settings not loaded', reason);
              this._apply({}, true);
            }
          )
        : Promise.resolve().then(() => this._apply({}, true))
    ).catch(reason => {
      // A listener failed: not a settings problem, but not silent either.
      console.error('jupyterlab-mlops: settings listener failed', reason);
    });
  }

  /**
   * The current settings (the defaults until loaded).
   */
  get value(): z.infer<S> {
    return this._value;
  }

  /**
   * Why the current settings are the defaults, one line per invalid
   * setting (empty when they are valid).
   */
  get problems(): readonly string[] {
    return this._problems;
  }

  /**
   * Resolves once the settings are loaded or failed to load; never rejects.
   */
  get ready(): Promise<void> {
    return this._ready;
  }

  /**
   * Emitted once when the settings have loaded (or failed to: the
   * defaults), then each time the value or its problems change.
   */
  get changed(): ISignal<this, z.infer<S>> {
    return this._changed;
  }

  /**
   * Change one setting: at once here, then saved in the registry (a
   * failure to save is warned about; the value stays until the registry
   * says otherwise).
   */
  async set<K extends keyof z.input<S> & string>(
    key: K,
    value: z.input<S>[K]
  ): Promise<void> {
    this._apply({ ...this._raw, [key]: value }, false);
    try {
      await this._loaded?.set(key, value as JSONValue);
    } catch (reason) {
      this._warn(`jupyterlab-mlops: ${key} not saved`, reason);
    }
  }

  /**
   * Whether the settings stopped following the registry.
   */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Stop following the registry.
   */
  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._loaded?.changed.disconnect(this._onRegistryChanged, this);
    Signal.clearData(this);
  }

  private _onRegistryChanged(loaded: ISettingRegistry.ISettings): void {
    this._apply(loaded.composite, false);
  }

  private _apply(raw: unknown, first: boolean): void {
    const { value, problems } = parseSettings(this._schema, raw);
    this._raw =
      typeof raw === 'object' && raw !== null
        ? (raw as Record<string, unknown>)
        : {};
    problems.forEach(problem =>
      this._warnOnce(`jupyterlab-mlops: setting ignored: ${problem}`)
    );
    const same =
      JSON.stringify(value) === JSON.stringify(this._value) &&
      JSON.stringify(problems) === JSON.stringify(this._problems);
    this._value = value;
    this._problems = problems;
    if (first || !same) {
      this._changed.emit(value);
    }
  }

  private _warnOnce(message: string, reason?: unknown): void {
    if (this._warned.has(message)) {
      return;
    }
    this._warned.add(message);
    if (reason === undefined) {
      this._warn(message);
    } else {
      this._warn(message, reason);
    }
  }

  private _schema: S;
  private _warn: (message: string, reason?: unknown) => void;
  private _value: z.infer<S>;
  private _problems: string[] = [];
  private _raw: Record<string, unknown> = {};
  private _loaded: ISettingRegistry.ISettings | null = null;
  private _ready: Promise<void>;
  private _warned = new Set<string>();
  private _disposed = false;
  private _changed = new Signal<this, z.infer<S>>(this);
}

/**
 * A namespace for PluginSettings statics.
 */
export namespace PluginSettings {
  /**
   * Options of a plugin's settings.
   */
  export interface IOptions<S extends z.ZodTypeAny> {
    /** The setting registry, or null when the lab has none. */
    registry: ISettingRegistry | null;
    /** The plugin id, e.g. `jupyterlab-mlops:experiments`. */
    plugin: string;
    /** The zod twin of the plugin's `schema/*.json`. */
    schema: S;
    /** Where warnings go (default `console.warn`). */
    warn?: (message: string, reason?: unknown) => void;
  }
}

namespace Private {
  export function warn(message: string, reason?: unknown): void {
    if (reason === undefined) {
      console.warn(message);
    } else {
      console.warn(message, reason);
    }
  }
}
