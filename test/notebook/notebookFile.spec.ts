import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';

import {
  notebookFile,
  notebookFileInSlices
} from '../../src/notebook/notebookFile';

const FIXTURES = join(__dirname, '..', 'fixtures', 'notebooks');

function notebooks(dir: string): string[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return notebooks(path);
    }
    return name.endsWith('.ipynb') ? [path] : [];
  });
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('notebookFileInSlices()', () => {
  const found = notebooks(FIXTURES);

  it('should find the third-party notebooks', () => {
    expect(found.length).toBeGreaterThan(5);
  });

  it.each(found.map(path => [path.slice(FIXTURES.length + 1), path]))(
    'should give the bytes of one JSON.stringify for %s',
    async (_, path) => {
      let notebook: unknown;
      try {
        notebook = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        return; // A fixture that is not JSON on purpose.
      }
      const sliced = await notebookFileInSlices(notebook, 0);
      expect(text(sliced)).toBe(text(notebookFile(notebook)));
      expect(sliced).toEqual(notebookFile(notebook));
    }
  );

  it('should match JSON.stringify on the shapes it builds by hand', async () => {
    const cases: unknown[] = [
      { cells: [] },
      {},
      { cells: [{}], metadata: {} },
      { metadata: { a: [1, { b: 'x\ny' }] }, cells: [[], null, 'text'] },
      // What JSON leaves out or turns into null.
      { cells: [undefined, () => 1, { f: undefined }], skip: undefined },
      { gone: () => 1, cells: [{ s: 'é \u2028 \u{1F600} "q" \\ \t' }] },
      // Keys in JSON.stringify's own order: integer-like ones first.
      { b: 1, 2: 'two', cells: [{ z: 1, a: 2, 10: 3, 1: 4 }], a: 'x' },
      { 'we"ird\nkey': { '': [] }, cells: [{ metadata: { trusted: true } }] },
      { cells: 'not an array' },
      [{ cells: [] }],
      'a string',
      null
    ];
    for (const notebook of cases) {
      expect(text(await notebookFileInSlices(notebook, 0))).toBe(
        text(notebookFile(notebook))
      );
    }
  });

  it('should keep no cell trust, and leave the live notebook as it was', async () => {
    const live = {
      cells: [{ cell_type: 'code', metadata: { trusted: true, tags: ['a'] } }],
      metadata: {}
    };
    const before = JSON.stringify(live);
    const stored = text(await notebookFileInSlices(live, 0));
    expect(stored).not.toMatch(/trusted/);
    expect(JSON.parse(stored).cells[0].metadata).toEqual({ tags: ['a'] });
    expect(JSON.stringify(live)).toBe(before);
  });

  it('should pause between slices of a large notebook', async () => {
    const big = 'x'.repeat(200_000);
    const notebook = {
      cells: Array.from({ length: 200 }, (_, i) => ({
        id: `c${i}`,
        outputs: [{ data: { 'image/png': big } }]
      }))
    };
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 0);
    const sliced = await notebookFileInSlices(notebook, 1);
    clearInterval(timer);
    expect(text(sliced)).toBe(text(notebookFile(notebook)));
    // Other work ran while it was built (one JSON.stringify lets none).
    expect(ticks).toBeGreaterThan(2);
  });
});
