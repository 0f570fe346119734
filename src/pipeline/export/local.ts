import { pythonOfIPython } from '../names';
import { PipelineIR } from '../ir';
import { MARSHAL_HELPER } from './marshal';

/**
 * The `local` export: the folder the runner (`python -m
 * jupyterlab_mlops.run DIR`) runs. A pure function of the IR: file paths
 * (relative to the export folder) to their text.
 *
 * - `pipeline.json`: the IR;
 * - `params.yaml`: the parameters' defaults;
 * - `requirements.txt`: the pinned environment every step installs;
 * - `mlops_marshal.py`: how steps pass variables (part of the export);
 * - `steps/NAME.py`: one script per step;
 * - `README.md`: what is here and how to run it.
 *
 * User text reaches a script only as the step's own code (the notebook's
 * cells) or as JSON string literals; parameter values never do: a step
 * reads them from the JSON file the runner gives it, so a value is never
 * executed as code.
 */
export function exportLocal(ir: PipelineIR): Record<string, string> {
  const files: Record<string, string> = {
    'pipeline.json': `${JSON.stringify(ir, null, 2)}\n`,
    'params.yaml': Private.paramsYaml(ir),
    'requirements.txt': ir.requirements,
    'mlops_marshal.py': MARSHAL_HELPER,
    'README.md': Private.readme(ir)
  };
  for (const step of ir.steps) {
    files[`steps/${step.name}.py`] = stepScript(ir, step.name);
  }
  return files;
}

/**
 * The script of one step. The runner gives it, in the environment:
 * `MLOPS_PARAMS` (a JSON file of parameter values), `MLOPS_INPUTS` (JSON:
 * each input variable's folder) and `MLOPS_OUTPUTS` (the folder for what
 * it hands on).
 */
export function stepScript(ir: PipelineIR, name: string): string {
  const step = ir.steps.find(s => s.name === name);
  if (!step) {
    throw new Error(`no step ${name}`);
  }
  const literal = (value: unknown) => JSON.stringify(value);
  return [
    `# Step ${literal(step.name)} of pipeline ${literal(ir.name)}, exported by`,
    `# jupyterlab-mlops from ${literal(ir.notebook.path)} (content ${ir.notebook.contentHash.slice(0, 12)}).`,
    '# IPython magics and shell lines (%, !) of the notebook are left out.',
    'import os as _mlops_os',
    'import sys as _mlops_sys',
    '',
    "# Nothing of the export folder on the path: not this script's folder (a step",
    '# named like a module, json.py, would shadow it), nor the export folder (a',
    '# module planted there would run). The marshal helper is compiled from its',
    '# source, never imported (an import loader would take a planted .pyc).',
    "# Then the working folder: the notebook's, whose modules the notebook imports.",
    '_mlops_here = _mlops_os.path.dirname(_mlops_os.path.abspath(__file__))',
    "if _mlops_sys.path and _mlops_os.path.abspath(_mlops_sys.path[0] or '.') == _mlops_here:",
    '    del _mlops_sys.path[0]',
    'import json as _mlops_json  # noqa: E402',
    'import types as _mlops_types  # noqa: E402',
    '',
    "_mlops_file = _mlops_os.path.join(_mlops_os.path.dirname(_mlops_here), 'mlops_marshal.py')",
    "_mlops = _mlops_types.ModuleType('mlops_marshal')",
    '_mlops.__file__ = _mlops_file',
    "with open(_mlops_file, encoding='utf-8') as _mlops_source:",
    "    exec(compile(_mlops_source.read(), _mlops_file, 'exec'), _mlops.__dict__)",
    '_mlops_sys.path.insert(0, _mlops_os.getcwd())',
    `_MLOPS_PARAMETERS = ${literal(ir.parameters.map(p => p.name))}`,
    `_MLOPS_OUTPUTS = ${literal(step.outputs)}`,
    '# Parameters: values from the runner (JSON), never code.',
    'globals().update(',
    '    {',
    '        _k: _v',
    "        for _k, _v in _mlops.read_params(_mlops_os.environ['MLOPS_PARAMS']).items()",
    '        if _k in _MLOPS_PARAMETERS',
    '    }',
    ')',
    '# Inputs: the variables other steps handed on.',
    "for _k, _folder in _mlops_json.loads(_mlops_os.environ.get('MLOPS_INPUTS', '{}')).items():",
    '    globals()[_k] = _mlops.load(_folder, _k)',
    '',
    '# ---- imports and functions (every step runs them) ----',
    pythonOfIPython(ir.shared),
    '',
    `# ---- step ${literal(step.name)} ----`,
    pythonOfIPython(step.source),
    '',
    '# ---- outputs ----',
    'for _k in _MLOPS_OUTPUTS:',
    "    _mlops.save(_mlops_os.environ['MLOPS_OUTPUTS'], _k, globals()[_k])",
    `_mlops.save_metrics(_mlops_os.environ['MLOPS_OUTPUTS'], ${literal(ir.metrics)}, globals())`,
    ''
  ].join('\n');
}

namespace Private {
  /**
   * The defaults as YAML: each value a JSON scalar, which YAML reads the
   * same.
   */
  export function paramsYaml(ir: PipelineIR): string {
    return ir.parameters
      .map(p => `${p.name}: ${JSON.stringify(p.default)}\n`)
      .join('');
  }

  export function readme(ir: PipelineIR): string {
    const steps = ir.order
      .map(name => {
        const step = ir.steps.find(s => s.name === name);
        const parents = ir.edges
          .filter(([, to]) => to === name)
          .map(([from]) => from);
        return `- \`${name}\`${parents.length > 0 ? ` (after ${parents.map(p => `\`${p}\``).join(', ')})` : ''}: ${step?.outputs.length ? `hands on ${step.outputs.map(o => `\`${o}\``).join(', ')}` : 'hands on nothing'}`;
      })
      .join('\n');
    return [
      `# Pipeline \`${ir.name}\``,
      '',
      `Exported by jupyterlab-mlops from the notebook ${JSON.stringify(ir.notebook.path)}.`,
      '',
      '## Run it',
      '',
      '```bash',
      'pip install -r requirements.txt   # the environment the notebook ran in',
      'python -m jupyterlab_mlops.run .  # add --param name=value to change a parameter',
      '```',
      '',
      'Each step runs as its own process, in order, independent ones in parallel',
      '(`--jobs`). A step whose code, inputs, parameters and requirements are',
      'unchanged is replayed from `.mlops-cache/`; `--force` runs everything.',
      'Logs and `status.json` are in `.mlops-runs/<run>/`.',
      '',
      '## Steps',
      '',
      steps,
      '',
      '## Files',
      '',
      '- `pipeline.json`: the pipeline (steps, edges, variables, parameters);',
      '- `params.yaml`: the parameters and their defaults;',
      '- `requirements.txt`: the pinned packages;',
      '- `mlops_marshal.py`: how steps hand variables on (no package needed);',
      '- `steps/`: one script per step.',
      ''
    ].join('\n');
  }
}
