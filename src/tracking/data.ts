import { BridgeClient } from '../bridge/client';
import { HashResult } from '../bridge/schemas';
import { MlopsError } from '../errors';
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
  if (paths.length === 0) {
    return [];
  }
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
  for (const result of results) {
    if ('error' in result) {
      continue;
    }
    const stored = result.kind === 'file' && result.size <= maxBytes;
    if (stored) {
      const data = await readFile(result.path);
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
