import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ISettingRegistry, SettingRegistry } from '@jupyterlab/settingregistry';
import type { IDataConnector } from '@jupyterlab/statedb';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

import {
  parseSettings,
  PluginSettings,
  SettingsSchemas
} from '../src/settings';

/** The deploy gate's defaults (schema/registry.json). */
const GATE_DEFAULTS = {
  gateMetric: '',
  gateMinimum: null,
  gateMaxDrop: 0,
  deployFlavors: ['sklearn'],
  requireApproval: false
};

// The real setting registry loads lumino's command registry (for keyboard
// shortcuts, which these settings have none of), whose helpers probe the
// DOM as they load. Node has none: just enough for them to load.
vi.hoisted(() => {
  const global = globalThis as Record<string, unknown>;
  global.navigator ??= { userAgent: 'node', platform: 'node' };
  global.document ??= { createElement: () => ({}) };
  global.Element ??= class {};
});

const cases: [string, z.ZodTypeAny][] = [
  ['plugin.json', SettingsSchemas.core],
  ['experiments.json', SettingsSchemas.experiments],
  ['pipeline.json', SettingsSchemas.pipeline],
  ['registry.json', SettingsSchemas.registry]
];

function jsonSchema(file: string): {
  additionalProperties: boolean;
  properties: Record<
    string,
    { default: unknown; title?: string; description?: string }
  >;
} {
  return JSON.parse(
    readFileSync(join(__dirname, '..', 'schema', file), 'utf8')
  );
}

describe('SettingsSchemas', () => {
  it.each(cases)(
    '%s should agree with its zod schema on every default',
    (file, schema) => {
      const json = jsonSchema(file);
      const defaults = Object.fromEntries(
        Object.entries(json.properties).map(([key, prop]) => [
          key,
          prop.default
        ])
      );
      expect(schema.parse({})).toEqual(defaults);
    }
  );

  it.each(cases)(
    '%s should title and describe every property and allow no others',
    file => {
      const json = jsonSchema(file);
      expect(json.additionalProperties).toBe(false);
      for (const prop of Object.values(json.properties)) {
        expect(prop.title).toBeTruthy();
        expect(prop.description).toBeTruthy();
      }
    }
  );
});

describe('parseSettings()', () => {
  it('should keep metric directions', () => {
    const { value, problems } = parseSettings(SettingsSchemas.experiments, {
      metricDirections: { accuracy: 'lower', mape: 'lower' }
    });
    expect(problems).toEqual([]);
    expect(value.metricDirections).toEqual({
      accuracy: 'lower',
      mape: 'lower'
    });
  });

  it('should keep valid values', () => {
    const { value, problems } = parseSettings(SettingsSchemas.registry, {
      backend: 'mlflow',
      gateMetric: 'accuracy'
    });
    expect(problems).toEqual([]);
    expect(value).toEqual({
      ...GATE_DEFAULTS,
      backend: 'mlflow',
      gateMetric: 'accuracy'
    });
  });

  it.each([
    [SettingsSchemas.core, { storeDir: '../outside' }, 'storeDir'],
    [SettingsSchemas.core, { storeDir: '/abs' }, 'storeDir'],
    [SettingsSchemas.experiments, { captureMaxBytes: -1 }, 'captureMaxBytes'],
    [
      SettingsSchemas.experiments,
      { captureMaxBytes: 'big' },
      'captureMaxBytes'
    ],
    [SettingsSchemas.registry, { backend: 'sagemaker' }, 'backend'],
    [SettingsSchemas.registry, { gateMetric: 'acc\u0000uracy' }, 'gateMetric'],
    [
      SettingsSchemas.pipeline,
      { followActiveNotebook: 'yes' },
      'followActiveNotebook'
    ],
    [SettingsSchemas.pipeline, { unknownKey: true }, '(settings)'],
    [
      SettingsSchemas.experiments,
      { metricDirections: { loss: 'down' } },
      'metricDirections'
    ],
    [
      SettingsSchemas.experiments,
      { stepMetricValue: 'max' },
      'stepMetricValue'
    ],
    [
      SettingsSchemas.experiments,
      { metricDirections: { ['m'.repeat(201)]: 'lower' } },
      'metricDirections'
    ],
    [
      SettingsSchemas.experiments,
      {
        metricDirections: Object.fromEntries(
          Array.from({ length: 201 }, (_, i) => [`m${i}`, 'lower'])
        )
      },
      'metricDirections'
    ]
  ] as [z.ZodTypeAny, unknown, string][])(
    'should fall back to the defaults and name the bad setting (%#)',
    (schema, raw, key) => {
      const { value, problems } = parseSettings(schema, raw);
      expect(value).toEqual(schema.parse({}));
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0].startsWith(key)).toBe(true);
    }
  );
});

/**
 * A real setting registry over an in-memory connector holding the
 * extension's own JSON schemas; `fail` makes fetches or saves reject.
 */
function registryWith(
  file: string,
  raw: Record<string, unknown>,
  fail: { fetch?: boolean; save?: boolean } = {}
) {
  const id = `jupyterlab-mlops:${file.replace('.json', '')}`;
  const schema = JSON.parse(
    readFileSync(join(__dirname, '..', 'schema', file), 'utf8')
  ) as ISettingRegistry.ISchema;
  const saved = { raw: JSON.stringify(raw) };
  const plugin = (): ISettingRegistry.IPlugin => ({
    id,
    schema,
    raw: saved.raw,
    data: { composite: {}, user: {} },
    version: '0.1.0'
  });
  const connector: IDataConnector<ISettingRegistry.IPlugin, string> = {
    fetch: async () => {
      if (fail.fetch) {
        throw new Error('no settings here');
      }
      return plugin();
    },
    list: async () => ({ ids: [id], values: [plugin()] }),
    save: async (_id, value) => {
      if (fail.save) {
        throw new Error('read-only settings');
      }
      saved.raw = value;
    },
    remove: async () => undefined
  };
  return { id, registry: new SettingRegistry({ connector }), connector };
}

function follow<S extends z.ZodTypeAny>(
  options: Omit<PluginSettings.IOptions<S>, 'warn'>
) {
  const warnings: string[] = [];
  const settings = new PluginSettings({
    ...options,
    warn: message => warnings.push(message)
  });
  const seen: z.infer<S>[] = [];
  settings.changed.connect((_, value) => seen.push(value));
  return { settings, warnings, seen };
}

describe('PluginSettings', () => {
  it('should load and parse the settings, then say so once', async () => {
    const { id, registry } = registryWith('experiments.json', {
      captureMaxBytes: 2048,
      columns: ['created', 'metric:accuracy', 'created']
    });
    const { settings, warnings, seen } = follow({
      registry,
      plugin: id,
      schema: SettingsSchemas.experiments
    });
    expect(settings.value).toEqual(SettingsSchemas.experiments.parse({}));
    await settings.ready;
    const expected = {
      captureMaxBytes: 2048,
      dataPaths: [],
      columns: ['created', 'metric:accuracy'],
      metricDirections: {},
      stepMetricValue: 'last',
      syncRemote: '',
      tracking: 'local'
    };
    expect(settings.value).toEqual(expected);
    expect(settings.problems).toEqual([]);
    expect(seen).toEqual([expected]);
    expect(warnings).toEqual([]);
    settings.dispose();
  });

  it('should fall back to the defaults on an invalid value and warn once', async () => {
    // Valid for the JSON schema, not for its zod twin.
    const { id, registry } = registryWith('registry.json', {
      gateMetric: 'acc\u202euracy\u0000'
    });
    const { settings, warnings, seen } = follow({
      registry,
      plugin: id,
      schema: SettingsSchemas.registry
    });
    await settings.ready;
    expect(settings.value).toEqual({ backend: 'local', ...GATE_DEFAULTS });
    expect(settings.problems).toEqual([
      'gateMetric: gateMetric is a metric name, without control characters.'
    ]);
    expect(warnings).toEqual([
      'jupyterlab-mlops: setting ignored: gateMetric: gateMetric is a metric name, without control characters.'
    ]);
    expect(seen).toHaveLength(1);

    // Another change that leaves the same value invalid: no news, no
    // second warning.
    await registry.set(id, 'backend', 'mlflow');
    expect(settings.value).toEqual({ backend: 'local', ...GATE_DEFAULTS });
    expect(warnings).toHaveLength(1);
    expect(seen).toHaveLength(1);

    // Fixed: the values apply and the problems are gone.
    await registry.set(id, 'gateMetric', 'accuracy');
    expect(settings.value).toEqual({
      ...GATE_DEFAULTS,
      backend: 'mlflow',
      gateMetric: 'accuracy'
    });
    expect(settings.problems).toEqual([]);
    expect(seen).toHaveLength(2);
    settings.dispose();
  });

  it.each([
    ['a connector that fails', {}, { fetch: true }],
    // The registry itself refuses values its JSON schema forbids.
    ['values the JSON schema refuses', { captureMaxBytes: -1 }, {}]
  ])(
    'should warn once and use the defaults when loading fails (%s)',
    async (_, raw, fail) => {
      const { id, registry } = registryWith('experiments.json', raw, fail);
      const warn = console.warn;
      // The registry logs its own validation errors.
      console.warn = () => undefined;
      try {
        const { settings, warnings, seen } = follow({
          registry,
          plugin: id,
          schema: SettingsSchemas.experiments
        });
        await settings.ready;
        const defaults = SettingsSchemas.experiments.parse({});
        expect(settings.value).toEqual(defaults);
        expect(warnings).toEqual(['jupyterlab-mlops: settings not loaded']);
        expect(seen).toEqual([defaults]);
        // Changes still apply here, though nothing saves them.
        await settings.set('columns', ['created', 'tags']);
        expect(settings.value.columns).toEqual(['created', 'tags']);
        expect(seen).toHaveLength(2);
        settings.dispose();
      } finally {
        console.warn = warn;
      }
    }
  );

  it('should use the defaults without a registry', async () => {
    const { settings, warnings, seen } = follow({
      registry: null,
      plugin: 'jupyterlab-mlops:plugin',
      schema: SettingsSchemas.core
    });
    await settings.ready;
    expect(seen).toEqual([{ storeDir: '.mlops' }]);
    expect(warnings).toEqual([]);
  });

  it('should follow a change made here, save it, and hear changes made elsewhere', async () => {
    const { id, registry, connector } = registryWith('experiments.json', {});
    const { settings, warnings, seen } = follow({
      registry,
      plugin: id,
      schema: SettingsSchemas.experiments
    });
    await settings.ready;
    const saving = settings.set('columns', ['created', 'starred']);
    // At once, before the registry has saved it.
    expect(settings.value.columns).toEqual(['created', 'starred']);
    await saving;
    // Saved: a registry loading afresh reads it.
    const fresh = await new SettingRegistry({ connector }).load(id);
    expect(fresh.composite['columns']).toEqual(['created', 'starred']);
    // The registry's own echo of the change is no news.
    expect(seen.map(value => value.columns)).toEqual([
      ['created'],
      ['created', 'starred']
    ]);

    // The Settings Editor, another tab: the registry says so.
    await registry.set(id, 'dataPaths', ['data/wine.csv']);
    expect(settings.value.dataPaths).toEqual(['data/wine.csv']);
    expect(seen).toHaveLength(3);

    // Disposed: no longer followed.
    settings.dispose();
    await registry.set(id, 'captureMaxBytes', 1);
    expect(seen).toHaveLength(3);
    expect(warnings).toEqual([]);
  });

  it('should warn when a change cannot be saved, and keep it here', async () => {
    const { id, registry } = registryWith(
      'experiments.json',
      {},
      { save: true }
    );
    const { settings, warnings } = follow({
      registry,
      plugin: id,
      schema: SettingsSchemas.experiments
    });
    await settings.ready;
    await settings.set('columns', ['tags']);
    expect(settings.value.columns).toEqual(['tags']);
    expect(warnings).toEqual(['jupyterlab-mlops: columns not saved']);
    settings.dispose();
  });
});
