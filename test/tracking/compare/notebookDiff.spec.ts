import { describe, expect, it } from 'vitest';

import { ICellContent } from '../../../src/notebook/health';
import {
  diffLines,
  diffNotebooks
} from '../../../src/tracking/compare/notebookDiff';

const code = (source: string): ICellContent => ({ cellType: 'code', source });

describe('diffLines()', () => {
  it('should mark removed, added and kept lines', () => {
    expect(diffLines('a\nb\nc', 'a\nB\nc\nd')).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b' },
      { op: '+', text: 'B' },
      { op: ' ', text: 'c' },
      { op: '+', text: 'd' }
    ]);
  });

  it('should not diff huge sources line by line', () => {
    const big = Array.from({ length: 3000 }, (_, i) => `x${i}`).join('\n');
    const lines = diffLines(big, `${big}\ny`);
    expect(lines.filter(l => l.op === '-')).toHaveLength(3000);
    expect(lines.filter(l => l.op === '+')).toHaveLength(3001);
  });
});

describe('diffNotebooks()', () => {
  it('should align cells by content and pair changed ones', () => {
    const before = [
      code('import x'),
      code('depth = 2'),
      code('train()'),
      code('old()')
    ];
    const after = [
      code('import x'),
      code('depth = 5'),
      code('train()'),
      code('plot()'),
      code('new()')
    ];
    const diff = diffNotebooks(before, after);
    expect(diff.map(d => [d.status, d.before, d.after])).toEqual([
      ['same', 0, 0],
      ['changed', 1, 1],
      ['same', 2, 2],
      ['changed', 3, 3],
      ['added', undefined, 4]
    ]);
    expect(diff[1].lines).toEqual([
      { op: '-', text: 'depth = 2' },
      { op: '+', text: 'depth = 5' }
    ]);
  });

  it('should report removed cells and identical notebooks', () => {
    expect(
      diffNotebooks([code('a'), code('b')], [code('b')]).map(d => d.status)
    ).toEqual(['removed', 'same']);
    expect(
      diffNotebooks([code('a')], [code('a')]).every(d => d.status === 'same')
    ).toBe(true);
    expect(diffNotebooks([], [])).toEqual([]);
  });

  it('should treat a cell type change as a change', () => {
    const diff = diffNotebooks(
      [code('x')],
      [{ cellType: 'markdown', source: 'x' }]
    );
    expect(diff.map(d => d.status)).toEqual(['changed']);
  });
});
