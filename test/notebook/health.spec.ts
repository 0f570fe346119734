import { describe, expect, it } from 'vitest';

import {
  cellHash,
  executionHealth,
  ICellContent,
  notebookContentHash
} from '../../src/notebook/health';

const code = (
  source: string,
  executionCount: number | null = null
): ICellContent => ({
  cellType: 'code',
  source,
  executionCount
});

describe('notebookContentHash()', () => {
  it('should ignore execution counts (re-running does not change it)', () => {
    const before = [code('x = 1', 1), code('print(x)', 2)];
    const after = [code('x = 1', 7), code('print(x)', 8)];
    expect(notebookContentHash(after)).toBe(notebookContentHash(before));
  });

  it('should change with a source, a cell type or the cell order', () => {
    const base = [code('a'), code('b')];
    const hash = notebookContentHash(base);
    expect(notebookContentHash([code('a'), code('c')])).not.toBe(hash);
    expect(
      notebookContentHash([code('a'), { cellType: 'markdown', source: 'b' }])
    ).not.toBe(hash);
    expect(notebookContentHash([code('b'), code('a')])).not.toBe(hash);
    expect(notebookContentHash([code('ab')])).not.toBe(
      notebookContentHash([code('a'), code('b')])
    );
  });
});

describe('cellHash()', () => {
  it('should be the SHA-256 of type and source', () => {
    // sha256("code\0x = 1"), computed with `printf 'code\0x = 1' | sha256sum`.
    expect(cellHash(code('x = 1'))).toBe(
      '591a31cd92eba75aa33fbe78c5029a07a1698a092c6c4193a4f79088802fff0c'
    );
  });
});

describe('executionHealth()', () => {
  it('should flag out-of-order runs and code cells never run', () => {
    expect(executionHealth([code('a', 1), code('b', 2)])).toEqual({
      outOfOrder: false,
      neverRun: []
    });
    expect(executionHealth([code('a', 3), code('b', 2)]).outOfOrder).toBe(true);
    expect(
      executionHealth([code('a', 1), code('b'), code('  '), code('c', 2)])
    ).toEqual({
      outOfOrder: false,
      neverRun: [1]
    });
  });
});
