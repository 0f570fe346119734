import { describe, expect, it } from 'vitest';

import { BridgeGitFs } from '../../src/bridge/gitfs';
import { BulkSource, storeSource } from '../../src/tracking/bulk';
import { UlidFactory } from '../../src/tracking/ids';
import { ExperimentList } from '../../src/tracking/list';
import { experimentRef, ExperimentStore } from '../../src/tracking/store';
import { isolatedClient } from '../support/client';
import { gitCli, storeGitDir, writeManifestCommit } from '../support/git';
import { makeManifest } from './fixtures';

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
      expect(list.error?.code).toBe('E_STORE_CORRUPT');
    });
  });
});
