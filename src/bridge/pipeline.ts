import { z } from 'zod';

import { requestBridge } from './request';
import type { IBridgeClient } from './tokens';

/**
 * The pipeline routes of the bridge (docs/bridge.md): write an export next
 * to the notebook, start the notebook's `local` export as a run that
 * outlives the tab, list runs, read a step's log from an offset, cancel.
 * The runner's `status.json` is what the routes answer about a run.
 */

/** The targets a pipeline exports to. */
export const EXPORT_TARGETS = ['local', 'dvc', 'kfp', 'airflow'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** The states of a step in a run. */
export const STEP_STATES = [
  'queued',
  'running',
  'cached',
  'done',
  'failed',
  'cancelled',
  'skipped'
] as const;

const stepStatus = z
  .object({
    state: z.enum(STEP_STATES),
    started: z.number().nullable(),
    finished: z.number().nullable(),
    log: z.string(),
    exitCode: z.number().int().optional()
  })
  .passthrough();

const reproduction = z
  .object({
    state: z.enum(['reproduced', 'drifted', 'unknown']),
    checks: z.array(
      z.object({
        name: z.string(),
        expected: z.number(),
        got: z.number(),
        ok: z.boolean()
      })
    ),
    missing: z.array(z.string()),
    tolerance: z.number(),
    experiment: z.string().nullable()
  })
  .passthrough();

const runStatus = z
  .object({
    run: z.string(),
    pipeline: z.string(),
    state: z.enum(['running', 'done', 'failed', 'cancelled', 'interrupted']),
    started: z.number(),
    finished: z.number().nullable(),
    params: z.record(z.string(), z.unknown()),
    steps: z.record(z.string(), stepStatus),
    metrics: z.record(z.string(), z.number()).optional(),
    /** The reproducibility check, when the run was started with one. */
    reproduction: reproduction.optional()
  })
  .passthrough();

const exportInfo = z
  .object({
    folder: z.string(),
    contentHash: z.string(),
    exportedAt: z.number().nullable().optional()
  })
  .passthrough()
  .nullable();

export const PipelineSchemas = {
  runStatus,
  runs: z.object({ runs: z.array(runStatus) }).passthrough(),
  started: z.object({ run: z.string(), folder: z.string() }).passthrough(),
  written: z
    .object({ folder: z.string(), written: z.number(), removed: z.number() })
    .passthrough(),
  exports: z
    .object({
      targets: z.object({
        local: exportInfo.optional(),
        dvc: exportInfo.optional(),
        kfp: exportInfo.optional(),
        airflow: exportInfo.optional()
      })
    })
    .passthrough(),
  log: z
    .object({ text: z.string(), offset: z.number(), eof: z.boolean() })
    .passthrough(),
  cancelled: z.object({ cancelled: z.boolean() }).passthrough()
};

/** A run as the runner's `status.json` has it. */
export type RunStatus = z.infer<typeof runStatus>;
/** A step of a run. */
export type StepStatus = z.infer<typeof stepStatus>;
/** Where each target's export of a notebook is, if it has one. */
export type ExportInfo = NonNullable<z.infer<typeof exportInfo>>;

type Client = Pick<IBridgeClient, 'serverSettings'>;

/** How a run starts. */
export interface IStartOptions {
  params?: Record<string, unknown>;
  /** Run every step, cached or not. */
  force?: boolean;
  /**
   * The reproducibility check the runner records when done: the notebook
   * snapshot's metrics, and how far the run's may be from them.
   */
  expect?: {
    experiment: string | null;
    metrics: Record<string, number>;
    tolerance: number;
  };
}

const query = (fields: Record<string, string>) =>
  new URLSearchParams(fields).toString();

/** A POST of a JSON body (these routes take no store folder). */
function post<T extends z.ZodTypeAny>(
  client: Client,
  route: string,
  schema: T,
  body: Record<string, unknown>
): Promise<z.infer<T>> {
  return requestBridge(client, route, schema, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' }
  });
}

/**
 * The bridge's pipeline routes, one function each.
 */
export const PipelineRoutes = {
  /**
   * Write an export (file path → text) into
   * `<notebook folder>/pipelines/<name>/<target>/`.
   */
  writeExport(
    client: Client,
    notebook: string,
    target: ExportTarget,
    files: Record<string, string>
  ) {
    return post(client, 'pipeline/export', PipelineSchemas.written, {
      notebook,
      target,
      files
    });
  },

  /** Where the notebook's exports are, and the content they were made of. */
  exports(client: Client, notebook: string) {
    return requestBridge(
      client,
      `pipeline/export?${query({ notebook })}`,
      PipelineSchemas.exports,
      { method: 'GET' }
    );
  },

  /** Start a run of the notebook's `local` export. */
  start(client: Client, notebook: string, options: IStartOptions = {}) {
    return post(client, 'pipeline/runs', PipelineSchemas.started, {
      notebook,
      params: options.params ?? {},
      force: options.force ?? false,
      ...(options.expect && { expect: options.expect })
    });
  },

  /** The notebook's runs, newest first. */
  runs(client: Client, notebook: string) {
    return requestBridge(
      client,
      `pipeline/runs?${query({ notebook })}`,
      PipelineSchemas.runs,
      { method: 'GET' }
    );
  },

  /** One run's status. */
  run(client: Client, notebook: string, run: string) {
    return requestBridge(
      client,
      `pipeline/runs/${encodeURIComponent(run)}?${query({ notebook })}`,
      PipelineSchemas.runStatus,
      { method: 'GET' }
    );
  },

  /** A step's log from a byte offset. */
  log(
    client: Client,
    notebook: string,
    run: string,
    step: string,
    offset: number
  ) {
    return requestBridge(
      client,
      `pipeline/runs/${encodeURIComponent(run)}/log?${query({
        notebook,
        step,
        offset: String(offset)
      })}`,
      PipelineSchemas.log,
      { method: 'GET' }
    );
  },

  /** Cancel a run (SIGTERM to its runner, which stops its steps). */
  cancel(client: Client, notebook: string, run: string) {
    return requestBridge(
      client,
      `pipeline/runs/${encodeURIComponent(run)}/cancel?${query({ notebook })}`,
      PipelineSchemas.cancelled,
      { method: 'POST', body: '{}' }
    );
  }
};
