import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { parseSettings, SettingsSchemas } from '../src/settings';

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
  it('should keep valid values', () => {
    const { value, problems } = parseSettings(SettingsSchemas.registry, {
      backend: 'mlflow',
      mlflowUri: 'http://127.0.0.1:5000'
    });
    expect(problems).toEqual([]);
    expect(value).toEqual({
      backend: 'mlflow',
      mlflowUri: 'http://127.0.0.1:5000'
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
    [
      SettingsSchemas.registry,
      { mlflowUri: 'javascript:alert(1)' },
      'mlflowUri'
    ],
    [
      SettingsSchemas.pipeline,
      { followActiveNotebook: 'yes' },
      'followActiveNotebook'
    ],
    [SettingsSchemas.pipeline, { unknownKey: true }, '(settings)']
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
