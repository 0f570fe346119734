import { describe, expect, it } from 'vitest';

import {
  findDataPaths,
  fromNotebookFolder,
  normalizeDataPath,
  tagDataPaths
} from '../../src/notebook/dataPaths';

describe('findDataPaths()', () => {
  it('should find literals passed to readers and names bound by parameters', () => {
    const sources = [
      'df = pd.read_csv(data_path)\nX = np.load("arrays/x.npy")',
      "with open('notes/readme.txt', 'r') as f:\n    pass",
      'other = pd.read_parquet(r"data/part.parquet", engine="pyarrow")',
      'img = plt.imread( "img/cat.png" )'
    ];
    expect(
      findDataPaths(sources, { data_path: 'data/wine.csv', unused: 'x.csv' })
    ).toEqual([
      'arrays/x.npy',
      'data/part.parquet',
      'data/wine.csv',
      'img/cat.png',
      'notes/readme.txt'
    ]);
  });

  it('should skip URLs, absolute paths, escapes, globs and unknown names', () => {
    const sources = [
      'pd.read_csv("https://example.org/x.csv")',
      'pd.read_csv("s3://bucket/key.csv")',
      'open("/etc/passwd")',
      'open("../outside.txt")',
      'open("~/.ssh/id_rsa")',
      'pd.read_csv("data/*.csv")',
      'pd.read_csv(f"data/{name}.csv")',
      'pd.read_csv(unknown_name)',
      'reload("x.csv")',
      'my_open("x.csv")'
    ];
    expect(findDataPaths(sources, { unknown_name: 3 })).toEqual([]);
  });

  it('should find the demo notebook data file through its parameter', () => {
    expect(
      findDataPaths(['df = pd.read_csv(data_path)'], {
        data_path: 'data/wine.csv'
      })
    ).toEqual(['data/wine.csv']);
  });

  it('should stay fast on hostile input', () => {
    const source =
      'read_csv(' + '"'.repeat(200_000) + '\n' + 'open(' + 'a'.repeat(200_000);
    expect(findDataPaths([source])).toEqual([]);
    // The dump( scan (a model file's second argument) is linear too.
    expect(findDataPaths(['dump(a)'.repeat(300_000)])).toEqual([]);
    expect(findDataPaths(['joblib.dump(a, ' + ','.repeat(300_000)])).toEqual(
      []
    );
  });

  it('should find the model files a notebook saves, and no other output', () => {
    const sources = [
      'joblib.dump(model, "models/model.joblib")',
      'pickle.dump(clf, open(model_path, "wb"))',
      'with open("out/forest.pickle", mode="wb") as f:\n    cloudpickle.dump(m, f)',
      'df.to_csv("out/table.csv")\nopen("out/log.txt", "w")',
      'joblib.dump(model, "/abs/model.pkl", compress=3)',
      'joblib.dump(model, "../up.pkl")',
      'json.dump(report, open("out/report.json", "w"))',
      'dump(model)',
      'joblib.dump(model, ' + '"'.repeat(50_000)
    ];
    expect(findDataPaths(sources, { model_path: 'models/clf.pkl' })).toEqual([
      'models/clf.pkl',
      'models/model.joblib',
      'out/forest.pickle'
    ]);
  });
});

describe('normalizeDataPath()', () => {
  it.each([
    ['./data//wine.csv', 'data/wine.csv'],
    ['data\\wine.csv', 'data/wine.csv'],
    ['C:\\data\\x.csv', null],
    ['a/../../b', null],
    ['', null],
    ['.', null]
  ])('should map %j to %j', (input, output) => {
    expect(normalizeDataPath(input)).toBe(output);
  });
});

describe('fromNotebookFolder()', () => {
  it('should join the notebook folder', () => {
    expect(fromNotebookFolder('examples/wine.ipynb', 'data/x.csv')).toBe(
      'examples/data/x.csv'
    );
    expect(fromNotebookFolder('top.ipynb', 'data/x.csv')).toBe('data/x.csv');
  });
});

describe('tagDataPaths()', () => {
  it('should read data:PATH tags of any cell and refuse unsafe paths', () => {
    const cells = [
      { tags: ['data:data/wine.csv', 'parameters', 'data:./images/'] },
      { tags: ['data:data/wine.csv', 'step:train', 'Data:upper.csv'] },
      {
        tags: [
          'data:../outside.csv',
          'data:/etc/passwd',
          'data:~/.ssh/id_rsa',
          'data:https://example.org/x.csv',
          'data:*.csv',
          'data:',
          'data:a\nb',
          'data:<img src=x onerror=alert(1)>.csv'
        ]
      }
    ];
    expect(tagDataPaths(cells)).toEqual({
      paths: ['<img src=x onerror=alert(1)>.csv', 'data/wine.csv', 'images'],
      refused: [
        'data:../outside.csv',
        'data:/etc/passwd',
        'data:~/.ssh/id_rsa',
        'data:https://example.org/x.csv',
        'data:*.csv',
        'data:',
        'data:a\nb'
      ]
    });
  });
});
