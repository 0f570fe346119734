import { describe, expect, it } from 'vitest';

import { withoutCellTrust } from '../../src/notebook/trust';

describe('withoutCellTrust()', () => {
  it('should drop trusted from every cell and keep the rest', () => {
    const code = {
      cell_type: 'code',
      source: 'x',
      metadata: { trusted: true, tags: ['a'] },
      outputs: [{ output_type: 'stream', name: 'stdout', text: 'x' }]
    };
    const live = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: { kernelspec: { name: 'python3' } },
      cells: [
        code,
        { cell_type: 'markdown', source: 'm', metadata: { trusted: false } },
        { cell_type: 'raw', source: 'r' },
        'not a cell'
      ]
    };
    const before = JSON.stringify(live);
    const out = withoutCellTrust(live);
    expect(JSON.stringify(out)).not.toMatch(/"trusted"/);
    expect(out).toEqual({
      ...live,
      cells: [
        { ...code, metadata: { tags: ['a'] } },
        { cell_type: 'markdown', source: 'm', metadata: {} },
        { cell_type: 'raw', source: 'r' },
        'not a cell'
      ]
    });
    expect(JSON.stringify(live)).toBe(before);
  });

  it('should return what is not a notebook as it is', () => {
    for (const odd of [null, 1, 'x', [], {}, { cells: 'no' }]) {
      expect(withoutCellTrust(odd)).toBe(odd);
    }
  });
});
