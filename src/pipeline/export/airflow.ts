import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex } from '@noble/hashes/utils';

import { PipelineIR } from '../ir';
import { exportLocal } from './local';

/**
 * The `airflow` export (`pipelines/<name>/airflow/` next to the notebook),
 * a pure function of the IR: file path → text. `dag.py`, an Airflow 3
 * TaskFlow DAG, one task per step, each running the `local` export's step
 * script as a child process in the notebook's folder with the local
 * runner's `MLOPS_*` environment (its own process, and possibly another
 * Python than Airflow's: `MLOPS_PYTHON`); `mlops-metrics` last. Variables
 * travel as files under a folder of the DAG run; XCom carries only outputs
 * folders and metrics. Parameters are typed DAG params, read from the
 * context at run time and written to a JSON file: never code, never a
 * template. User text enters `dag.py` only as ASCII string literals, step
 * names only as task ids. Also `.airflowignore` (the step scripts run the
 * notebook's code: Airflow must not parse them), a README, and the `local`
 * export's files, so the local runner runs this folder too.
 */
export function exportAirflow(ir: PipelineIR): Record<string, string> {
  const files = exportLocal(ir);
  delete files['README.md'];
  return {
    ...files,
    'dag.py': airflowDag(ir),
    '.airflowignore': AIRFLOW_IGNORE,
    'README.md': Private.readme(ir)
  };
}

/**
 * The DAG id of a pipeline: its name and a short hash of the notebook's
 * path, so two notebooks whose names slug alike (`a-b.ipynb`, `a b.ipynb`,
 * or `train.ipynb` in two folders) do not take each other's DAG in one
 * dags folder. Airflow's key rule: `[A-Za-z0-9_.-]`, at most 250
 * characters (here at most 72).
 */
export function airflowDagId(ir: PipelineIR): string {
  const hash = bytesToHex(
    sha256(new TextEncoder().encode(ir.notebook.path))
  ).slice(0, 8);
  return `${ir.name}-${hash}`;
}

/**
 * A Python string literal of any text, in ASCII: quotes, backslashes,
 * control and non-ASCII characters escaped, so no text can end the
 * literal, the line or the comment it is in.
 */
export function pythonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (char === '"' || char === '\\') {
      out += `\\${char}`;
    } else if (Private.SHORT_ESCAPES.has(char)) {
      out += Private.SHORT_ESCAPES.get(char);
    } else if (code >= 0x20 && code < 0x7f) {
      out += char;
    } else if (code < 0x100) {
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    } else if (code < 0x10000) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

/** What Airflow must not import as DAG files (glob and regexp syntax alike). */
const AIRFLOW_IGNORE = [
  "# The step scripts run the notebook's code: never parse them as DAGs.",
  'steps/',
  'mlops_marshal.py',
  '.mlops-runs/',
  '.mlops-cache/',
  ''
].join('\n');

/**
 * The text of `dag.py`.
 */
export function airflowDag(ir: PipelineIR): string {
  const py = pythonString;
  const parents = (name: string): string[] => {
    const upstream = new Set(
      ir.edges.filter(([, to]) => to === name).map(([from]) => from)
    );
    const step = ir.steps.find(s => s.name === name);
    for (const producer of Object.values(step?.inputs ?? {})) {
      upstream.add(producer);
    }
    const position = ir.order.indexOf(name);
    for (const parent of upstream) {
      if (ir.order.indexOf(parent) >= position) {
        throw new Error(
          `step ${name} takes from ${parent}, which does not run before it`
        );
      }
    }
    // In run order, as the tasks are made.
    return ir.order.filter(other => upstream.has(other));
  };
  const wiring = ir.order.map(name => {
    const step = ir.steps.find(s => s.name === name);
    const options = [`task_id=${py(name)}`];
    const slots = Private.poolSlots(step?.limits ?? {});
    if (slots > 1) {
      options.push(`pool_slots=${slots}`);
    }
    options.push(`doc_md=${py(Private.stepDoc(ir, name))}`);
    const upstream = parents(name)
      .map(parent => `${py(parent)}: done[${py(parent)}]`)
      .join(', ');
    return [
      `    done[${py(name)}] = run_step.override(`,
      ...options.map(option => `        ${option},`),
      `    )(step=${py(name)}, upstream={${upstream}})`
    ].join('\n');
  });
  const params = ir.parameters.map(
    p =>
      `        ${py(p.name)}: Param(${Private.pythonValue(p.default)}, type=${Private.SCHEMA_TYPE[p.type]}, title=${py(p.name)}),`
  );
  const steps = ir.order.map(name => {
    const inputs = ir.steps.find(s => s.name === name)?.inputs ?? {};
    const entries = Object.entries(inputs)
      .map(([variable, producer]) => `${py(variable)}: ${py(producer)}`)
      .join(', ');
    return `    ${py(name)}: {${entries}},`;
  });
  return [
    '"""A jupyterlab-mlops pipeline as an Airflow 3 DAG (TaskFlow); see README.md.',
    '',
    "Each task runs steps/STEP.py as a child process in the notebook's folder,",
    'given MLOPS_PARAMS, MLOPS_INPUTS and MLOPS_OUTPUTS as the local runner',
    'gives them. Variables travel as files under a folder of the DAG run; XCom',
    'carries only outputs folders and metrics; mlops-metrics merges the metrics.',
    'Environment: MLOPS_PYTHON, MLOPS_NOTEBOOK_DIR, MLOPS_RUNS_DIR (README.md).',
    '"""',
    '',
    `# Pipeline ${py(ir.name)}, exported by jupyterlab-mlops from the notebook`,
    `# ${py(ir.notebook.path)} (content ${ir.notebook.contentHash.slice(0, 12)}).`,
    IMPORTS,
    `DAG_ID = ${py(airflowDagId(ir))}`,
    `NOTEBOOK = ${py(ir.notebook.path)}`,
    '# Parameter name -> its type in the notebook.',
    `PARAMETERS = {${ir.parameters.map(p => `${py(p.name)}: ${py(p.type)}`).join(', ')}}`,
    `METRICS = [${ir.metrics.map(py).join(', ')}]`,
    `ORDER = [${ir.order.map(py).join(', ')}]`,
    '# Step -> the variables it takes, each from the step that makes it.',
    'STEPS = {',
    ...steps,
    '}',
    RUNTIME,
    '@dag(',
    '    dag_id=DAG_ID,',
    `    description=${py(`Pipeline ${ir.name} of the notebook ${ir.notebook.path}`)},`,
    '    doc_md=__doc__,',
    '    schedule=None,',
    '    catchup=False,',
    '    tags=["jupyterlab-mlops"],',
    '    params={',
    ...params,
    '    },',
    ')',
    'def mlops_pipeline():',
    '    done = {}',
    ...wiring,
    '    merge_metrics.override(task_id="mlops-metrics")(results=dict(done))',
    '',
    '',
    'mlops_pipeline()',
    ''
  ].join('\n');
}

/** The imports of `dag.py` (standard library and Airflow's SDK only). */
const IMPORTS = `
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from airflow.sdk import Param, dag, get_current_context, task
`;

/**
 * The fixed part of `dag.py`: the two task functions and their helpers.
 * Nothing here comes from the IR.
 */
const RUNTIME = `
HERE = Path(__file__).resolve().parent
METRICS_FILE = "mlops-metrics.json"
MAX_METRICS_BYTES = 1024 * 1024
GRACE_S = 5.0


def _notebook_dir():
    """Where steps run: the notebook's folder, as for the local runner."""
    if os.environ.get("MLOPS_NOTEBOOK_DIR"):
        return Path(os.environ["MLOPS_NOTEBOOK_DIR"])
    if HERE.parent.parent.name == "pipelines":  # <notebook dir>/pipelines/<name>/airflow
        return HERE.parents[2]
    return HERE


def _run_dir(context):
    """The folder of this DAG run: its run id made a file name, and a hash
    of it, so two run ids never share one."""
    run_id = context["dag_run"].run_id
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)[:100]
    digest = hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:8]
    base = Path(os.environ.get("MLOPS_RUNS_DIR") or HERE / ".mlops-runs")
    return base / DAG_ID / f"{safe}-{digest}"


def _write_json(path, value):
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(value, indent=2), encoding="utf-8")
    os.replace(partial, path)


def _typed(kind, value):
    """A param as the notebook's type has it (JSON Schema's "integer" takes 1.0)."""
    if kind == "int" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _no_constant(name):
    raise ValueError(name + " is not JSON")


def _metrics(folder):
    """The numbers among the pipeline's metrics a step wrote."""
    path = folder / METRICS_FILE
    try:
        if path.stat().st_size > MAX_METRICS_BYTES:
            return {}
        found = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except (OSError, ValueError):
        return {}
    if not isinstance(found, dict):
        return {}
    return {
        key: value
        for key, value in found.items()
        if key in METRICS and isinstance(value, (int, float)) and not isinstance(value, bool)
    }


def _run(argv, cwd, env):
    """Run a step script, its output into the task's log. It stays in the
    task's process group, which Airflow's supervisor signals as a whole."""
    process = subprocess.Popen(  # noqa: S603 - this export's own step script
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        for line in process.stdout:
            print(line.decode("utf-8", "replace").rstrip("\\n"), flush=True)
        return process.wait()
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()


@task(multiple_outputs=False)
def run_step(step, upstream):
    """Run one step; answer its outputs folder and metrics (for XCom)."""
    context = get_current_context()
    folder = _run_dir(context) / step
    folder.mkdir(parents=True, exist_ok=True)
    params_file = folder / "params.json"
    # Values from the run's params (JSON), written as JSON: never code.
    _write_json(params_file, {name: _typed(kind, context["params"][name]) for name, kind in PARAMETERS.items()})
    inputs = {variable: upstream[producer]["outputs"] for variable, producer in STEPS[step].items()}
    work = folder / "outputs.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    env = {
        **os.environ,
        "MLOPS_PARAMS": str(params_file),
        "MLOPS_INPUTS": json.dumps(inputs),
        "MLOPS_OUTPUTS": str(work),
        # Python >= 3.11: the script's own folder does not go first on
        # sys.path, so a step called json or os does not shadow that module.
        "PYTHONSAFEPATH": "1",
    }
    python = os.environ.get("MLOPS_PYTHON") or sys.executable
    code = _run([python, str(HERE / "steps" / (step + ".py"))], _notebook_dir(), env)
    if code != 0:
        shutil.rmtree(work, ignore_errors=True)
        raise RuntimeError(f"step {step} exited with code {code}")
    final = folder / "outputs"
    shutil.rmtree(final, ignore_errors=True)
    os.replace(work, final)
    return {"outputs": str(final), "metrics": _metrics(final)}


@task(multiple_outputs=False)
def merge_metrics(results):
    """The steps' metrics merged in run order, a later step's value winning
    (as the local runner does); also written to the run's metrics.json."""
    merged = {}
    for step in ORDER:
        merged.update(results[step]["metrics"])
    path = _run_dir(get_current_context()) / "metrics.json"
    _write_json(path, merged)
    print("mlops metrics:", json.dumps(merged), flush=True)
    return merged

`;

namespace Private {
  /** Escapes Python reads as JSON does. */
  export const SHORT_ESCAPES = new Map([
    ['\n', '\\n'],
    ['\r', '\\r'],
    ['\t', '\\t']
  ]);

  /** JSON Schema types of the IR's parameter types. */
  export const SCHEMA_TYPE: Record<
    PipelineIR['parameters'][number]['type'],
    string
  > = {
    int: '"integer"',
    float: '"number"',
    str: '"string"',
    bool: '"boolean"',
    // The local runner reads "none"/"null" as None and any other text as it is.
    none: '["null", "string"]'
  };

  /** A parameter's default as a Python literal. */
  export function pythonValue(value: number | string | boolean | null): string {
    if (value === null) {
      return 'None';
    }
    if (typeof value === 'boolean') {
      return value ? 'True' : 'False';
    }
    if (typeof value === 'string') {
      return pythonString(value);
    }
    if (!Number.isFinite(value)) {
      throw new Error(`parameter default ${value} is not a finite number`);
    }
    // JavaScript's shortest round-trip form is a Python literal too (1e+21).
    return String(value);
  }

  /**
   * The pool slots a step takes: its CPU limit rounded up (`2`, `500m`),
   * else one. Other limits are recorded in the task's doc, not enforced.
   */
  export function poolSlots(limits: Record<string, string>): number {
    const match = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(limits['cpu'] ?? '');
    if (!match) {
      return 1;
    }
    const cpus = Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
    return Math.max(1, Math.ceil(cpus));
  }

  /** A task's doc: its cells and limits (ends in a fixed sentence: Airflow
   * reads a doc ending in `.md` as a file name). */
  export function stepDoc(ir: PipelineIR, name: string): string {
    const step = ir.steps.find(s => s.name === name);
    const limits = Object.entries(step?.limits ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
    return [
      `Step \`${name}\` of the notebook (cells ${(step?.cells ?? []).map(c => c + 1).join(', ')}).`,
      limits
        ? `Limits (pool slots follow cpu; the rest is for your executor): ${limits}.`
        : '',
      'Exported by jupyterlab-mlops.'
    ]
      .filter(line => line !== '')
      .join('\n\n');
  }

  /** The export's README. */
  export function readme(ir: PipelineIR): string {
    const id = airflowDagId(ir);
    return [
      `# Pipeline \`${ir.name}\` for Airflow 3`,
      '',
      `Exported by jupyterlab-mlops from the notebook ${JSON.stringify(ir.notebook.path)}.`,
      `The DAG id is \`${id}\` (the name and a hash of the notebook's path).`,
      '',
      '## Run it',
      '',
      '```bash',
      'pip install -r requirements.txt   # into the Python that runs the steps',
      "# Link this folder into the dags folder (the steps run in the notebook's",
      '# folder, found from where this folder really is):',
      `ln -s "$PWD" "$AIRFLOW_HOME/dags/${id}"`,
      'airflow dags list-import-errors --local   # nothing',
      `airflow dags test ${id}`,
      `airflow dags test ${id} -c '{"name": value}'   # another parameter value`,
      '```',
      '',
      'A copy instead of a link works with `MLOPS_NOTEBOOK_DIR` set to the',
      "notebook's folder. Steps run with `MLOPS_PYTHON` (default: Airflow's",
      "Python; its pins clash with many a notebook's, so a venv of its own with",
      '`requirements.txt` is safer). All tasks must see one file system.',
      '',
      '## How it runs',
      '',
      'One task per step, after its `prev:` steps and the steps whose variables',
      'it takes; each runs `steps/<step>.py` as a child process. Parameters are',
      "DAG params (typed, the notebook's defaults; `-c` or the trigger form sets",
      'them); they reach the steps as a JSON file, never as code or template.',
      'Variables are files in `.mlops-runs/<dag id>/<run>/<step>/outputs/`',
      '(`MLOPS_RUNS_DIR` moves them); XCom holds only those folders and the',
      'metrics. The last task, `mlops-metrics`, returns the merged metrics and',
      'writes `metrics.json` into the run folder.',
      '',
      "Airflow has no step cache (every run runs every step), so the notebook's",
      "`cache:disabled` changes nothing here. A `limit:cpu:N` sets the task's",
      "`pool_slots` (N rounded up); other limits are written in the task's doc",
      'for your executor (e.g. a Kubernetes `pod_override`); `image:`,',
      '`annotation:` and `label:` are not used.',
      '',
      'Also here, as in the `local` export: `pipeline.json`, `params.yaml`,',
      '`requirements.txt`, `mlops_marshal.py`, `steps/` (so',
      '`python -m jupyterlab_mlops.run .` runs this folder too);',
      '`.airflowignore` keeps Airflow from parsing the step scripts.',
      ''
    ].join('\n');
  }
}
