import { ServerConnection } from '@jupyterlab/services';
import { createInterface } from 'node:readline';

import { BridgeClient } from '../../src/bridge/client';
import { BridgeGitFs } from '../../src/bridge/gitfs/gitfs';
import { UlidFactory } from '../../src/util/ids';
import { ExperimentStore } from '../../src/tracking/store/store';
import { makeManifest } from '../tracking/fixtures';

/**
 * A writer process for the two-process reliability test: its own bridge
 * client, git fs adapter and store over the store folder the parent names,
 * saving `MLOPS_COUNT` snapshots one after the other once the parent says
 * `go` on stdin. Prints one JSON line per saved ref, and `{error}` then
 * exits 1 at the first failure (no retry: a failure is a finding).
 *
 * Run with `node test/support/runTs.mjs test/support/snapshotWriter.ts`.
 */

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) {
    throw new Error(`${name} is not set`);
  }
  return value;
};

const client = new BridgeClient({
  serverSettings: ServerConnection.makeSettings({
    baseUrl: env('MLOPS_BASE_URL'),
    token: env('MLOPS_TOKEN'),
    appendToken: false
  }),
  store: env('MLOPS_STORE')
});
const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
const ids = new UlidFactory();
const writer = env('MLOPS_WRITER');
const count = Number(env('MLOPS_COUNT'));
const encode = (text: string) => new TextEncoder().encode(text);

// Wait for the parent's go, so both writers start at the same moment.
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) {
  if (line === 'go') {
    break;
  }
}
lines.close();

try {
  for (let i = 0; i < count; i++) {
    const manifest = makeManifest(ids.next());
    const saved = await store.save({
      manifest,
      files: [
        // The same bytes from both writers: the same object, written twice.
        { path: 'requirements.txt', data: encode('numpy==2.1.0\n') },
        { path: 'notes/writer.txt', data: encode(`${writer} #${i}\n`) }
      ]
    });
    process.stdout.write(`${JSON.stringify({ ref: saved.ref })}\n`);
  }
} catch (reason) {
  process.stdout.write(`${JSON.stringify({ error: String(reason) })}\n`);
  process.exit(1);
}
