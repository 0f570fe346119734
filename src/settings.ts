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
  /^(created|starred|tags|notebook|(param|metric):.{1,200})$/;

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
        .transform(columns => [...new Set(columns)] as FieldKey[])
    })
    .strict();

  /**
   * `jupyterlab-mlops:pipeline`.
   */
  export const pipeline = z
    .object({
      followActiveNotebook: z.boolean().default(true)
    })
    .strict();

  /**
   * `jupyterlab-mlops:registry`: which registry the Models panel talks to.
   */
  export const registry = z
    .object({
      backend: z.enum(['local', 'mlflow']).default('local'),
      mlflowUri: z
        .string()
        .max(2048)
        .refine(value => value === '' || /^https?:\/\/[^\s]+$/.test(value), {
          message:
            'mlflowUri is an http(s) URL, or empty for the local registry.'
        })
        .default('')
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
