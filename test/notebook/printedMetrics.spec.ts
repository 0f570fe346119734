import { describe, expect, it } from 'vitest';

import { readCells } from '../../src/notebook/cells';
import { printedMetrics } from '../../src/notebook/printedMetrics';

function metricsCell(
  source: string,
  outputs: unknown[],
  tags = ['pipeline-metrics']
) {
  return { cell_type: 'code', source, metadata: { tags }, outputs };
}

const stdout = (text: string | string[]) => ({
  output_type: 'stream',
  name: 'stdout',
  text
});

describe('printedMetrics()', () => {
  it("should pair a Kale metrics cell's prints with the numbers it printed", () => {
    const cells = readCells({
      cells: [
        metricsCell('print(precision)\nprint(recall)\n\n# f1 too\nprint(f1)', [
          stdout(['0.95\n', '0.9\n']),
          stdout('9.2e-1\n')
        ])
      ]
    });
    expect(printedMetrics(cells)).toEqual({
      precision: 0.95,
      recall: 0.9,
      f1: 0.92
    });
  });

  it.each([
    ['more values than prints', 'print(a)', ['1\n2\n']],
    ['fewer values than prints', 'print(a)\nprint(b)', ['1\n']],
    ['a value that is not a number', 'print(a)\nprint(b)', ['1\nnan\n']],
    ['a line that is no print(name)', 'print(a)\nb', ['1\n2\n']],
    ['a print of an expression', 'print(a + 1)', ['2\n']],
    ['no output', 'print(a)', []],
    ['a number with text', 'print(a)', ['acc 0.9\n']]
  ])('should read nothing from %s', (_, source, texts) => {
    const cells = readCells({
      cells: [
        metricsCell(
          source,
          texts.map(text => stdout(text))
        )
      ]
    });
    expect(printedMetrics(cells)).toEqual({});
  });

  it('should read only metrics cells, and only standard output', () => {
    const cells = readCells({
      cells: [
        metricsCell('print(a)', [stdout('1\n')], ['parameters']),
        metricsCell('print(b)', [
          { output_type: 'stream', name: 'stderr', text: '2\n' }
        ]),
        metricsCell('print(c)', [stdout('3\n')], ['metrics'])
      ]
    });
    expect(printedMetrics(cells)).toEqual({ c: 3 });
  });

  it('should give up on a huge cell or output quickly', () => {
    const many = Array.from({ length: 5000 }, (_, i) => `print(m${i})`);
    const started = Date.now();
    const cells = readCells({
      cells: [
        metricsCell(many.join('\n'), [stdout('1\n'.repeat(5000))]),
        metricsCell('print(a)', [stdout('1\n'.repeat(1_000_000))])
      ]
    });
    expect(printedMetrics(cells)).toEqual({});
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('printedMetrics() on hostile lines', () => {
  // Each of these took seconds to minutes with quantifiers that met over
  // the same characters (`\s*;?\s*`, `\d+\.?\d*`): now they are not read
  // past 300 characters, and the patterns are linear anyway.
  it('should read long source and output lines in linear time', () => {
    const spaces = ' '.repeat(200_000);
    const cells = readCells({
      cells: [
        metricsCell(`print(a)${spaces}x`, [stdout('1\n')]),
        metricsCell(`print(b)${spaces};x=1`, [stdout('1\n')]),
        metricsCell('print(c)', [stdout(`${'1'.repeat(200_000)}x\n`)])
      ]
    });
    const start = performance.now();
    expect(printedMetrics(cells)).toEqual({});
    // Far above what a linear scan takes, far below the old seconds.
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('should still read a print with a semicolon and a comment', () => {
    const cells = readCells({
      cells: [metricsCell('print(acc) ;  # the metric', [stdout('0.5\n')])]
    });
    expect(printedMetrics(cells)).toEqual({ acc: 0.5 });
  });
});
