import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

import { analyze, readNotebookCells, ROOT } from './support';

/**
 * Conformance with Kale 2.3: Kale's own `NotebookProcessor` (kubeflow-kale
 * 2.3.0, in a venv this test makes: `.venv-kale`) reads real Kale
 * notebooks (from Kale's repository, test/fixtures/notebooks/kale, with its
 * licence) and the demo notebook; its steps, their parents and the
 * variables it passes into each step must be ours. Kale 2.3 refuses Kale 1
 * tags and old notebook settings, so it reads a translated copy
 * (kale/kale_graph.py says how); we read the notebook as it is.
 *
 * Where we differ on purpose, the difference is listed below with why;
 * any other difference fails.
 */

const VENV = join(ROOT, '.venv-kale');
const PYTHON = join(VENV, 'bin', 'python');
const KALE = 'kubeflow-kale==2.3.0';

const NOTEBOOKS = [
  'test/fixtures/notebooks/kale/backend/kale/tests/assets/notebooks/pipeline_parameters_and_metrics.ipynb',
  'test/fixtures/notebooks/kale/examples/titanic-ml-dataset/titanic_dataset_ml.ipynb',
  'test/fixtures/notebooks/kale/examples/pytorch-classification/cifar10_classification.ipynb',
  'test/fixtures/notebooks/kale/examples/taxi-cab-classification/taxicab_pipeline.ipynb',
  'test/fixtures/notebooks/kale/examples/serving/xgboost/iris.ipynb',
  'test/fixtures/notebooks/kale/examples/serving/sklearn/iris.ipynb',
  'test/fixtures/notebooks/kale/examples/base/candies_sharing.ipynb',
  'test/fixtures/notebooks/kale/examples/dog-breed-classification/dog-breed-v2.ipynb',
  'test/fixtures/notebooks/kale/examples/dog-breed-classification/dog-breed.ipynb',
  'test/fixtures/notebooks/kale/examples/dog-breed-classification/dog-breed-katib.ipynb',
  'test/fixtures/notebooks/kale/examples/openvaccine-kaggle-competition/open-vaccine.ipynb',
  'examples/wine_classifier.ipynb'
];

/**
 * Overlapping names (Kale #399): "scale" rebinds `data`, and "report",
 * after both, reads it. Run top to bottom the notebook sums the scaled
 * values; Kale hands "report" the `data` of "load".
 */
const OVERLAP = 'test/pipeline/kale/overlapping_names.ipynb';

/**
 * Where we differ from Kale on purpose: notebook → step → the variables
 * Kale passes in that we do not (`kale`), and those we pass that Kale does
 * not (`ours`), with why.
 */
const KNOWN: Record<
  string,
  Record<string, { kale?: string[]; ours?: string[]; why: string }>
> = {
  'test/fixtures/notebooks/kale/examples/dog-breed-classification/dog-breed.ipynb':
    {
      cnn_from_scratch: {
        kale: ['path_to_tensor'],
        why: "path_to_tensor is a global of the function paths_to_tensor, not read by the step itself; cloudpickle, which carries functions between our steps, takes a function's globals with it, so it need not be passed"
      }
    },
  'test/fixtures/notebooks/kale/examples/openvaccine-kaggle-competition/open-vaccine.ipynb':
    {
      model_evaluation: {
        kale: ['gru_layer', 'lstm_layer', 'tokenizer'],
        why: "gru_layer, lstm_layer (globals of build_model) and tokenizer (of process_features) are not read by the step itself; cloudpickle, which carries functions between our steps, takes a function's globals with it"
      }
    }
};

interface IKaleStep {
  name: string;
  prev: string[];
  ins: string[];
  outs: string[];
}

interface IKaleResult {
  path: string;
  steps?: IKaleStep[];
  error?: string;
}

function ours(path: string) {
  return analyze(readNotebookCells(path));
}

let kale: Map<string, IKaleResult>;

beforeAll(() => {
  if (!existsSync(PYTHON)) {
    execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
  }
  execFileSync(
    PYTHON,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--progress-bar',
      'off',
      '-q',
      KALE
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] }
  );
  const output = execFileSync(
    PYTHON,
    [join(__dirname, 'kale', 'kale_graph.py'), ...NOTEBOOKS, OVERLAP],
    { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
  );
  kale = new Map(
    (JSON.parse(output) as IKaleResult[]).map(result => [
      relative(ROOT, join(ROOT, result.path)),
      result
    ])
  );
}, 600_000);

describe('Conformance with Kale 2.3', () => {
  it('should read at least 10 Kale notebooks and the demo with Kale itself', () => {
    expect(
      NOTEBOOKS.filter(path => path.includes('/kale/')).length
    ).toBeGreaterThanOrEqual(10);
    for (const path of NOTEBOOKS) {
      expect(kale.get(path)?.error, path).toBeUndefined();
      expect(kale.get(path)?.steps?.length ?? 0, path).toBeGreaterThan(0);
    }
  });

  it.each(NOTEBOOKS)(
    'should find the steps and parents Kale finds in %s',
    path => {
      const { graph } = ours(path);
      const theirs = kale.get(path)?.steps ?? [];
      // Kale lists its steps in a topological order of its own; ours are
      // in notebook order (`graph.order` is the topological one).
      expect(graph.steps.map(step => step.name).sort()).toEqual(
        theirs.map(step => step.name).sort()
      );
      for (const step of theirs) {
        const mine = graph.steps.find(s => s.name === step.name);
        expect([...(mine?.prev ?? [])].sort(), `${path} ${step.name}`).toEqual(
          step.prev
        );
      }
      expect(
        graph.diagnostics.filter(d => d.severity === 'error'),
        path
      ).toEqual([]);
    }
  );

  it.each(NOTEBOOKS)('should pass the variables Kale passes in %s', path => {
    const { flow } = ours(path);
    const theirs = kale.get(path)?.steps ?? [];
    for (const step of theirs) {
      const known = KNOWN[path]?.[step.name];
      const mine = Object.keys(flow.steps[step.name]?.inputs ?? {}).sort();
      const expected = step.ins
        .filter(name => !(known?.kale ?? []).includes(name))
        .concat(known?.ours ?? [])
        .sort();
      expect(mine, `${path} ${step.name}`).toEqual(expected);
    }
  });

  it('should take an overlapping name from the step that last bound it, where Kale takes the first (Kale #399)', () => {
    const theirs = kale.get(OVERLAP)?.steps ?? [];
    const step = (name: string) => theirs.find(s => s.name === name);
    // Kale: "load" hands `data` on, "scale" hands nothing.
    expect(step('load')?.outs).toEqual(['data']);
    expect(step('scale')?.outs).toEqual([]);
    expect(step('report')?.ins).toEqual(['data']);
    // Ours: "report" reads the `data` "scale" made, as the notebook does.
    const { flow } = ours(OVERLAP);
    expect(flow.steps.report.inputs).toEqual({ data: 'scale' });
    expect(flow.steps.scale.outputs).toEqual(['data']);
    expect(flow.edges).toContainEqual(['scale', 'report', ['data']]);
    expect(flow.edges).not.toContainEqual(['load', 'report', ['data']]);
  });
});
