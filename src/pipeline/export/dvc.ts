import { PipelineIR } from '../ir';
import { analyzeNames, PYTHON_BUILTINS } from '../names';
import { stepScript } from './local';
import { MARSHAL_HELPER } from './marshal';

/**
 * The `dvc` export (DVC 3): the folder `pipelines/NAME/dvc/` next to the
 * notebook, which `dvc repro` runs. A pure function of the IR: file paths
 * (relative to the export folder) to their text.
 *
 * - `dvc.yaml`: one stage per step, run in the notebook's folder (`wdir`);
 * - `params.yaml`: the parameters, one `name: <JSON scalar>` a line;
 * - `run_step.py`: what each stage's `cmd` runs: it hands `steps/STEM.py`
 *   its parameter values, inputs and outputs folder as the local runner
 *   does (`MLOPS_PARAMS`, `MLOPS_INPUTS`, `MLOPS_OUTPUTS`);
 * - `steps/STEM.py`, `mlops_marshal.py`, `requirements.txt`,
 *   `pipeline.json`: as in the `local` export;
 * - `README.md`: what is here, how to run it and change a parameter.
 *
 * A step's variables go to `.mlops-dvc/STEM/outputs/` (a DVC out, which
 * its children depend on; none when it hands nothing on) and its metrics
 * to `.mlops-dvc/STEM/mlops-metrics.json` (DVC metrics, not cached; what a
 * child of a step that hands nothing on depends on). STEM is the step's
 * name, unless an earlier step's name differs from it only in case (one
 * file on macOS and Windows): then the name and its position, `Load-2`,
 * never an identifier. The steps run with the `python` on the PATH.
 *
 * User text reaches `dvc.yaml` only as identifiers (step and parameter
 * names, quoted where YAML would read them as something else) and as JSON
 * strings in comments with every YAML line break escaped; parameter values
 * only reach `params.yaml`, as JSON scalars DVC reads as YAML.
 */
export function exportDvc(ir: PipelineIR): Record<string, string> {
  const plan = Private.plan(ir);
  const files: Record<string, string> = {
    'dvc.yaml': Private.dvcYaml(ir, plan),
    'params.yaml': Private.paramsYaml(ir),
    'run_step.py': RUN_STEP,
    'mlops_marshal.py': MARSHAL_HELPER,
    'requirements.txt': ir.requirements,
    'pipeline.json': `${JSON.stringify(ir, null, 2)}\n`,
    'README.md': Private.readme(ir, plan)
  };
  for (const step of ir.steps) {
    files[`steps/${plan.stem(step.name)}.py`] = stepScript(ir, step.name);
  }
  return files;
}

/** What each stage runs (see `exportDvc`). */
const RUN_STEP = String.raw`"""Run one step of this DVC export: what the stages of dvc.yaml call.

    python run_step.py STEM [VARIABLE=PRODUCER ...]

DVC runs it in the notebook's folder (each stage's wdir). It reads
params.yaml beside it (one "name: <JSON scalar>" a line) into a JSON file,
points the step at the folders of the variables it takes (the outputs of the
steps producing them) and at its own outputs folder, runs steps/STEM.py with
this Python, then moves the metrics the step wrote next to its outputs,
where dvc.yaml declares them. Parameter values are read as JSON: data, never
code.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# Not this folder on the path before the next imports: a json.py or
# subprocess.py planted beside this script would run in its place.
if sys.path and os.path.abspath(sys.path[0] or ".") == HERE:
    del sys.path[0]

import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402

WORK = os.path.join(HERE, ".mlops-dvc")
METRICS = "mlops-metrics.json"
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
STEM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[0-9]+)?\Z")
COLON = re.compile(r"[ \t]*:[ \t]+")


def _not_json(name):
    raise ValueError(name + " is not JSON")


def _line(decoder, line):
    """(name, value) of one "name: <JSON scalar>" line, else None."""
    try:
        if line.startswith('"'):
            name, end = decoder.raw_decode(line)
        else:
            match = NAME.match(line)
            if match is None:
                return None
            name, end = match.group(), match.end()
        colon = COLON.match(line, end)
        if colon is None or not isinstance(name, str):
            return None
        value, end = decoder.raw_decode(line, colon.end())
    except ValueError:
        return None
    rest = line[end:]
    if rest.strip(" \t") and not re.match(r"[ \t]+#", rest):
        return None
    if value is not None and not isinstance(value, (bool, int, float, str)):
        return None
    return name, value


def read_params(path):
    """The values of params.yaml."""
    decoder = json.JSONDecoder(parse_constant=_not_json)
    values = {}
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\r\n")
            if not line.strip(" \t") or line.lstrip(" \t").startswith("#"):
                continue
            found = _line(decoder, line)
            if found is None or found[0] in values:
                sys.exit(
                    f"{path}:{number}: not a new 'name: <JSON scalar>' line"
                    f" (a string needs double quotes): {line!r}"
                )
            values[found[0]] = found[1]
    return values


def main(argv):
    if not argv or not STEM.match(argv[0]):
        sys.exit("usage: python run_step.py STEM [VARIABLE=PRODUCER ...]")
    stem = argv[0]
    inputs = {}
    for pair in argv[1:]:
        variable, _, producer = pair.partition("=")
        if not NAME.fullmatch(variable) or not STEM.match(producer):
            sys.exit(f"not VARIABLE=PRODUCER: {pair!r}")
        inputs[variable] = os.path.join(WORK, producer, "outputs")
    folder = os.path.join(WORK, stem)
    outputs = os.path.join(folder, "outputs")
    os.makedirs(outputs, exist_ok=True)
    values = read_params(os.path.join(HERE, "params.yaml"))
    handle, params_file = tempfile.mkstemp(prefix=".params-", suffix=".json", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(values, out)
        env = dict(
            os.environ,
            MLOPS_PARAMS=params_file,
            MLOPS_INPUTS=json.dumps(inputs),
            MLOPS_OUTPUTS=outputs,
        )
        script = os.path.join(HERE, "steps", stem + ".py")
        code = subprocess.call([sys.executable, script], env=env)
    finally:
        os.remove(params_file)
    if code != 0:
        return code if code > 0 else 128 - code
    written = os.path.join(outputs, METRICS)
    if not os.path.exists(written):
        with open(written, "w", encoding="utf-8") as out:
            out.write("{}")
    os.replace(written, os.path.join(folder, METRICS))
    if not os.listdir(outputs):
        os.rmdir(outputs)  # a step that hands nothing on has no DVC out
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
`;

namespace Private {
  /** YAML 1.1 and 1.2 read these plain words as booleans or null. */
  const YAML_WORDS =
    /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

  /**
   * A value as JSON that YAML reads the same: JSON leaves some characters
   * raw that YAML forbids (C1 controls, U+FFFE) or reads as line breaks
   * (U+0085, U+2028, U+2029); escape them.
   */
  export function json(value: unknown): string {
    return JSON.stringify(value).replace(
      /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
      c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
    );
  }

  /** An identifier as a YAML key or item: quoted when YAML would misread it. */
  export function key(name: string): string {
    return YAML_WORDS.test(name) ? json(name) : name;
  }

  /** What the files of the export are computed from. */
  export interface IPlan {
    /** The folder of the export, relative to the notebook's folder. */
    base: string;
    /** A step's file and folder name. */
    stem(name: string): string;
    /** The parameters a step's stage declares. */
    params(name: string): string[];
  }

  export function plan(ir: PipelineIR): IPlan {
    // A step's name, or, when an earlier step's name equals it but for
    // case (one file on macOS and Windows), NAME-N, N its position.
    const stems = new Map<string, string>();
    const taken = new Set<string>();
    ir.steps.forEach((step, index) => {
      const folded = step.name.toLowerCase();
      stems.set(
        step.name,
        taken.has(folded) ? `${step.name}-${index + 1}` : step.name
      );
      taken.add(folded);
    });
    // Every step runs the shared code (imports, functions): what it reads
    // counts for all. A parameter named like a builtin is not among `uses`.
    const names = analyzeNames(ir.shared);
    const shared = new Set(
      ir.parameters
        .map(p => p.name)
        .filter(
          p =>
            names.uses.includes(p) ||
            names.defines.includes(p) ||
            (PYTHON_BUILTINS.has(p) &&
              new RegExp(`(?<![A-Za-z0-9_])${p}(?![A-Za-z0-9_])`).test(
                ir.shared
              ))
        )
    );
    return {
      base: `pipelines/${ir.name}/dvc`,
      stem: name => stems.get(name) ?? name,
      params: name => {
        const own = ir.steps.find(s => s.name === name)?.parameters ?? [];
        return ir.parameters
          .map(p => p.name)
          .filter(p => own.includes(p) || shared.has(p));
      }
    };
  }

  export function paramsYaml(ir: PipelineIR): string {
    return ir.parameters
      .map(p => {
        // A float keeps its point, so the step gets a float.
        const value =
          p.type === 'float' &&
          typeof p.default === 'number' &&
          Number.isInteger(p.default) &&
          Math.abs(p.default) < 1e21
            ? `${p.default}.0`
            : json(p.default);
        return `${key(p.name)}: ${value}\n`;
      })
      .join('');
  }

  export function dvcYaml(ir: PipelineIR, plan: IPlan): string {
    const { base, stem } = plan;
    const work = (name: string) => `${base}/.mlops-dvc/${stem(name)}`;
    const handsOn = (name: string) =>
      (ir.steps.find(s => s.name === name)?.outputs.length ?? 0) > 0;
    const lines = [
      `# DVC pipeline ${json(ir.name)}, exported by jupyterlab-mlops from`,
      `# ${json(ir.notebook.path)} (content ${ir.notebook.contentHash.slice(0, 12)}).`,
      "# Each stage runs one step in the notebook's folder; see README.md.",
      'stages:'
    ];
    for (const name of ir.order) {
      const step = ir.steps.find(s => s.name === name);
      if (!step) {
        continue;
      }
      const parents = ir.order.filter(
        other =>
          ir.edges.some(([from, to]) => from === other && to === name) ||
          Object.values(step.inputs).includes(other)
      );
      const inputs = Object.entries(step.inputs).map(
        ([variable, producer]) => ` ${variable}=${stem(producer)}`
      );
      const params = plan.params(name);
      lines.push(
        `  ${key(name)}:`,
        `    cmd: python ${base}/run_step.py ${stem(name)}${inputs.join('')}`,
        '    wdir: ../../..',
        '    deps:',
        `      - ${base}/run_step.py`,
        `      - ${base}/mlops_marshal.py`,
        // DVC warns of an empty file.
        ...(ir.requirements === '' ? [] : [`      - ${base}/requirements.txt`]),
        `      - ${base}/steps/${stem(name)}.py`,
        // A parent comes first: its variables, or its metrics when it
        // hands nothing on (an edge of `prev:` alone).
        ...parents.map(p =>
          handsOn(p)
            ? `      - ${work(p)}/outputs`
            : `      - ${work(p)}/mlops-metrics.json`
        ),
        ...(params.length > 0
          ? [
              '    params:',
              `      - ${base}/params.yaml:`,
              ...params.map(p => `          - ${key(p)}`)
            ]
          : []),
        ...(step.outputs.length > 0
          ? ['    outs:', `      - ${work(name)}/outputs`]
          : []),
        '    metrics:',
        `      - ${work(name)}/mlops-metrics.json:`,
        '          cache: false',
        // A step the notebook keeps out of the cache runs every time.
        ...(step.cache ? [] : ['    always_changed: true'])
      );
    }
    return `${lines.join('\n')}\n`;
  }

  export function readme(ir: PipelineIR, plan: IPlan): string {
    const steps = ir.order.map(name => {
      const step = ir.steps.find(s => s.name === name);
      const params = plan.params(name);
      const reads =
        params.length > 0
          ? `: reads ${params.map(p => `\`${p}\``).join(', ')}`
          : '';
      const always =
        step?.cache === false ? '; runs every time (`cache:disabled`)' : '';
      return `- \`${name}\` (\`steps/${plan.stem(name)}.py\`)${reads}${always}`;
    });
    return [
      `# Pipeline \`${ir.name}\` for DVC`,
      '',
      `Exported by jupyterlab-mlops from the notebook ${json(ir.notebook.path)}:`,
      'one DVC 3 stage per pipeline step. It belongs in',
      `\`${plan.base}/\` next to the notebook: the stages run in the notebook's`,
      "folder (their `wdir`), so the notebook's relative paths work as in Jupyter.",
      '',
      '## Run it',
      '',
      "In a Python environment with the notebook's packages (the steps run with",
      'the `python` on the PATH) and DVC 3, inside a DVC project (`dvc init` at',
      'the root of the git repository, once):',
      '',
      '```bash',
      'pip install -r requirements.txt "dvc>=3,<4"',
      `cd ${plan.base}`,
      'dvc repro           # runs the stages whose code, inputs or parameters changed',
      "dvc metrics show    # each step's metrics",
      '```',
      '',
      'Run again with nothing changed, `dvc repro` runs nothing ("Data and',
      'pipelines are up to date").',
      '',
      '## Change a parameter',
      '',
      'Edit `params.yaml`: one `name: value` a line, the value a JSON scalar (a',
      'number, `true`, `false`, `null`, or a string in double quotes, as in',
      '`path: "data/other.csv"`). Then `dvc repro` runs the stages that read it,',
      'and those whose inputs change in turn; `dvc params diff` shows the change.',
      '',
      '## Steps',
      '',
      ...steps,
      '',
      '## Files',
      '',
      '- `dvc.yaml`: the stages (`cmd`, `wdir`, `deps`, `params`, `outs`, `metrics`);',
      '- `params.yaml`: the parameters and their values;',
      '- `run_step.py`: runs one step, handing it its parameters and inputs;',
      '- `steps/`: one script per step; `mlops_marshal.py`: how steps hand',
      '  variables on; `requirements.txt`: the pinned packages;',
      '- `pipeline.json`: the pipeline as exported;',
      "- `.mlops-dvc/STEP/`: a step's `outputs/` (a DVC out) and its metrics.",
      ''
    ].join('\n');
  }
}
