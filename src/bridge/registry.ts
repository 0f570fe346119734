import { z } from 'zod';

import { postBridge, requestBridge } from './request';
import type { IBridgeClient } from './tokens';

/**
 * The local registry's routes (docs/bridge.md, "Registry"): models and
 * their versions, a staging folder for the kernel to save a model in, a
 * version made from it, aliases, and the audit log with its verification.
 * Everything a version records is the server's answer: who made it is
 * jupyter_server's identity of the request.
 */

const who = z.object({ username: z.string(), name: z.string() }).passthrough();

const lineage = z
  .object({
    experiment: z
      .object({ id: z.string(), ref: z.string() })
      .nullable()
      .optional(),
    notebook: z.string().nullable().optional(),
    notebookHash: z.string().nullable().optional(),
    dataHashes: z.record(z.string(), z.string()).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    requirements: z.string().optional(),
    pipelineRun: z.string().nullable().optional()
  })
  .passthrough();

const version = z
  .object({
    version: z.number().int(),
    state: z.enum(['ok', 'corrupt']),
    problem: z.string().nullable(),
    model: z.string().optional(),
    createdAt: z.string().optional(),
    createdBy: who.optional(),
    source: z.string().optional(),
    description: z.string().optional(),
    lineage: lineage.nullable().optional(),
    flavors: z.array(z.string()).optional(),
    signature: z
      .object({ inputs: z.string().nullable(), outputs: z.string().nullable() })
      .optional(),
    files: z
      .record(z.string(), z.object({ sha256: z.string(), size: z.number() }))
      .optional()
  })
  .passthrough();

const modelSummary = z
  .object({
    key: z.string(),
    name: z.string().nullable(),
    description: z.string().optional(),
    aliases: z.record(z.string(), z.number()).optional(),
    versions: z.number().int().optional(),
    latest: z.number().int().nullable().optional(),
    problem: z.string().nullable()
  })
  .passthrough();

const model = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string(),
    aliases: z.record(z.string(), z.number()),
    versions: z.array(version),
    createdBy: who.optional()
  })
  .passthrough();

const auditEntry = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    who,
    action: z.string(),
    model: z.string().nullable(),
    version: z.number().int().nullable(),
    details: z.record(z.string(), z.unknown()),
    hash: z.string()
  })
  .passthrough();

const check = z
  .object({ id: z.string(), ok: z.boolean(), reason: z.string() })
  .passthrough();

const endpoint = z
  .object({
    model: z.string().nullable(),
    version: z.number().int().nullable(),
    port: z.number().int().nullable(),
    url: z.string(),
    startedAt: z.number().nullable().optional(),
    state: z.enum(['serving', 'crashed']),
    log: z.string().nullable().optional()
  })
  .passthrough();

const outboxEntry = z
  .object({
    key: z.string(),
    kind: z.enum(['version', 'alias', 'snapshot']),
    /** A snapshot entry's experiment ref (tracking: mlflow). */
    ref: z.string().nullable().optional(),
    model: z.string(),
    version: z.number().int().nullable(),
    alias: z.string().nullable(),
    state: z.enum(['pending', 'done', 'failed']),
    attempts: z.number().int(),
    queuedAt: z.number(),
    lastError: z.object({ code: z.string(), message: z.string() }).nullable(),
    result: z
      .object({ version: z.string().nullable().optional() })
      .passthrough()
      .nullable()
  })
  .passthrough();

export const RegistrySchemas = {
  outbox: z
    .object({ configured: z.boolean(), entries: z.array(outboxEntry) })
    .passthrough(),
  backend: z
    .object({
      mlflow: z.object({ uri: z.string(), experiment: z.string() }).nullable()
    })
    .passthrough(),
  preflight: z
    .object({
      model: z.string(),
      version: z.number().int(),
      action: z.enum(['deploy', 'rollback']),
      ok: z.boolean(),
      checks: z.array(check),
      token: z.string().nullable(),
      change: z.object({
        alias: z.string(),
        from: z.number().int().nullable(),
        to: z.number().int()
      }),
      signature: z
        .object({
          inputs: z.string().nullable(),
          outputs: z.string().nullable()
        })
        .nullable()
        .optional()
    })
    .passthrough(),
  deployed: z
    .object({
      model: z.string(),
      from: z.number().int().nullable(),
      to: z.number().int(),
      endpoint
    })
    .passthrough(),
  serving: z.object({ serving: z.array(endpoint) }).passthrough(),
  stopped: z.object({ stopped: z.boolean() }).passthrough(),
  invoked: z
    .object({ status: z.number().int(), body: z.unknown() })
    .passthrough(),
  models: z.object({ models: z.array(modelSummary) }).passthrough(),
  model,
  version,
  staging: z.object({ id: z.string(), path: z.string() }).passthrough(),
  alias: z
    .object({
      model: z.string(),
      alias: z.string(),
      from: z.number().nullable(),
      to: z.number().nullable()
    })
    .passthrough(),
  audit: z
    .object({
      entries: z.array(auditEntry),
      verification: z.object({
        ok: z.boolean(),
        count: z.number().int(),
        problems: z.array(
          z.object({
            line: z.number().int(),
            kind: z.string(),
            message: z.string()
          })
        )
      })
    })
    .passthrough()
};

export type ModelSummary = z.infer<typeof modelSummary>;
export type RegisteredModel = z.infer<typeof model>;
export type ModelVersion = z.infer<typeof version>;
export type Lineage = z.infer<typeof lineage>;
export type AuditLog = z.infer<typeof RegistrySchemas.audit>;
export type Preflight = z.infer<typeof RegistrySchemas.preflight>;
export type Endpoint = z.infer<typeof endpoint>;
export type OutboxEntry = z.infer<typeof outboxEntry>;
export type Backend = z.infer<typeof RegistrySchemas.backend>;

/** The deploy gate, from the Models settings. */
export interface IDeployGate {
  metric?: string;
  min?: number;
  maxDrop?: number;
  flavors?: string[];
  requireApproval?: boolean;
}

type Client = Pick<IBridgeClient, 'serverSettings' | 'store'>;

const withStore = (client: Client) =>
  client.store ? `?${new URLSearchParams({ store: client.store })}` : '';

/** What a new version is made of. */
export interface IRegisterOptions {
  model: string;
  staging: string;
  source: 'experiment' | 'kernel' | 'pipeline';
  lineage: Lineage | null;
  description?: string;
  /** The same key for every try of one registration: it is made once. */
  idempotencyKey?: string;
  /** Push the version to the server's MLflow too (through its outbox). */
  push?: boolean;
}

/**
 * The bridge's registry routes, one function each.
 */
export const RegistryRoutes = {
  models(client: Client) {
    return requestBridge(
      client,
      `registry/models${withStore(client)}`,
      RegistrySchemas.models,
      {
        method: 'GET'
      }
    );
  },

  model(client: Client, name: string) {
    return requestBridge(
      client,
      `registry/models/${encodeURIComponent(name)}${withStore(client)}`,
      RegistrySchemas.model,
      { method: 'GET' }
    );
  },

  /** A fresh staging folder: the kernel saves the model there. */
  staging(client: Client) {
    return postBridge(client, 'registry/staging', RegistrySchemas.staging, {});
  },

  register(client: Client, options: IRegisterOptions) {
    return postBridge(client, 'registry/versions', RegistrySchemas.version, {
      model: options.model,
      staging: options.staging,
      source: options.source,
      // No lineage: the field is left out (the route takes no null there).
      ...(options.lineage && { lineage: options.lineage }),
      ...(options.description !== undefined && {
        description: options.description
      }),
      ...(options.idempotencyKey && { idempotencyKey: options.idempotencyKey }),
      ...(options.push && { push: true })
    });
  },

  /** Where the server pushes models (null: no MLflow configured), without credentials. */
  backend(client: Client) {
    return requestBridge(
      client,
      `registry/backend${withStore(client)}`,
      RegistrySchemas.backend,
      { method: 'GET' }
    );
  },

  /** The entries on their way to MLflow. */
  outbox(client: Client) {
    return requestBridge(
      client,
      `registry/outbox${withStore(client)}`,
      RegistrySchemas.outbox,
      { method: 'GET' }
    );
  },

  /** A KServe InferenceService manifest of a version (YAML; nothing is written). */
  kserve(
    client: Client,
    options: {
      model: string;
      version: number;
      storageUri: string;
      cpu: string;
      memory: string;
    }
  ) {
    return postBridge(
      client,
      'registry/kserve',
      z.object({ name: z.string(), manifest: z.string() }).passthrough(),
      options
    );
  },

  /** Send a failed outbox entry again. */
  retryOutbox(client: Client, key: string) {
    return postBridge(client, 'registry/outbox/retry', outboxEntry, { key });
  },

  /** Point `alias` at `version` (null: remove it). */
  setAlias(
    client: Client,
    model: string,
    alias: string,
    version: number | null
  ) {
    return postBridge(client, 'registry/aliases', RegistrySchemas.alias, {
      model,
      alias,
      version
    });
  },

  /** The checks of deploying `version` (or rolling back: `version` null), and a token when they pass. */
  preflight(
    client: Client,
    model: string,
    version: number | null,
    action: 'deploy' | 'rollback',
    gate: IDeployGate
  ) {
    return postBridge(client, 'registry/preflight', RegistrySchemas.preflight, {
      model,
      version,
      action,
      gate
    });
  },

  /** Carry out the change a preflight's token confirms. */
  deploy(
    client: Client,
    action: 'deploy' | 'rollback',
    model: string,
    token: string
  ) {
    return postBridge(client, `registry/${action}`, RegistrySchemas.deployed, {
      model,
      token
    });
  },

  /** Approve deploying `version` (another user must be the one who deploys). */
  approve(client: Client, model: string, version: number) {
    return postBridge(
      client,
      'registry/approve',
      z.object({ model: z.string(), version: z.number().int() }).passthrough(),
      { model, version }
    );
  },

  serving(client: Client) {
    return requestBridge(
      client,
      `registry/serving${withStore(client)}`,
      RegistrySchemas.serving,
      {
        method: 'GET'
      }
    );
  },

  stopServing(client: Client, model: string) {
    return postBridge(
      client,
      'registry/serving/stop',
      RegistrySchemas.stopped,
      { model }
    );
  },

  /** Send a payload to the model's endpoint; how it answered. */
  invoke(client: Client, model: string, payload: Record<string, unknown>) {
    return postBridge(client, 'registry/invoke', RegistrySchemas.invoked, {
      model,
      payload
    });
  },

  audit(client: Client) {
    return requestBridge(
      client,
      `registry/audit${withStore(client)}`,
      RegistrySchemas.audit,
      {
        method: 'GET'
      }
    );
  }
};
