import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  kernelCandidates,
  saveFileModelExpression,
  saveKernelModel,
  saveModelExpression
} from '../../src/registry/kernelModels';
import { startKernel } from '../support/kernel';
import { ensureMlflowVenv, mlflowPython, serveModel } from './mlflow';

/**
 * Saving a model from a real kernel in MLflow format, then loading it with
 * MLflow's own `mlflow.pyfunc.load_model` and serving it with `mlflow
 * models serve` (MLflow 3.17 in `.venv-mlflow`, made by the test): the
 * predictions are the kernel's.
 */

describe('saveModelExpression()', () => {
  it('should take only variable names, never code', () => {
    for (const bad of ['clf; import os', 'a.b', '__import__("os")', '', '1x']) {
      expect(() =>
        saveModelExpression({
          variable: bad,
          example: null,
          folder: '/tmp',
          requirements: ''
        })
      ).toThrow(/not a variable name/);
      expect(() =>
        saveModelExpression({
          variable: 'clf',
          example: bad,
          folder: '/tmp',
          requirements: ''
        })
      ).toThrow(/not a variable name/);
    }
  });

  it('should refuse a flavor it has no saver for', () => {
    expect(() =>
      saveModelExpression({
        variable: 'clf',
        example: null,
        folder: '/tmp',
        requirements: '',
        flavor: 'torch'
      })
    ).toThrow(/no flavor/);
  });
});

describe('a model saved from a real kernel', () => {
  let kernel: Awaited<ReturnType<typeof startKernel>>;
  let top: string;
  let expected: number[];

  beforeAll(async () => {
    const seconds = ensureMlflowVenv();
    if (seconds > 0) {
      console.log(`.venv-mlflow made in ${seconds.toFixed(0)} s`);
    }
    top = mkdtempSync(join(tmpdir(), 'mlops-registry-'));
    kernel = await startKernel();
    const predictions = join(top, 'predictions.json');
    const code = [
      'import json',
      'import numpy as np',
      'from sklearn.datasets import load_wine',
      'from sklearn.ensemble import RandomForestClassifier',
      'X, y = load_wine(return_X_y=True, as_frame=True)',
      'clf = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)',
      'X_test = X.iloc[:20]',
      'arr = X.values',
      `json.dump(clf.predict(X.iloc[:5]).tolist(), open(${JSON.stringify(predictions)}, "w"))`
    ].join('\n');
    const reply = await kernel.kernel.requestExecute({ code }).done;
    expect(reply.content.status).toBe('ok');
    expected = JSON.parse(readFileSync(predictions, 'utf8'));
  }, 600_000);

  afterAll(async () => {
    await kernel?.stop();
    rmSync(top, { recursive: true, force: true });
  });

  it("should list the kernel's estimators and what could be their example", async () => {
    const found = await kernelCandidates(kernel.kernel);
    expect(found.models).toEqual([
      { name: 'clf', type: 'sklearn.ensemble._forest.RandomForestClassifier' }
    ]);
    expect(found.examples.map(e => [e.name, e.rows, e.columns])).toEqual(
      expect.arrayContaining([
        ['X', 178, 13],
        ['X_test', 20, 13],
        ['arr', 178, 13]
      ])
    );
    expect(found.examples.map(e => e.name)).not.toContain('y');
  });

  it('should save it in MLflow format, pinned to the kernel', async () => {
    // A folder name with quotes, a newline and an emoji reaches the kernel
    // exact (MLflow itself cannot load from such a path: the next tests
    // use a plain one).
    const odd = join(top, `it's "a"\nfolder 🚀`);
    mkdirSync(odd);
    for (const folder of [odd, join(top, 'model')]) {
      mkdirSync(folder, { recursive: true });
      await saveKernelModel(kernel.kernel, {
        variable: 'clf',
        example: 'X_test',
        folder,
        requirements: 'scikit-learn==0.0.1\nrequests==2.32.3\n'
      });
    }
    const folder = join(top, 'model');
    mkdirSync(join(top, 'again'));
    const saved = await saveKernelModel(kernel.kernel, {
      variable: 'clf',
      example: 'X_test',
      folder: join(top, 'again'),
      requirements: 'scikit-learn==0.0.1\nrequests==2.32.3\n'
    });
    expect(readFileSync(join(odd, 'MLmodel'), 'utf8')).toContain('"sklearn":');
    expect(saved).toEqual({
      flavors: ['python_function', 'sklearn'],
      serialization: 'cloudpickle',
      signature: true,
      files: [
        'MLmodel',
        'conda.yaml',
        'input_example.json',
        'model.pkl',
        'python_env.yaml',
        'requirements.txt',
        'serving_input_example.json'
      ],
      type: 'sklearn.ensemble._forest.RandomForestClassifier'
    });
    const requirements = readFileSync(join(folder, 'requirements.txt'), 'utf8');
    expect(requirements).toContain('requests==2.32.3\n');
    expect(requirements).toMatch(/^scikit-learn==1\.\d+/m);
    expect(requirements).not.toContain('scikit-learn==0.0.1');
  });

  it("should load with MLflow's pyfunc and predict what the kernel predicts", () => {
    const folder = join(top, 'model');
    const out = mlflowPython(
      [
        'import json, sys',
        'import mlflow.pyfunc, pandas as pd',
        'from mlflow.models import Model',
        'folder = sys.argv[1]',
        'model = mlflow.pyfunc.load_model(folder)',
        "example = json.load(open(folder + '/serving_input_example.json'))['dataframe_split']",
        "frame = pd.DataFrame(example['data'], columns=example['columns'])",
        'signature = Model.load(folder).signature',
        "print(json.dumps({'predictions': model.predict(frame).tolist(),",
        "    'inputs': signature.inputs.input_names(), 'flavor': model.loader_module}))"
      ].join('\n'),
      [folder]
    );
    const answer = JSON.parse(out.trim().split('\n').pop() ?? '{}');
    expect(answer.predictions).toEqual(expected);
    expect(answer.inputs).toHaveLength(13);
    expect(answer.inputs[0]).toBe('alcohol');
    expect(answer.flavor).toBe('mlflow.sklearn');
  }, 120_000);

  it('should be served by `mlflow models serve` and answer /invocations', async () => {
    const folder = join(top, 'model');
    const served = await serveModel(folder);
    try {
      const body = readFileSync(
        join(folder, 'serving_input_example.json'),
        'utf8'
      );
      const response = await fetch(`${served.url}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body
      });
      expect(response.status, served.output()).toBe(200);
      expect(await response.json()).toEqual({ predictions: expected });
    } finally {
      served.stop();
    }
  }, 180_000);

  it('should save an array example as a tensor signature MLflow reads', async () => {
    const folder = join(top, 'array');
    mkdirSync(folder);
    const saved = await saveKernelModel(kernel.kernel, {
      variable: 'clf',
      example: 'arr',
      folder,
      requirements: ''
    });
    expect(saved.signature).toBe(true);
    const out = mlflowPython(
      [
        'import json, sys, warnings',
        'warnings.simplefilter("ignore")',
        'import mlflow.pyfunc, numpy as np',
        'model = mlflow.pyfunc.load_model(sys.argv[1])',
        "rows = np.array(json.load(open(sys.argv[1] + '/input_example.json'))['inputs'])",
        'print(json.dumps(model.predict(rows).tolist()))'
      ].join('\n'),
      [folder]
    );
    expect(JSON.parse(out.trim().split('\n').pop() ?? '[]')).toEqual(expected);
  }, 120_000);

  it("should save an experiment's model file, only while its hash is the recorded one", async () => {
    const file = join(top, 'models', 'clf.joblib');
    const reply = await kernel.kernel.requestExecute({
      code: [
        'import joblib, os',
        `os.makedirs(${JSON.stringify(join(top, 'models'))}, exist_ok=True)`,
        `joblib.dump(clf, ${JSON.stringify(file)})`,
        `joblib.dump({"not": "a model"}, ${JSON.stringify(join(top, 'models', 'dict.joblib'))})`
      ].join('\n')
    }).done;
    expect(reply.content.status).toBe('ok');
    const sha256 = createHash('sha256')
      .update(readFileSync(file))
      .digest('hex');
    const folder = join(top, 'from-file');
    mkdirSync(folder);
    const saved = await saveKernelModel(kernel.kernel, {
      path: file,
      sha256,
      example: 'X_test',
      folder,
      requirements: ''
    });
    expect(saved.type).toBe('sklearn.ensemble._forest.RandomForestClassifier');
    expect(saved.files).toContain('model.pkl');
    // MLflow's pyfunc predicts what the kernel's model predicts.
    const out = mlflowPython(
      'import json, sys, mlflow.pyfunc\nfrom sklearn.datasets import load_wine\n' +
        'X, _ = load_wine(return_X_y=True, as_frame=True)\n' +
        'print(json.dumps(mlflow.pyfunc.load_model(sys.argv[1]).predict(X.iloc[:5]).tolist()))',
      [folder]
    );
    expect(JSON.parse(out.trim().split('\n').pop() ?? '[]')).toEqual(expected);

    for (const [path, hash, name, message] of [
      [file, '0'.repeat(64), 'changed', /ChangedFile: .* SHA-256 differs/],
      [
        join(top, 'models', 'dict.joblib'),
        createHash('sha256')
          .update(readFileSync(join(top, 'models', 'dict.joblib')))
          .digest('hex'),
        'dict',
        /TypeError: .* holds a dict, not a model/
      ],
      [
        join(top, 'models', 'missing.pkl'),
        '1'.repeat(64),
        'gone',
        /FileNotFoundError/
      ]
    ] as [string, string, string, RegExp][]) {
      const target = join(top, name);
      mkdirSync(target);
      await expect(
        saveKernelModel(kernel.kernel, {
          path,
          sha256: hash,
          example: null,
          folder: target,
          requirements: ''
        })
      ).rejects.toThrow(message);
      expect(readdirSync(target)).toEqual([]);
    }
    expect(() =>
      saveFileModelExpression({
        path: file,
        sha256: 'not-hex',
        example: null,
        folder,
        requirements: ''
      })
    ).toThrow(/64 hex digits/);
  });

  it('should say why it cannot save, and leave nothing', async () => {
    const cases: [string, string | null, string, RegExp][] = [
      ['nope', null, 'a', /NameError: no variable 'nope'/],
      ['clf', 'nope', 'b', /NameError: no variable 'nope'/],
      ['X', null, 'c', /TypeError: DataFrame is not a fitted estimator/],
      ['clf', null, 'array', /FileExistsError/]
    ];
    for (const [variable, example, name, message] of cases) {
      const folder = join(top, name);
      mkdirSync(folder, { recursive: true });
      await expect(
        saveKernelModel(kernel.kernel, {
          variable,
          example,
          folder,
          requirements: ''
        })
      ).rejects.toThrow(message);
    }
    // The user's namespace got nothing of ours.
    const reply = await kernel.kernel.requestExecute({
      code: 'assert not [n for n in dir() if "mlops" in n.lower() or n in ("save", "run")], dir()'
    }).done;
    expect(reply.content.status).toBe('ok');
  });
});
