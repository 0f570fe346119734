import { describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../../src/bridge/gitfs/gitfs';
import { MlopsError } from '../../../src/errors';
import { BulkSource, storeSource } from '../../../src/tracking/list/bulkSource';
import { UlidFactory } from '../../../src/util/ids';
import { ExperimentList } from '../../../src/tracking/list/experimentList';
import { ExperimentStore } from '../../../src/tracking/store/store';
import { experimentRef } from '../../../src/tracking/store/refs';
import { isolatedClient } from '../../support/client';
import { gitCli, storeGitDir, writeManifestCommit } from '../../support/git';
import { makeManifest } from '../fixtures';

const ids = new UlidFactory();

describe('ExperimentList', () => {
  describe('#refresh()', () => {
    it.each(['store', 'bulk'])(
      'should list good experiments and show a corrupt one as broken (%s)',
      async kind => {
        const client = isolatedClient('list');
        const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
        const good = await store.save({
          manifest: makeManifest(ids.next()),
          files: []
        });
        // A ref whose manifest is not JSON, written with the git CLI.
        const broken = experimentRef(good.slug, ids.next());
        writeManifestCommit(
          gitCli(storeGitDir(client)),
          broken,
          '{"schemaVersion": 99'
        );

        const source =
          kind === 'bulk'
            ? new BulkSource({ client, store })
            : storeSource(store);
        const list = new ExperimentList({ source: () => source });
        let changes = 0;
        list.changed.connect(() => (changes += 1));
        await list.refresh(good.slug);
        expect(list.loading).toBe(false);
        expect(list.error).toBeNull();
        expect(changes).toBe(2);
        expect(list.rows.map(r => [r.ref, r.broken?.code])).toEqual([
          [broken, 'E_MANIFEST_INVALID'],
          [good.ref, undefined]
        ]);
        expect(list.rows[1]).toMatchObject({
          name: 'brave-otter',
          metrics: { accuracy: 0.93 }
        });
      }
    );

    it('should report a store it cannot read as an error, not as rows', async () => {
      const list = new ExperimentList({
        source: () => {
          throw new Error('no store');
        }
      });
      await list.refresh();
      expect(list.rows).toEqual([]);
      expect(list.error).toEqual({ code: 'E_IO', message: 'Error: no store' });
    });

    it('should keep the code of a store error', async () => {
      const list = new ExperimentList({
        source: () => {
          throw new MlopsError('E_STORE_CORRUPT', 'bad refs');
        }
      });
      await list.refresh();
      expect(list.rows).toEqual([]);
      expect(list.error).toEqual({
        code: 'E_STORE_CORRUPT',
        message: 'bad refs'
      });
    });

    it('should not report a network failure as a corrupt store', async () => {
      // What `fetch` rejects with when the server is gone.
      const list = new ExperimentList({
        source: () => ({
          list: () => Promise.reject(new TypeError('Failed to fetch')),
          read: () => Promise.resolve([])
        })
      });
      await list.refresh();
      expect(list.loading).toBe(false);
      expect(list.rows).toEqual([]);
      expect(list.error).toEqual({
        code: 'E_IO',
        message: 'TypeError: Failed to fetch'
      });
    });

    it('should report the bridge error behind a wrapped failure', async () => {
      // The git `fs` adapter wraps bridge errors for isomorphic-git.
      const unreachable = new MlopsError(
        'E_BRIDGE_UNREACHABLE',
        'The server extension did not answer.'
      );
      const list = new ExperimentList({
        source: () => ({
          list: () =>
            Promise.reject(
              new Error('ENOENT: refs/exps', { cause: unreachable })
            ),
          read: () => Promise.resolve([])
        })
      });
      await list.refresh();
      expect(list.error).toEqual({
        code: 'E_BRIDGE_UNREACHABLE',
        message: 'The server extension did not answer.'
      });
    });
  });
});
