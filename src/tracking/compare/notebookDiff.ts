import { cellHash, ICellContent } from '../../notebook/health';

/**
 * Cell-by-cell diff of two notebooks' sources, as plain data.
 */

/**
 * One line of a source diff.
 */
export interface ILineDiff {
  op: ' ' | '+' | '-';
  text: string;
}

/**
 * One cell of the diff: unchanged, changed (with its line diff), or only
 * on one side.
 */
export interface ICellDiff {
  status: 'same' | 'changed' | 'added' | 'removed';
  /** Index in the first notebook, when the cell is there. */
  before?: number;
  /** Index in the second notebook, when the cell is there. */
  after?: number;
  cellType: string;
  lines: ILineDiff[];
}

// Beyond this many lines a side, a changed cell is shown whole on both
// sides rather than diffed line by line (the diff is quadratic).
const MAX_LINES = 2000;

/**
 * Align the cells by content (longest common subsequence of cell hashes);
 * unmatched cells between two matches are paired in order as changed, the
 * rest are added or removed.
 */
export function diffNotebooks(
  a: readonly ICellContent[],
  b: readonly ICellContent[]
): ICellDiff[] {
  const ha = a.map(cellHash);
  const hb = b.map(cellHash);
  const pairs = Private.lcs(ha, hb);
  const out: ICellDiff[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [a.length, b.length] as [number, number]]) {
    while (i < pi && j < pj) {
      out.push({
        status: 'changed',
        before: i,
        after: j,
        cellType: b[j].cellType,
        lines: diffLines(a[i].source, b[j].source)
      });
      i++;
      j++;
    }
    for (; i < pi; i++) {
      out.push({
        status: 'removed',
        before: i,
        cellType: a[i].cellType,
        lines: Private.all('-', a[i].source)
      });
    }
    for (; j < pj; j++) {
      out.push({
        status: 'added',
        after: j,
        cellType: b[j].cellType,
        lines: Private.all('+', b[j].source)
      });
    }
    if (pi < a.length && pj < b.length) {
      out.push({
        status: 'same',
        before: pi,
        after: pj,
        cellType: a[pi].cellType,
        lines: Private.all(' ', a[pi].source)
      });
      i = pi + 1;
      j = pj + 1;
    }
  }
  return out;
}

/**
 * Line diff of two sources (LCS); very long sources are shown as all
 * removed then all added.
 */
export function diffLines(before: string, after: string): ILineDiff[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length > MAX_LINES || b.length > MAX_LINES) {
    return [...Private.all('-', before), ...Private.all('+', after)];
  }
  const out: ILineDiff[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [
    ...Private.lcs(a, b),
    [a.length, b.length] as [number, number]
  ]) {
    for (; i < pi; i++) {
      out.push({ op: '-', text: a[i] });
    }
    for (; j < pj; j++) {
      out.push({ op: '+', text: b[j] });
    }
    if (pi < a.length && pj < b.length) {
      out.push({ op: ' ', text: a[pi] });
      i = pi + 1;
      j = pj + 1;
    }
  }
  return out;
}

namespace Private {
  export function all(op: ILineDiff['op'], source: string): ILineDiff[] {
    return source.split('\n').map(text => ({ op, text }));
  }

  /**
   * Index pairs of a longest common subsequence, in order.
   */
  export function lcs(
    a: readonly string[],
    b: readonly string[]
  ): [number, number][] {
    const n = a.length;
    const m = b.length;
    // Row-major (n+1) x (m+1) table of LCS lengths of the suffixes.
    const table = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        table[i * (m + 1) + j] =
          a[i] === b[j]
            ? table[(i + 1) * (m + 1) + j + 1] + 1
            : Math.max(
                table[(i + 1) * (m + 1) + j],
                table[i * (m + 1) + j + 1]
              );
      }
    }
    const pairs: [number, number][] = [];
    let i = 0;
    let j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) {
        pairs.push([i, j]);
        i++;
        j++;
      } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
        i++;
      } else {
        j++;
      }
    }
    return pairs;
  }
}
