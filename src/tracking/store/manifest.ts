import { z } from 'zod';

import { MlopsError } from '../../errors';
import {
  MAX_SERIES_METRICS,
  MAX_SERIES_POINTS,
  MAX_SERIES_TOTAL
} from '../../notebook/metricSeries';
import { parameterValue, SKIP_REASONS } from '../../notebook/parameters';
import { ULID_PATTERN } from '../../util/ids';

/**
 * The manifest of an experiment (`manifest.json` in its commit), version 1.
 * Everything the Experiments panel lists, filters and compares comes from
 * here; the notebook and captured files sit beside it in the commit.
 */
export const MANIFEST_SCHEMA_VERSION = 1;

/**
 * The most skipped parameter lines a manifest lists (more are cut).
 */
export const MAX_SKIPPED_PARAMETERS = 1000;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * zod schema of `manifest.json`.
 */
export const manifestSchema = z
  .object({
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
    id: z.string().regex(ULID_PATTERN),
    createdAt: z.string().datetime(),
    /**
     * Who took the snapshot: jupyter_server's identity of the lab user
     * (absent in older manifests and when the server names no user).
     */
    author: z
      .object({
        username: z.string().min(1).max(200),
        name: z.string().max(200)
      })
      .strict()
      .optional(),
    notebook: z
      .object({
        path: z.string().min(1).max(4096),
        slug: z.string().regex(/^[a-z0-9-]{1,80}$/),
        contentHash: sha256Hex,
        cellHashes: z.array(sha256Hex).max(100_000),
        kernelName: z.string().max(200).nullable()
      })
      .strict(),
    parameters: z.record(z.string().max(200), parameterValue),
    metrics: z.record(z.string().max(200), z.number()),
    /**
     * Each metric logged with a step (`log_metrics(step=…)`): its points as
     * `[step, value]`, steps strictly increasing. Absent in older manifests
     * and when no metric had a step.
     */
    metricSeries: z
      .record(
        z.string().max(200),
        z
          .array(
            z.tuple([
              z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
              z.number()
            ])
          )
          .max(MAX_SERIES_POINTS)
          .refine(
            points =>
              points.every((p, i) => i === 0 || p[0] > points[i - 1][0]),
            'steps must be strictly increasing'
          )
      )
      .refine(
        series => Object.keys(series).length <= MAX_SERIES_METRICS,
        `at most ${MAX_SERIES_METRICS} metrics have a series`
      )
      .refine(
        series =>
          Object.values(series).reduce((n, p) => n + p.length, 0) <=
          MAX_SERIES_TOTAL,
        `at most ${MAX_SERIES_TOTAL} points in all series`
      )
      .optional(),
    data: z
      .array(
        z
          .object({
            path: z.string().min(1).max(4096),
            kind: z.enum(['file', 'dir']),
            sha256: sha256Hex,
            size: z.number().int().nonnegative(),
            stored: z.boolean(),
            sources: z
              .array(z.enum(['code', 'settings', 'tags', 'audit']))
              .min(1)
          })
          .strict()
      )
      .max(10_000),
    environment: z
      .object({
        python: z.string().max(200).nullable(),
        platform: z.string().max(200).nullable(),
        packages: z.record(z.string().max(200), z.string().max(200))
      })
      .strict(),
    health: z
      .object({
        kernel: z.enum(['live', 'none', 'busy', 'dead']),
        outOfOrder: z.boolean(),
        editedAfterRun: z.array(z.number().int().nonnegative()),
        neverRun: z.array(z.number().int().nonnegative()),
        /**
         * Code cells with an error output (0-based). Absent in manifests
         * written before it was recorded: unknown, read as none.
         */
        failedCells: z.array(z.number().int().nonnegative()).optional(),
        /**
         * The run was cut short: a `KeyboardInterrupt` output, or a kernel
         * that died. Absent in older manifests.
         */
        interrupted: z.boolean().optional()
      })
      .strict(),
    /**
     * Lines of the parameters cells that were not read as parameters, and
     * why (see `notebook/parameters.ts` SkipReason). Absent in older
     * manifests.
     */
    skippedParameters: z
      .array(
        z
          .object({
            cell: z.number().int().nonnegative(),
            line: z.number().int().positive(),
            text: z.string().max(200),
            reason: z.enum(SKIP_REASONS)
          })
          .strict()
      )
      .max(MAX_SKIPPED_PARAMETERS)
      .optional(),
    code: z
      .object({
        commit: z
          .string()
          .regex(/^[0-9a-f]{40,64}$/)
          .nullable(),
        branch: z.string().max(1000).nullable(),
        dirty: z.boolean().nullable()
      })
      .strict()
      .nullable(),
    user: z
      .object({
        name: z.string().min(1).max(200),
        tags: z.array(z.string().min(1).max(100)).max(100),
        starred: z.boolean(),
        note: z.string().max(100_000),
        parent: z.string().regex(ULID_PATTERN).nullable()
      })
      .strict()
  })
  .strict();

/**
 * An experiment's manifest.
 */
export type Manifest = z.infer<typeof manifestSchema>;

/**
 * Parse a manifest from the bytes of `manifest.json`; fails with
 * `E_MANIFEST_INVALID` saying what is wrong.
 */
export function parseManifest(
  bytes: Uint8Array,
  where = 'manifest.json'
): Manifest {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (reason) {
    throw Private.notJson(where, reason);
  }
  return parseManifestText(text, where);
}

/**
 * Parse and validate a `manifest.json` already decoded (the server's
 * `store/manifests` carries text); the same errors as `parseManifest`.
 */
export function parseManifestText(
  text: string,
  where = 'manifest.json'
): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (reason) {
    throw Private.notJson(where, reason);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw Private.invalid(where, parsed.error.issues);
  }
  return parsed.data;
}

/**
 * The bytes of `manifest.json`: stable key order (as built), two-space
 * indent, trailing newline, so `git diff` between experiments reads well.
 */
export function serializeManifest(manifest: Manifest): Uint8Array {
  const parsed = manifestSchema.safeParse(manifest);
  if (!parsed.success) {
    throw Private.invalid('the new manifest', parsed.error.issues);
  }
  return new TextEncoder().encode(`${JSON.stringify(parsed.data, null, 2)}\n`);
}

namespace Private {
  /**
   * The error for a manifest that is not UTF-8 JSON.
   */
  export function notJson(where: string, reason: unknown): MlopsError {
    return new MlopsError(
      'E_MANIFEST_INVALID',
      `${where} is not valid UTF-8 JSON.`,
      { where, reason: String(reason) }
    );
  }

  /**
   * The error for a manifest that does not match the schema.
   */
  export function invalid(
    where: string,
    issues: z.core.$ZodIssue[]
  ): MlopsError {
    const first = issues[0];
    return new MlopsError(
      'E_MANIFEST_INVALID',
      `${where} does not match schema version ${MANIFEST_SCHEMA_VERSION}: ${first?.path.join('.') || '(root)'}: ${first?.message ?? 'invalid'}`,
      { where, issues: issues.slice(0, 5) }
    );
  }
}
