import { z } from 'zod';

import { decodeBase64 } from '../util/base64';

/**
 * zod schemas of the bridge's answers (docs/bridge.md). Types are inferred
 * from these, never written twice.
 */
export namespace BridgeSchemas {
  export const errorBody = z.object({
    code: z.string(),
    message: z.string()
  });

  export const status = z.object({
    version: z.string(),
    storeDir: z.string(),
    storeExists: z.boolean(),
    capabilities: z.array(z.string()),
    limits: z.object({
      maxBodyBytes: z.number().int().positive(),
      maxReadManyPaths: z.number().int().positive()
    })
  });

  export const fileData = z.object({
    path: z.string(),
    data: z.string(),
    size: z.number().int().nonnegative()
  });

  export const readManyEntry = z.union([
    fileData,
    z.object({ path: z.string(), error: errorBody })
  ]);

  export const readMany = z.object({ files: z.array(readManyEntry) });

  export const written = z.object({
    path: z.string(),
    size: z.number().int().nonnegative()
  });

  export const writeMany = z.object({
    files: z.array(
      z.object({
        path: z.string(),
        size: z.number().int().nonnegative(),
        written: z.boolean()
      })
    )
  });

  export const commit = writeMany.extend({
    ref: z.object({
      name: z.string(),
      oid: z.string().regex(/^[0-9a-f]{40}$/)
    }),
    /** Whether the snapshot was queued for the MLflow mirror (null: not asked). */
    mirror: z.enum(['queued', 'unconfigured', 'failed']).nullable().optional()
  });

  export const deletedRef = z.object({
    ref: z.string(),
    old: z.string().regex(/^[0-9a-f]{40}$/)
  });

  export const writeBlob = z.object({
    oid: z.string().regex(/^[0-9a-f]{40}$/),
    size: z.number().int().nonnegative(),
    written: z.boolean()
  });

  export const entryType = z.enum(['file', 'dir', 'symlink', 'other']);

  export const listing = z.object({
    path: z.string(),
    entries: z.array(z.object({ name: z.string(), type: entryType }))
  });

  export const stat = z.object({
    path: z.string(),
    type: entryType,
    size: z.number().int().nonnegative(),
    mode: z.number().int().nonnegative(),
    mtimeMs: z.number(),
    ctimeMs: z.number(),
    ino: z.number(),
    dev: z.number(),
    uid: z.number(),
    gid: z.number()
  });

  export const link = z.object({ path: z.string(), target: z.string() });

  export const pathOnly = z.object({ path: z.string() });

  export const lock = z.object({ path: z.string(), token: z.string() });

  /** Base64 in the answer, the decoded bytes once parsed. */
  export const base64Bytes = z.string().transform((text, ctx) => {
    try {
      return decodeBase64(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid base64' });
      return z.NEVER;
    }
  });

  export const hashResult = z.union([
    z
      .object({
        path: z.string(),
        kind: z.literal('file'),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        size: z.number().int().nonnegative(),
        cached: z.boolean(),
        // The very bytes hashed, when the request asked to capture them.
        data: base64Bytes.optional()
      })
      .refine(
        result =>
          result.data === undefined || result.data.length === result.size,
        { message: 'data is not size bytes long' }
      ),
    z.object({
      path: z.string(),
      kind: z.literal('dir'),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      size: z.number().int().nonnegative(),
      files: z.number().int().nonnegative(),
      skipped: z.number().int().nonnegative(),
      cached: z.boolean()
    }),
    z.object({ path: z.string(), error: errorBody })
  ]);

  export const storeInit = z.object({
    gitDir: z.string(),
    created: z.boolean(),
    configIsTemplate: z.boolean()
  });

  export const storeSync = z.object({
    remote: z.string(),
    pushed: z.number().int().nonnegative(),
    fetched: z.number().int().nonnegative(),
    upToDate: z.number().int().nonnegative(),
    keptDeleted: z.number().int().nonnegative(),
    changedMeanwhile: z.number().int().nonnegative(),
    conflicts: z.array(z.string()),
    rejected: z.array(z.object({ ref: z.string(), reason: z.string() }))
  });

  export const storeRefs = z.object({
    refs: z.array(z.tuple([z.string(), z.string()])),
    broken: z.array(z.string()),
    /** Names this listing (empty: the refs changed a moment ago). */
    token: z.string().optional(),
    /** The refs are those of the listing named `since`: none are sent. */
    unchanged: z.boolean().optional()
  });

  export const storeManifests = z.object({
    manifests: z.array(
      z.union([
        z.object({ commit: z.string(), text: z.string() }),
        z.object({ commit: z.string(), error: errorBody })
      ])
    )
  });

  export const projectGit = z.object({
    commit: z
      .string()
      .regex(/^[0-9a-f]{40,64}$/)
      .nullable(),
    branch: z.string().max(1000).nullable(),
    dirty: z.boolean().nullable()
  });

  export const hashJob = z.object({
    jobId: z.string().min(1),
    state: z.enum(['running', 'done', 'cancelled', 'failed']),
    bytesDone: z.number().nonnegative(),
    bytesTotal: z.number().nonnegative(),
    currentPath: z.string(),
    results: z.array(hashResult).optional(),
    error: errorBody.optional()
  });
}

/** What `GET /mlops/status` answers. */
export type BridgeStatus = z.infer<typeof BridgeSchemas.status>;
/** One file read through the bridge, data decoded. */
export interface IFileContent {
  path: string;
  data: Uint8Array;
  size: number;
}
/** One answer of `read-many`: the content or the error for that path. */
export type ReadManyResult =
  IFileContent | { path: string; error: { code: string; message: string } };
/** One object of a `write-many` answer. */
export type WriteManyResult = z.infer<
  typeof BridgeSchemas.writeMany
>['files'][number];
/** The answer of `commit`. */
export type CommitResult = z.infer<typeof BridgeSchemas.commit>;
/** The answer of `write-blob`. */
export type WriteBlobResult = z.infer<typeof BridgeSchemas.writeBlob>;
/** A folder listing. */
export type Listing = z.infer<typeof BridgeSchemas.listing>;
/** The stat of one path. */
export type StatResult = z.infer<typeof BridgeSchemas.stat>;
/** The project's own git state. */
export type ProjectGit = z.infer<typeof BridgeSchemas.projectGit>;
/** What `store/init` found or made. */
export type StoreInit = z.infer<typeof BridgeSchemas.storeInit>;
/** What a `store/sync` pushed and fetched. */
export type StoreSync = z.infer<typeof BridgeSchemas.storeSync>;
/** The experiment refs `store/refs` listed. */
export type StoreRefs = z.infer<typeof BridgeSchemas.storeRefs>;
/** One manifest `store/manifests` read, or why not. */
export type StoreManifest = z.infer<
  typeof BridgeSchemas.storeManifests
>['manifests'][number];
/** The status of a hashing job. */
export type HashJob = z.infer<typeof BridgeSchemas.hashJob>;
/** One path's hash, or its error. */
export type HashResult = z.infer<typeof BridgeSchemas.hashResult>;
/** A lock held through the bridge. */
export type LockHandle = z.infer<typeof BridgeSchemas.lock>;
