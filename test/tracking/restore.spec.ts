import { describe, expect, it } from 'vitest';

import { restorePath } from '../../src/tracking/restore';

describe('restorePath()', () => {
  it('should name the copy after the experiment, next to the original', async () => {
    expect(
      await restorePath(
        'examples/wine.ipynb',
        'brisk-otter-7f',
        async () => false
      )
    ).toBe('examples/wine.brisk-otter-7f.ipynb');
    expect(await restorePath('top.ipynb', 'x', async () => false)).toBe(
      'top.x.ipynb'
    );
  });

  it('should never overwrite an existing file', async () => {
    const taken = new Set(['a/nb.run.ipynb', 'a/nb.run-2.ipynb']);
    expect(
      await restorePath('a/nb.ipynb', 'run', async p => taken.has(p))
    ).toBe('a/nb.run-3.ipynb');
  });

  it('should keep hostile names out of the path', async () => {
    const path = await restorePath(
      'a/nb.ipynb',
      '../../<img src=x>/etc',
      async () => false
    );
    expect(path).toBe('a/nb.img-src-x-etc.ipynb');
    expect(await restorePath('a/nb.ipynb', '///', async () => false)).toBe(
      'a/nb.restored.ipynb'
    );
  });
});
