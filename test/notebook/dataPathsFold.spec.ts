import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { readCells } from '../../src/notebook/cells';
import { findDataPaths } from '../../src/notebook/dataPaths';

describe('findDataPaths() with paths built from constants', () => {
  it('should find a path built from a variable before the kernel runs', () => {
    expect(
      findDataPaths([
        'import pandas as pd\npath = "data/"',
        'train = pd.read_csv(path + "train.csv")\ntest = pd.read_csv(path + "test.csv")'
      ])
    ).toEqual(['data/test.csv', 'data/train.csv']);
  });

  it('should fold f-strings, os.path.join and pathlib', () => {
    expect(
      findDataPaths([
        [
          'from pathlib import Path',
          'DATA_DIR = "data"',
          'name: str = "wine"',
          'csv = os.path.join(DATA_DIR, f"{name}.csv")',
          'df = pd.read_csv(csv, sep=";")',
          'arr = np.load(Path(DATA_DIR) / "arrays" / "x.npy")',
          "with open(f'{DATA_DIR}/labels.txt') as f:",
          '    pass'
        ].join('\n')
      ])
    ).toEqual(['data/arrays/x.npy', 'data/labels.txt', 'data/wine.csv']);
  });

  it('should use the binding in force at the call, and forget a name rebound to an expression', () => {
    expect(
      findDataPaths([
        'p = "a.csv"\nread_csv(p)\np = "b.csv"\nread_csv(p)\np = compute()\nread_csv(p)'
      ])
    ).toEqual(['a.csv', 'b.csv']);
  });

  it('should let parameters win over the code that assigns them', () => {
    expect(
      findDataPaths(['data_path = "data/static.csv"\nread_csv(data_path)'], {
        data_path: 'data/live.csv'
      })
    ).toEqual(['data/live.csv']);
  });

  it('should skip keyword arguments, escapes and unknowns', () => {
    expect(
      findDataPaths([
        'read_csv(filepath_or_buffer="x.csv")\nread_csv(base + "x.csv")\nd = "../"\nread_csv(d + "secret.csv")\nr = "/etc/"\nopen(r + "passwd")'
      ])
    ).toEqual([]);
  });

  it('should stay linear on hostile sources', () => {
    const started = Date.now();
    const nested = `open(${'open('.repeat(50_000)}"x"${')'.repeat(50_000)})`;
    const doubling = Array.from(
      { length: 2000 },
      (_, i) => `a${i + 1} = a${i} + a${i}`
    );
    const huge = [
      nested,
      [
        'a0 = "data/"',
        ...doubling,
        'read_csv(a2000)',
        'read_csv(a3 + "ok.csv")'
      ].join('\n'),
      `read_csv(${'"a" + '.repeat(100_000)}"b")`,
      'x = "' + 'y'.repeat(1_000_000) + '"\nopen(x)'
    ];
    // The innermost open("x") is found; a value past its bound is not.
    expect(findDataPaths(huge)).toEqual([
      'data/data/data/data/data/data/data/data/ok.csv',
      'x'
    ]);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('findDataPaths() and files written', () => {
  it('should leave out files opened for writing, and keep files opened for reading', () => {
    expect(
      findDataPaths([
        [
          "with open('mlpipeline-metrics.json', 'w') as f:",
          'open("out.txt", mode="a")',
          "open('new.bin', 'xb')",
          "open('in.txt', 'r')",
          "open('both.txt', 'r+')",
          "fh = open('plain.txt')",
          "np.load('arr.npy', 'w')"
        ].join('\n')
      ])
    ).toEqual(['arr.npy', 'both.txt', 'in.txt', 'plain.txt']);
  });
});

describe('findDataPaths() on the corpus', () => {
  it("should find the Kale titanic example's data, read as path + 'test.csv'", () => {
    const notebook: unknown = JSON.parse(
      readFileSync(
        join(
          __dirname,
          '..',
          'fixtures',
          'notebooks',
          'kale',
          'examples',
          'titanic-ml-dataset',
          'titanic_dataset_ml.ipynb'
        ),
        'utf8'
      )
    );
    const cells = readCells(notebook).filter(c => c.cellType === 'code');
    expect(findDataPaths(cells.map(c => c.source))).toEqual([
      'data/test.csv',
      'data/train.csv'
    ]);
  });
});
