/**
 * The texts of the `kfp` export (kfp.ts), with `@@KEY@@` slots that
 * `fill` replaces: the Python of one step's component, the module around
 * the components, and the README.
 */

/** `template` with each `@@KEY@@` replaced by `values[KEY]`, as is (the
 * values are not scanned again). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/@@(\w+)@@/g, (_, key: string) => values[key]);
}

/**
 * One step as a lightweight component: self-contained, as KFP ships only
 * the function's source. Its locals start with `_mlops`, its arguments
 * with `p_` (parameters), `in_`/`out_` (variables) or are `mlops_metrics`,
 * so the notebook's names never meet them (the code runs in its own
 * namespace).
 */
export const KFP_COMPONENT = `@dsl.component(base_image=@@IMAGE@@, packages_to_install=PACKAGES)
def @@NAME@@(
@@ARGS@@):
    """@@DOC@@"""
    import base64 as _mlops_base64
    import builtins as _mlops_builtins
    import os as _mlops_os
    import sys as _mlops_sys
    import tempfile as _mlops_tempfile
    import types as _mlops_types

    _mlops_marshal = _mlops_types.ModuleType("mlops_marshal")
    exec(compile(@@MARSHAL@@, "mlops_marshal.py", "exec", 0, True), _mlops_marshal.__dict__)
    # Where the notebook is, when the run says so (python pipeline.py --local).
    _mlops_workdir = _mlops_os.environ.get("MLOPS_WORKDIR")
    if _mlops_workdir:
        _mlops_os.chdir(_mlops_workdir)
        _mlops_sys.path.insert(0, _mlops_workdir)
    _mlops_ns = {"__name__": "__main__", "__builtins__": _mlops_builtins}
    # Parameters: values, never code.
    for _mlops_k, _mlops_v, _mlops_t in @@PARAMS@@:
        if _mlops_t in ("str", "none") and _mlops_v.startswith("mlops-base64:"):
            _mlops_v = _mlops_base64.b64decode(_mlops_v[13:]).decode("utf-8", "surrogatepass")
        elif _mlops_t == "none" and _mlops_v.lower() in ("none", "null"):
            _mlops_v = None
        _mlops_ns[_mlops_k] = _mlops_v
    for _mlops_k, _mlops_a in @@INPUTS@@:
        _mlops_ns[_mlops_k] = _mlops_marshal.load(_mlops_a.path, _mlops_k)
    exec(compile(@@SHARED@@, "<shared code>", "exec", 0, True), _mlops_ns)
    exec(compile(@@SOURCE@@, @@FILE@@, "exec", 0, True), _mlops_ns)
    for _mlops_k, _mlops_a in @@OUTPUTS@@:
        _mlops_a.metadata["kind"] = _mlops_marshal.save(_mlops_a.path, _mlops_k, _mlops_ns[_mlops_k])
    with _mlops_tempfile.TemporaryDirectory() as _mlops_folder:
        _mlops_found = _mlops_marshal.save_metrics(_mlops_folder, @@METRICS@@, _mlops_ns)
    for _mlops_k, _mlops_v in _mlops_found.items():
        mlops_metrics.log_metric(_mlops_k, _mlops_v)


`;

/**
 * The module: constants, `mlops_str`, the components, the pipeline and the
 * `python pipeline.py [--local]` entry.
 */
export const KFP_MODULE = `# KFP v2 pipeline @@NAME@@, exported by jupyterlab-mlops from the
# notebook @@NOTEBOOK@@ (content @@HASH@@).
#
#   python pipeline.py          compile: writes pipeline.yaml next to this file
#   python pipeline.py --local  compile, then run pipeline.yaml here (kfp.local)
#
# Generated code: edit the notebook and export again. See README.md.
import argparse
import base64
import json
import math
import os
from pathlib import Path
from typing import NamedTuple

from kfp import compiler, dsl
from kfp.dsl import Artifact, Input, Metrics, Output

HERE = Path(__file__).resolve().parent
#: KFP's default image; a step's image: tag overrides it.
BASE_IMAGE = "python:3.11"
NOTEBOOK = @@NOTEBOOK@@
#: Installed in each step before it runs: the pinned requirements pip takes as they are.
PACKAGES = @@PACKAGES@@
#: The pipeline parameters and their types (for --param).
PARAMETERS = @@PARAMETERS@@
METRICS = @@METRICS@@
#: The steps in run order, each with the pipeline output holding its metrics.
STEPS = @@STEPS@@
#: Pod labels and annotations: KFP core cannot set them (kfp-kubernetes can; README.md).
POD_METADATA = {
@@PODS@@}
#: Limits KFP core cannot set (README.md).
UNAPPLIED_LIMITS = {
@@UNAPPLIED@@}


def mlops_str(value):
    """A text parameter as KFP can carry it: text KFP would read as a
    placeholder (or that looks encoded) travels base64; steps decode it."""
    if "{{" in value or "/kfp-workspace" in value or value.startswith("mlops-base64:"):
        return "mlops-base64:" + base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii")
    return value


@@COMPONENTS@@@@OUTPUTS@@ = NamedTuple("@@OUTPUTS@@", @@FIELDS@@)


@dsl.pipeline(name=@@KFP_NAME@@, description=@@DESCRIPTION@@)
def @@PIPELINE@@(
@@SIGNATURE@@) -> @@OUTPUTS@@:
@@BODY@@    return @@OUTPUTS@@(@@RETURN@@)


def parse_param(parser, text):
    """NAME=VALUE, read as the parameter's type; never evaluated."""
    name, sep, raw = text.partition("=")
    kind = PARAMETERS.get(name) if sep else None
    try:
        if kind is None:
            raise ValueError("not a parameter (known: " + ", ".join(PARAMETERS) + ")")
        if kind == "int":
            return name, int(raw, 10)
        if kind == "float":
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError("not a finite number")
            return name, value
        if kind == "bool":
            if raw.lower() not in ("true", "1", "yes", "false", "0", "no"):
                raise ValueError("not true or false")
            return name, raw.lower() in ("true", "1", "yes")
    except ValueError as err:
        parser.error("--param " + text + ": " + str(err))
    return name, mlops_str(raw)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python pipeline.py")
    parser.add_argument("--output", type=Path, default=HERE / "pipeline.yaml", help="the IR YAML to write")
    parser.add_argument("--local", action="store_true", help="then run it here with kfp.local")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json", action="store_true", help="print the run's metrics as JSON")
    args = parser.parse_args(argv)
    values = dict(parse_param(parser, text) for text in args.param)
    compiler.Compiler().compile(@@PIPELINE@@, str(args.output))
    if not args.local:
        print("wrote", args.output)
        return 0
    from kfp import components, local

    # Steps run in the notebook's folder (this is <it>/pipelines/<name>/kfp/), as in the notebook.
    os.environ.setdefault("MLOPS_WORKDIR", str(HERE.parents[2]))
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(HERE / "local_outputs"))
    task = components.load_component_from_file(str(args.output))(**values)
    metrics = {}
    for _step, output in STEPS:  # in run order: a later step's value wins
        found = task.outputs[output].metadata
        metrics.update({name: found[name] for name in METRICS if name in found})
    print(json.dumps({"state": "done", "metrics": metrics}) if args.json else metrics)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
`;

/** The export's README.md. */
export const KFP_README = `# Pipeline \`@@NAME@@\` for Kubeflow Pipelines

Exported by jupyterlab-mlops from the notebook @@NOTEBOOK@@: a KFP v2
pipeline (written for kfp @@KFP@@), one lightweight Python component per step.

\`\`\`bash
pip install -r requirements.txt
python pipeline.py                                   # writes pipeline.yaml: upload it to KFP
python pipeline.py --local --param NAME=VALUE --json # or run it here with kfp.local
\`\`\`

## How it runs

- Each component carries the notebook's code (the shared code, then the
  step) and the marshal helper as string literals, run in a fresh namespace:
  KFP ships the function alone, never this folder.
- Each variable a step hands on is one artifact: a folder with one file
  (numpy \`.npy\`, pandas parquet or pickle, scikit-learn joblib, else
  cloudpickle). The pipeline metrics a step knows go to its \`Output[Metrics]\`;
  the pipeline returns them all (\`--local\` merges them in run order).
- \`--local\` runs the compiled \`pipeline.yaml\` with kfp.local in this Python
  environment (installing \`PACKAGES\` into it, as a step would), each step in
  the notebook's folder (\`MLOPS_WORKDIR\`, found from where this folder is when
  it runs), as in the notebook. On a cluster a step runs in its container's
  folder: the next step sees its variables, not the files it wrote, unless you
  mount storage there and set \`MLOPS_WORKDIR\`.
- A text parameter KFP would read as a placeholder (\`{{\`, \`/kfp-workspace\`)
  travels base64 (\`mlops-base64:…\`, as \`mlops_str()\` writes it); a parameter
  whose value is \`None\` is the text \`None\`.
- \`limit:\` tags set CPU, memory and GPU limits (\`cpu\`, \`memory\`,
  \`<vendor>/gpu\`). KFP core has no pod labels or annotations: they are listed
  here and in \`POD_METADATA\`, for kfp-kubernetes (\`kubernetes.add_pod_label\`).

## Steps, in run order

| step | KFP task | image | limits not set | labels | annotations | cache |
|---|---|---|---|---|---|---|
@@ROWS@@@@LEFT@@`;
