import { ServerConnection } from '@jupyterlab/services';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { BridgeClient } from '../../src/bridge/client';
import { BridgeGitFs } from '../../src/bridge/gitfs/gitfs';
import { UlidFactory } from '../../src/util/ids';
import { ExperimentStore } from '../../src/tracking/store/store';
import { startServer } from '../support/server';
import { makeManifest } from './fixtures';

/**
 * Crash safety: the server is SIGKILLed at random moments while snapshots
 * are being written; every snapshot reported saved must stay reachable and
 * the repository must stay valid for the git CLI.
 */
describe('ExperimentStore under server crashes', () => {
  it('should keep every saved snapshot and a valid repository across kills', async () => {
    const rootDir = mkdtempSync(join(tmpdir(), 'mlops-crash-'));
    const token = 'crash-test-token';
    let server = await startServer({ rootDir, token });
    const port = Number(new URL(server.baseUrl).port);
    const client = new BridgeClient({
      serverSettings: ServerConnection.makeSettings({
        baseUrl: server.baseUrl,
        token,
        appendToken: false
      }),
      store: '.mlops'
    });
    const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
    const ids = new UlidFactory();
    // A seeded generator, so a failure can be replayed.
    let seed = 20261123;
    const random = () =>
      (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

    const saved: string[] = [];
    let failures = 0;
    let kills = 0;
    let running = true;
    const killer = (async () => {
      while (running && kills < 8) {
        await new Promise(resolve =>
          setTimeout(resolve, 400 + random() * 1200)
        );
        if (!running) {
          break;
        }
        await server.kill();
        kills += 1;
        server = await startServer({ rootDir, token, port });
      }
    })();
    try {
      for (let attempt = 0; saved.length < 100 && attempt < 1000; attempt++) {
        try {
          const entry = await store.save({
            manifest: makeManifest(ids.next()),
            files: []
          });
          saved.push(entry.ref);
        } catch {
          failures += 1;
          await new Promise(resolve => setTimeout(resolve, 100));
        }
      }
    } finally {
      running = false;
      await killer;
    }
    try {
      expect(saved).toHaveLength(100);
      expect(kills).toBeGreaterThan(0);
      expect(failures).toBeGreaterThan(0);
      const gitDir = join(rootDir, '.mlops', 'experiments.git');
      const git = (...args: string[]) =>
        execFileSync('git', ['--git-dir', gitDir, ...args], {
          encoding: 'utf8'
        });
      git('fsck', '--strict', '--no-dangling');
      const refs = git('for-each-ref', '--format=%(refname)', 'refs/exps')
        .trim()
        .split('\n');
      for (const ref of saved) {
        expect(refs).toContain(ref);
        expect(JSON.parse(git('show', `${ref}:manifest.json`)).id).toBe(
          ref.split('/').pop()
        );
      }
      // Interrupted writes leave no visible half-written object: temp files
      // have their own prefix and never a git object name.
      const objects = join(gitDir, 'objects');
      for (const fanout of readdirSync(objects).filter(name =>
        /^[0-9a-f]{2}$/.test(name)
      )) {
        for (const name of readdirSync(join(objects, fanout))) {
          expect(
            name.startsWith('.mlops-tmp-') || /^[0-9a-f]{38}$/.test(name)
          ).toBe(true);
        }
      }
    } finally {
      await server.stop();
      rmSync(rootDir, { recursive: true, force: true });
    }
  }, 300_000);
});
