import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { BridgeGitFs } from '../../src/bridge/gitfs/gitfs';
import { BulkSource, storeSource } from '../../src/tracking/list/bulkSource';
import { notebookSlug } from '../../src/util/ids';
import { ExperimentStore } from '../../src/tracking/store/store';
import { isolatedClient } from '../support/client';

// scripts/seed_experiments.py fills stores for the galata tests and the
// panel benchmark with the git CLI: what it writes must be what the panel
// reads, or those figures would measure something else.
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'seed_experiments.py');

describe('scripts/seed_experiments.py', () => {
  it('should write experiments the panel reads, valid and unbroken', async () => {
    const client = isolatedClient('seed');
    const storeDir = join(inject('jupyterServer').rootDir, client.store ?? '');
    const written = JSON.parse(
      execFileSync(
        'python',
        [
          SCRIPT,
          storeDir,
          '--count',
          '25',
          '--notebook',
          'a/b.ipynb',
          '--json'
        ],
        { encoding: 'utf8' }
      )
    ) as { ref: string; user: { name: string } }[];
    expect(written).toHaveLength(25);

    const store = new ExperimentStore({ fs: new BridgeGitFs({ client }) });
    const bulk = new BulkSource({ client, store });
    const entries = await bulk.list(notebookSlug('a/b.ipynb'));
    expect(entries.map(e => e.ref).sort()).toEqual(
      written.map(w => w.ref).sort()
    );
    const rows = await bulk.read(entries);
    expect(rows.filter(row => row.broken)).toEqual([]);
    expect(rows).toEqual(await storeSource(store).read(entries));
    expect(new Set(rows.map(row => row.name))).toEqual(
      new Set(written.map(w => w.user.name))
    );
    execFileSync('git', [
      '--git-dir',
      join(storeDir, 'experiments.git'),
      'fsck',
      '--strict'
    ]);
  });

  it('should compute the same notebook slugs as the extension', () => {
    const paths = [
      'examples/wine_classifier.ipynb',
      'A B/C--D.IPYNB',
      'données/étude.ipynb',
      '---.ipynb',
      `${'long-name/'.repeat(10)}x.ipynb`
    ];
    const python = execFileSync(
      'python',
      [
        '-c',
        'import json, sys; sys.path.insert(0, sys.argv[1]); ' +
          'from seed_experiments import notebook_slug; ' +
          'print(json.dumps([notebook_slug(p) for p in json.loads(sys.argv[2])]))',
        join(__dirname, '..', '..', 'scripts'),
        JSON.stringify(paths)
      ],
      { encoding: 'utf8' }
    );
    expect(JSON.parse(python)).toEqual(paths.map(notebookSlug));
  });
});
