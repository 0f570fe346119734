import { IBridgeClient } from '../../bridge/tokens';
import { HashResult } from '../../bridge/schemas';
import { MlopsError } from '../../errors';
import { Manifest } from '../store/manifest';
import { assertNoSecrets, scanText } from '../../notebook/secrets';
import { ExperimentStore } from '../store/store';

/**
 * Hash data files through the bridge (streaming, cached by stat), and keep
 * the small ones in the experiment: the bridge sends their bytes with their
 * hash, read through the one descriptor it hashed, so what is kept is what
 * the hash covers (never a file swapped for a symlink in between).
 */

/**
 * Progress of a hashing job, for a progress indicator.
 */
export interface IHashProgress {
  bytesDone: number;
  bytesTotal: number;
  currentPath: string;
}

/**
 * Options of `hashPaths`.
 */
export interface IHashOptions {
  onProgress?: (progress: IHashProgress) => void;
  signal?: AbortSignal;
  pollMs?: number;
  /**
   * Files named in the paths of at most this many bytes come back with
   * their `data` (at most `HASH_CAPTURE_MAX_BYTES`; 0 or unset: none).
   */
  captureMaxBytes?: number;
}

/**
 * Hash paths relative to the Jupyter root; polls the job until done, and
 * cancels it when `signal` aborts (then fails with `E_CANCELLED`).
 */
export async function hashPaths(
  client: IBridgeClient,
  paths: string[],
  options: IHashOptions = {}
): Promise<HashResult[]> {
  const results: HashResult[] = [];
  // The bridge takes at most 1000 paths per request.
  for (let start = 0; start < paths.length; start += HASH_BATCH) {
    results.push(
      ...(await Private.hashBatch(
        client,
        paths.slice(start, start + HASH_BATCH),
        options
      ))
    );
  }
  return results;
}

/**
 * Most paths per hashing request (the bridge's limit).
 */
export const HASH_BATCH = 1000;

/**
 * Largest file the bridge sends back with its hash (its limit); bigger
 * settings are recorded by hash only above it.
 */
export const HASH_CAPTURE_MAX_BYTES = 8 * 1024 * 1024;

namespace Private {
  export async function hashBatch(
    client: IBridgeClient,
    paths: string[],
    options: IHashOptions
  ): Promise<HashResult[]> {
    const capture = Math.min(
      Math.max(0, Math.floor(options.captureMaxBytes ?? 0)),
      HASH_CAPTURE_MAX_BYTES
    );
    let job = await client.hash(paths, 200, capture);
    while (job.state === 'running') {
      options.onProgress?.(job);
      if (options.signal?.aborted) {
        await client.cancelHash(job.jobId);
        throw new MlopsError(
          'E_CANCELLED',
          'Hashing was cancelled; nothing was saved.'
        );
      }
      await new Promise(resolve => setTimeout(resolve, options.pollMs ?? 200));
      job = await client.hashStatus(job.jobId);
    }
    if (job.state === 'cancelled') {
      throw new MlopsError(
        'E_CANCELLED',
        'Hashing was cancelled; nothing was saved.'
      );
    }
    if (job.state === 'failed' || !job.results) {
      throw new MlopsError(
        'E_IO',
        job.error?.message ?? 'Hashing failed on the server.',
        {
          code: job.error?.code
        }
      );
    }
    options.onProgress?.(job);
    return job.results;
  }
}

/**
 * The manifest's data entries and the files to keep in the commit: every
 * path that hashed (missing ones are skipped: not created yet), and the
 * files the bridge captured (`data`: the bytes it hashed, see `hashPaths`)
 * stored under `data/`, after a secret scan of their text. Nothing is read
 * here: a file is kept only as the bridge hashed it.
 */
export function collectData(
  results: readonly HashResult[],
  sources: Map<string, Manifest['data'][number]['sources']>
): { entries: Manifest['data']; files: ExperimentStore.IFile[] } {
  const entries: Manifest['data'] = [];
  const files: ExperimentStore.IFile[] = [];
  for (const result of results) {
    if ('error' in result) {
      continue;
    }
    const data = result.kind === 'file' ? result.data : undefined;
    const stored = data !== undefined;
    if (data !== undefined) {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(data);
      assertNoSecrets(
        scanText(text, { cell: null, where: 'file', path: result.path })
      );
      files.push({ path: `data/${result.path}`, data });
    }
    entries.push({
      path: result.path,
      kind: result.kind,
      sha256: result.sha256,
      size: result.size,
      stored,
      sources: sources.get(result.path) ?? ['code']
    });
  }
  return { entries, files };
}
