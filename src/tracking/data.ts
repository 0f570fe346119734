import { BridgeClient } from '../bridge/client';
import { HashResult } from '../bridge/schemas';
import { MlopsError } from '../errors';
import { mapLimited } from './limit';
import { Manifest } from './manifest';
import { assertNoSecrets, scanText } from './secrets';
import { ExperimentStore } from './store';

/**
 * Hash data files through the bridge (streaming, cached by stat), and keep
 * the small ones in the experiment.
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
 * Hash paths relative to the Jupyter root; polls the job until done, and
 * cancels it when `signal` aborts (then fails with `E_CANCELLED`).
 */
export async function hashPaths(
  client: BridgeClient,
  paths: string[],
  options: {
    onProgress?: (progress: IHashProgress) => void;
    signal?: AbortSignal;
    pollMs?: number;
  } = {}
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

namespace Private {
  export async function hashBatch(
    client: BridgeClient,
    paths: string[],
    options: {
      onProgress?: (progress: IHashProgress) => void;
      signal?: AbortSignal;
      pollMs?: number;
    }
  ): Promise<HashResult[]> {
    let job = await client.hash(paths, 200);
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
 * path that hashed (missing ones are skipped: not created yet), files up to
 * `maxBytes` read with `readFile` and stored under `data/`, after a secret
 * scan of their text.
 */
export async function collectData(
  results: readonly HashResult[],
  sources: Map<string, Manifest['data'][number]['sources']>,
  maxBytes: number,
  readFile: (path: string) => Promise<Uint8Array>
): Promise<{ entries: Manifest['data']; files: ExperimentStore.IFile[] }> {
  const entries: Manifest['data'] = [];
  const files: ExperimentStore.IFile[] = [];
  const hashed = results.filter(
    (result): result is Exclude<HashResult, { error: unknown }> =>
      !('error' in result)
  );
  // Small files are read a few at a time (each is one contents request).
  const contents = await mapLimited(hashed, 4, async result =>
    result.kind === 'file' && result.size <= maxBytes
      ? readFile(result.path)
      : null
  );
  for (const [index, result] of hashed.entries()) {
    const data = contents[index];
    const stored = data !== null;
    if (data !== null) {
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
