import { ServerConnection } from '@jupyterlab/services';
import { createServer, Server } from 'node:http';
import { describe, expect, it } from 'vitest';

import { BridgeClient } from '../../src/bridge/client';
import { MlopsError } from '../../src/errors';
import { isolatedClient, serverSettings } from '../support/client';
import { codeOf } from '../support/errors';
import { gitCli, storeGitDir } from '../support/git';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

describe('BridgeClient', () => {
  describe('#status()', () => {
    it('should report the version, store folder and capabilities', async () => {
      const client = isolatedClient('status');
      const status = await client.status();
      expect(status.storeDir).toBe(client.store);
      expect(status.storeExists).toBe(false);
      expect(status.capabilities).toEqual(
        expect.arrayContaining(['fs', 'read-many', 'lock'])
      );
      expect(status.limits.maxBodyBytes).toBeGreaterThan(1024);
    });

    it('should refuse a request without a valid token', async () => {
      const client = new BridgeClient({
        serverSettings: serverSettings('wrong-token')
      });
      const error = await client.status().catch(reason => reason);
      expect(error).toBeInstanceOf(MlopsError);
      expect(error.code).toBe('E_BRIDGE_HTTP');
      expect([401, 403]).toContain(error.data.status);
    });

    it('should say the server is unreachable when nothing listens', async () => {
      const client = new BridgeClient({
        serverSettings: ServerConnection.makeSettings({
          baseUrl: 'http://127.0.0.1:9/',
          token: 'x',
          appendToken: false
        })
      });
      expect(await codeOf(client.status())).toBe('E_BRIDGE_UNREACHABLE');
    });

    it('should reject an answer of the wrong shape', async () => {
      // A stand-in server that answers 200 with nonsense: the client's own
      // validation is what is under test here.
      const junk: Server = createServer((_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ version: 3, capabilities: 'all' }));
      });
      await new Promise<void>(resolve => junk.listen(0, '127.0.0.1', resolve));
      const address = junk.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const client = new BridgeClient({
        serverSettings: ServerConnection.makeSettings({
          baseUrl: `http://127.0.0.1:${port}/`,
          token: 'x',
          appendToken: false
        })
      });
      try {
        expect(await codeOf(client.status())).toBe('E_BRIDGE_BAD_RESPONSE');
      } finally {
        junk.close();
      }
    });
  });

  describe('#write() and #read()', () => {
    it('should round-trip every byte value', async () => {
      const client = isolatedClient('rw');
      const data = new Uint8Array(256 * 300).map((_, i) => i % 256);
      const written = await client.write('objects/ab/blob', data, {
        parents: true
      });
      expect(written.size).toBe(data.length);
      const read = await client.read('objects/ab/blob');
      expect(read.size).toBe(data.length);
      expect(read.data).toEqual(data);
    });

    it('should replace a file and refuse an exclusive overwrite', async () => {
      const client = isolatedClient('excl');
      await client.write('tip', bytes('one'), { parents: true });
      await client.write('tip', bytes('two'));
      expect(text((await client.read('tip')).data)).toBe('two');
      expect(
        await codeOf(client.write('tip', bytes('three'), { exclusive: true }))
      ).toBe('E_EXISTS');
      expect(text((await client.read('tip')).data)).toBe('two');
    });

    it('should fail with E_NOT_FOUND for a missing file', async () => {
      const client = isolatedClient('missing');
      expect(await codeOf(client.read('nope'))).toBe('E_NOT_FOUND');
    });

    it.each([
      ['../escape', 'E_PATH_INVALID'],
      ['/etc/passwd', 'E_PATH_INVALID'],
      ['a/../../b', 'E_PATH_INVALID'],
      ['a\u0000b', 'E_PATH_INVALID'],
      ['x'.repeat(300), 'E_PATH_TOO_LONG']
    ])(
      'should refuse the path %j with %s and write nothing',
      async (path, code) => {
        const client = isolatedClient('hostile');
        expect(
          await codeOf(client.write(path, bytes('x'), { parents: true }))
        ).toBe(code);
        const status = await client.status();
        expect(status.storeExists).toBe(false);
      }
    );
  });

  describe('#readMany()', () => {
    it('should return contents and per-path errors in order', async () => {
      const client = isolatedClient('many');
      await client.write('a', bytes('A'), { parents: true });
      await client.write('b', bytes('B'));
      const results = await client.readMany(['a', 'missing', 'b']);
      expect(results.map(r => r.path)).toEqual(['a', 'missing', 'b']);
      expect('data' in results[0] && text(results[0].data)).toBe('A');
      expect('error' in results[1] && results[1].error.code).toBe(
        'E_NOT_FOUND'
      );
      expect('data' in results[2] && text(results[2].data)).toBe('B');
    });
  });

  describe('#list(), #stat(), #mkdir() and #rm()', () => {
    it('should manage folders', async () => {
      const client = isolatedClient('dirs');
      await client.mkdir('refs/exps/demo', true);
      await client.write('refs/exps/demo/01J', bytes('abc\n'));
      const listing = await client.list('refs/exps');
      expect(listing.entries).toEqual([{ name: 'demo', type: 'dir' }]);
      const stat = await client.stat('refs/exps/demo/01J');
      expect(stat.type).toBe('file');
      expect(stat.size).toBe(4);
      expect(await codeOf(client.mkdir('refs/exps/demo'))).toBe('E_EXISTS');
      expect(await codeOf(client.rm('refs/exps'))).toBe('E_NOT_EMPTY');
      expect(await codeOf(client.list('refs/exps/demo/01J'))).toBe(
        'E_NOT_A_DIRECTORY'
      );
      await client.rm('refs', true);
      expect(await codeOf(client.stat('refs'))).toBe('E_NOT_FOUND');
    });
  });

  describe('#initStore()', () => {
    it('should create a repository whose config the file routes cannot change', async () => {
      const client = isolatedClient('init');
      expect(await client.initStore()).toEqual({
        gitDir: 'experiments.git',
        created: true,
        configIsTemplate: true
      });
      expect((await client.initStore()).created).toBe(false);
      const planted = new TextEncoder().encode('[core]\n\tpager = touch x\n');
      for (const path of [
        'experiments.git/config',
        'experiments.git/hooks/pre-commit',
        'experiments.git/HEAD'
      ]) {
        expect(
          await codeOf(client.write(path, planted, { parents: true }))
        ).toBe('E_PATH_NOT_WRITABLE');
      }
      const git = gitCli(storeGitDir(client));
      expect(git(['config', '--local', '--list']).split('\n')).toEqual([
        'core.repositoryformatversion=0',
        'core.filemode=false',
        'core.bare=true',
        'core.logallrefupdates=false'
      ]);
    });
  });

  describe('#lock() and #unlock()', () => {
    it('should let one holder at a time take a lock', async () => {
      const client = isolatedClient('lock');
      const held = await client.lock('locks/index');
      expect(await codeOf(client.lock('locks/index'))).toBe('E_LOCKED');
      expect(
        await codeOf(client.unlock({ path: 'locks/index', token: 'not-mine' }))
      ).toBe('E_LOCK_NOT_HELD');
      await client.unlock(held);
      const again = await client.lock('locks/index');
      expect(again.token).not.toBe(held.token);
      await client.unlock(again);
    });
  });

  describe('#writeMany()', () => {
    it('should write objects and refuse one whose name does not match its content', async () => {
      const client = isolatedClient('many');
      const { deflateSync } = await import('node:zlib');
      const { createHash } = await import('node:crypto');
      const object = (content: string) => {
        const raw = Buffer.concat([
          Buffer.from(`blob ${Buffer.byteLength(content)}\0`),
          Buffer.from(content)
        ]);
        const oid = createHash('sha1').update(raw).digest('hex');
        return {
          path: `experiments.git/objects/${oid.slice(0, 2)}/${oid.slice(2)}`,
          data: new Uint8Array(deflateSync(raw))
        };
      };
      const one = object('one\n');
      expect(await client.writeMany([one])).toEqual([
        { path: one.path, size: one.data.length, written: true }
      ]);
      expect(await client.writeMany([one])).toEqual([
        { path: one.path, size: one.data.length, written: false }
      ]);
      const forged = { path: object('two\n').path, data: one.data };
      expect(await codeOf(client.writeMany([forged]))).toBe('E_BAD_REQUEST');
      expect(await codeOf(client.read(forged.path))).toBe('E_NOT_FOUND');
    });
  });
});
