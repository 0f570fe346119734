import git from 'isomorphic-git';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { isolatedClient } from '../../support/client';

const GITDIR = '/experiments.git';
const author = {
  name: 'Data Scientist',
  email: 'ds@example.org',
  timestamp: 1_700_000_000,
  timezoneOffset: 0
};

/** The git CLI on the store folder the server wrote. */
function gitCli(store: string, ...args: string[]): string {
  const gitDir = join(
    inject('jupyterServer').rootDir,
    store,
    'experiments.git'
  );
  return execFileSync('git', ['--git-dir', gitDir, ...args], {
    encoding: 'utf8'
  });
}

async function fsCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (reason) {
    expect(reason).toBeInstanceOf(BridgeGitFs.FsError);
    return (reason as BridgeGitFs.FsError).code;
  }
  throw new Error('expected the call to fail');
}

describe('BridgeGitFs', () => {
  describe('with isomorphic-git', () => {
    it('should init, commit and log a bare repository that git fsck accepts', async () => {
      const client = isolatedClient('git');
      const fs = new BridgeGitFs({ client });
      // The server sets the repository up; the file routes refuse its config.
      await fs.initRepository(GITDIR);

      const manifest = new TextEncoder().encode(
        JSON.stringify({ schemaVersion: 1, name: 'first' })
      );
      const blob = await git.writeBlob({ fs, gitdir: GITDIR, blob: manifest });
      const tree = await git.writeTree({
        fs,
        gitdir: GITDIR,
        tree: [
          { mode: '100644', path: 'manifest.json', oid: blob, type: 'blob' }
        ]
      });
      const ref = 'refs/exps/wine-classifier/01JEXAMPLE000000000000000';
      const first = await git.commit({
        fs,
        gitdir: GITDIR,
        message: 'first snapshot',
        author,
        tree,
        parent: [],
        ref
      });
      const second = await git.commit({
        fs,
        gitdir: GITDIR,
        message: 'second snapshot',
        author: { ...author, timestamp: author.timestamp + 60 },
        tree,
        parent: [first],
        ref
      });

      const log = await git.log({ fs, gitdir: GITDIR, ref });
      expect(log.map(entry => entry.oid)).toEqual([second, first]);
      expect(log[0].commit.message).toBe('second snapshot\n');

      // The real git CLI reads what isomorphic-git wrote through the bridge.
      expect(() =>
        gitCli(client.store ?? '', 'fsck', '--strict', '--no-dangling')
      ).not.toThrow();
      expect(
        gitCli(client.store ?? '', 'log', '--format=%H %s', ref)
          .trim()
          .split('\n')
      ).toEqual([`${second} second snapshot`, `${first} first snapshot`]);
      expect(
        gitCli(client.store ?? '', 'cat-file', '-p', `${ref}:manifest.json`)
      ).toBe(new TextDecoder().decode(manifest));
      expect(
        gitCli(client.store ?? '', 'rev-parse', '--is-bare-repository').trim()
      ).toBe('true');
    });

    it('should read git objects from its cache after the first read', async () => {
      const client = isolatedClient('cache');
      const fs = new BridgeGitFs({ client });
      await fs.initRepository(GITDIR);
      const oid = await git.writeBlob({
        fs,
        gitdir: GITDIR,
        blob: new Uint8Array([1, 2, 3])
      });
      const fresh = new BridgeGitFs({ client });
      await git.readBlob({ fs: fresh, gitdir: GITDIR, oid });
      const before = fresh.calls['readFile'] ?? 0;
      const again = await git.readBlob({ fs: fresh, gitdir: GITDIR, oid });
      expect(Array.from(again.blob)).toEqual([1, 2, 3]);
      expect(fresh.calls['readFile'] ?? 0).toBe(before);
      expect(fresh.cachedBytes).toBeGreaterThan(0);
    });
  });

  describe('#promises', () => {
    it('should map bridge errors to node error codes', async () => {
      const fs = new BridgeGitFs({ client: isolatedClient('codes') });
      const p = fs.promises;
      expect(await fsCode(p.readFile('/missing'))).toBe('ENOENT');
      expect(await fsCode(p.readdir('/missing'))).toBe('ENOENT');
      await p.mkdir('/dir');
      expect(await fsCode(p.mkdir('/dir'))).toBe('EEXIST');
      await p.writeFile('/dir/file', 'text', 'utf8');
      expect(await p.readFile('/dir/file', { encoding: 'utf8' })).toBe('text');
      expect(await fsCode(p.readdir('/dir/file'))).toBe('ENOTDIR');
      expect(await fsCode(p.rmdir('/dir'))).toBe('ENOTEMPTY');
      expect(await fsCode(p.readFile('/../outside'))).toBe('E_PATH_INVALID');
      expect(await fsCode(p.symlink('/etc', '/dir/link'))).toBe('ENOTSUP');
      const stat = await p.stat('/dir/file');
      expect(stat.isFile()).toBe(true);
      expect(stat.isDirectory()).toBe(false);
      expect(stat.size).toBe(4);
      await p.unlink('/dir/file');
      await p.rmdir('/dir');
      expect(await fsCode(p.stat('/dir'))).toBe('ENOENT');
    });

    it('should reject, not throw, when called with no arguments', async () => {
      // isomorphic-git probes promise support this way.
      const fs = new BridgeGitFs({ client: isolatedClient('probe') });
      const result = (
        fs.promises.readFile as unknown as () => Promise<unknown>
      )();
      expect(result).toBeInstanceOf(Promise);
      await expect(result).rejects.toBeInstanceOf(BridgeGitFs.FsError);
    });
  });
});
