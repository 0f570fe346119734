import { MlopsError } from '../../errors';
import { PipelineIR } from '../ir';
import { PYTHON_BUILTINS, pythonOfIPython } from '../names';
import { KFP_COMPONENT, KFP_MODULE, KFP_README, fill } from './kfpTemplates';
import { MARSHAL_HELPER } from './marshal';

/**
 * The `kfp` export: a Kubeflow Pipelines v2 module, `pipeline.py`, for the
 * folder `pipelines/<name>/kfp/` next to the notebook, with its README and
 * requirements. A pure function of the IR: file paths to their text.
 *
 * Each step is a lightweight component (`@dsl.component`). KFP ships only
 * a component function's own source, so each carries the marshal helper,
 * the shared code and the step's code as string literals, exec'd in a
 * fresh `__main__` namespace (shared code first), as the `local` export
 * runs them. Every passed variable is one artifact (a folder holding the
 * marshal helper's file); the metrics a step knows go to its
 * `Output[Metrics]`, which the pipeline returns. User text enters the
 * module only as ASCII string literals with `{`, `}` escaped (KFP resolves
 * `{{$…}}` placeholders anywhere in a component's command); parameter
 * values never: a step gets them as KFP inputs, and text KFP would read as
 * a placeholder travels base64 (`mlops-base64:`).
 */
export function exportKfp(ir: PipelineIR): Record<string, string> {
  const names = planKfpNames(ir);
  return {
    'pipeline.py': Private.module(ir, names),
    // What it was made of: the bridge reads it (the notebook, its hash).
    'pipeline.json': `${JSON.stringify(ir, null, 2)}\n`,
    'README.md': Private.readme(ir, names),
    'requirements.txt': `# What pipeline.py needs to compile and to run with kfp.local.\nkfp==${KFP_VERSION}\n${ir.requirements}`
  };
}

/** The kfp release the export is written and tested for. */
export const KFP_VERSION = '2.17.3';

/**
 * The Python names of the module: no two steps collide after KFP cleans
 * their names (lower case, `_` → `-`), none is a keyword, builtin or name
 * of the module, none shadows a pipeline parameter.
 */
export interface IKfpNames {
  /** The pipeline function. */
  pipeline: string;
  /** The pipeline's KFP name (`^[a-z0-9][a-z0-9-]*$`). */
  kfpName: string;
  /** The NamedTuple type of the pipeline's outputs. */
  outputs: string;
  /** By step: component function, task variable, KFP task name, and the
   * pipeline output holding its metrics. */
  steps: Record<
    string,
    { component: string; task: string; kfpTask: string; metrics: string }
  >;
}

/**
 * The names `exportKfp` gives an IR's pipeline and steps.
 */
export function planKfpNames(ir: PipelineIR): IKfpNames {
  const bad = ir.parameters.find(
    p => Private.KEYWORDS.has(p.name) || p.name === 'Output'
  );
  if (bad) {
    throw new MlopsError(
      'E_PIPELINE_INVALID',
      `The parameter "${bad.name}" cannot be a KFP pipeline parameter: rename it.`,
      { parameter: bad.name }
    );
  }
  const k8s = Private.k8sName;
  const taken = new Set<string>([
    ...Private.KEYWORDS,
    ...PYTHON_BUILTINS,
    ...Private.MODULE_NAMES,
    ...ir.parameters.map(p => p.name)
  ]);
  const kfpTaken = new Set<string>();
  const pick = (base: string, suffix: string, kfp = false): string => {
    const start = /^[A-Za-z]/.test(base)
      ? base.slice(0, 50)
      : `${suffix}_${base.replace(/^_+/, '')}`.slice(0, 50);
    let name = taken.has(start) ? `${start}_${suffix}` : start;
    for (let n = 2; taken.has(name) || (kfp && kfpTaken.has(k8s(name))); n++) {
      name = `${start}_${n}`;
    }
    taken.add(name);
    kfpTaken.add(kfp ? k8s(name) : '');
    return name;
  };
  const pipeline = pick(ir.name, 'pipeline');
  const components = ir.steps.map(s => pick(s.name, 'step', true));
  const steps: IKfpNames['steps'] = {};
  ir.steps.forEach((step, i) => {
    steps[step.name] = {
      component: components[i],
      task: pick(`t_${components[i]}`, 't'),
      kfpTask: k8s(components[i]),
      metrics: `${components[i]}_metrics`
    };
  });
  const kfpName = k8s(ir.name) || 'pipeline';
  return { pipeline, kfpName, outputs: pick('Outputs', 'type'), steps };
}

namespace Private {
  type Step = PipelineIR['steps'][number];

  /** Python's keywords: never a function's name. */
  export const KEYWORDS: ReadonlySet<string> = new Set(
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
      ' '
    )
  );

  /** What the module binds at its top level. */
  export const MODULE_NAMES =
    'argparse base64 json math os Path NamedTuple compiler dsl Artifact Input Metrics Output HERE BASE_IMAGE NOTEBOOK PACKAGES PARAMETERS METRICS STEPS POD_METADATA UNAPPLIED_LIMITS main mlops_str parse_param'.split(
      ' '
    );

  /** KFP's `maybe_rename_for_k8s` (kfp/dsl/utils.py). */
  export function k8sName(name: string): string {
    return name
      .toLowerCase()
      .replace(/[^-0-9a-z]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-+|-+$/g, '');
  }

  /**
   * Text as an ASCII Python string literal with `{`, `}` and the
   * `/kfp-workspace` mount path escaped: KFP resolves placeholders in a
   * component's whole command, its source included.
   */
  export function py(text: string): string {
    const escaped = text.replace(/[^\x20-\x7e]|["\\{}]/gu, ch => {
      const code = ch.codePointAt(0) ?? 0;
      const hex = (width: number) => code.toString(16).padStart(width, '0');
      if (ch === '"' || ch === '\\') {
        return `\\${ch}`;
      }
      if (ch === '\n') {
        return '\\n';
      }
      if (code < 0x100) {
        return `\\x${hex(2)}`;
      }
      return code < 0x10000 ? `\\u${hex(4)}` : `\\U${hex(8)}`;
    });
    return `"${escaped.replace(/\/kfp-workspace/g, '\\x2fkfp-workspace')}"`;
  }

  const list = (items: readonly string[]) => `[${items.join(', ')}]`;
  const pyList = (items: readonly string[]) => list(items.map(py));
  const pyDict = (record: Record<string, string>) =>
    `{${Object.entries(record)
      .map(([k, v]) => `${py(k)}: ${py(v)}`)
      .join(', ')}}`;

  /** A parameter's annotation and default, as the pipeline declares it. */
  function signature(p: PipelineIR['parameters'][number]): string {
    const value = p.default;
    const ok = {
      int: typeof value === 'number' && Number.isInteger(value),
      float: typeof value === 'number',
      bool: typeof value === 'boolean',
      str: typeof value === 'string',
      none: value === null
    }[p.type];
    if (!ok) {
      throw new MlopsError(
        'E_PIPELINE_INVALID',
        `The default of parameter "${p.name}" is not a ${p.type}.`,
        { parameter: p.name }
      );
    }
    if (typeof value === 'string') {
      return `str = mlops_str(${py(value)})`;
    }
    if (typeof value === 'boolean') {
      return `bool = ${value ? 'True' : 'False'}`;
    }
    if (typeof value === 'number') {
      const text = String(value);
      const float = /^-?\d+$/.test(text) ? `${text}.0` : text;
      return p.type === 'int' ? `int = ${text}` : `float = ${float}`;
    }
    // kfp.local cannot run a null default: it travels as the text "None",
    // which the step reads back as None (as the local runner does).
    return 'str = "None"';
  }

  /**
   * The parameters a step gets: those it reads, and any its code or the
   * shared code names at all (a shared function may read one).
   */
  function stepParameters(ir: PipelineIR, step: Step) {
    const words = new Set(
      `${ir.shared}\n${step.source}`.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []
    );
    return ir.parameters.filter(
      p => step.parameters.includes(p.name) || words.has(p.name)
    );
  }

  /** The calls setting a step's limits KFP core can set; the others. */
  export function limits(limits: Record<string, string>) {
    const calls: string[] = [];
    const unapplied: Record<string, string> = {};
    for (const [key, value] of Object.entries(limits)) {
      if (key === 'cpu' && /^([0-9]*[.])?[0-9]+m?$/.test(value)) {
        calls.push(`set_cpu_limit(${py(value)})`);
      } else if (key === 'memory' && /^[0-9]+([EPTGMK]i?)?$/.test(value)) {
        calls.push(`set_memory_limit(${py(value)})`);
      } else if (
        /^[a-z0-9.-]+\/gpu$/.test(key) &&
        /^\d+$/.test(value) &&
        !calls.some(call => call.startsWith('set_accelerator'))
      ) {
        calls.push(
          `set_accelerator_type(${py(key)})`,
          `set_accelerator_limit(${py(value)})`
        );
      } else {
        unapplied[key] = value;
      }
    }
    return { calls, unapplied };
  }

  /** The requirements pip installs in a step: plain `name[extras] op
   * version` lines (kfp writes them into a shell line); the others. */
  export function packages(requirements: string) {
    const spec = '(===|==|~=|!=|<=|>=|<|>)\\s*[A-Za-z0-9.*+!_-]+';
    const safe = new RegExp(
      `^[A-Za-z0-9][A-Za-z0-9._-]*(\\[[A-Za-z0-9._,-]+\\])?(\\s*${spec}(\\s*,\\s*${spec})*)?$`
    );
    const lines = requirements
      .split(/\r?\n/)
      .map(raw => raw.replace(/(^|\s)#.*$/, '').trim())
      .filter(line => line !== '');
    return {
      kept: lines.filter(line => safe.test(line)),
      left: lines.filter(line => !safe.test(line))
    };
  }

  /** One step's component function. */
  function component(
    ir: PipelineIR,
    step: Step,
    names: IKfpNames,
    shared: { marshal: string; code: string }
  ): string {
    const params = stepParameters(ir, step);
    const inputs = Object.keys(step.inputs);
    const args = [
      ...params.map(p => `p_${p.name}: ${p.type === 'none' ? 'str' : p.type}`),
      ...inputs.map(v => `in_${v}: Input[Artifact]`),
      ...step.outputs.map(v => `out_${v}: Output[Artifact]`),
      'mlops_metrics: Output[Metrics]'
    ];
    return fill(KFP_COMPONENT, {
      IMAGE: step.image === null ? 'BASE_IMAGE' : py(step.image),
      NAME: names.steps[step.name].component,
      ARGS: args.map(arg => `    ${arg},\n`).join(''),
      DOC: `Step ${step.name} of the pipeline ${ir.name} (jupyterlab-mlops).`,
      MARSHAL: shared.marshal,
      PARAMS: list(
        params.map(p => `(${py(p.name)}, p_${p.name}, ${py(p.type)})`)
      ),
      INPUTS: list(inputs.map(v => `(${py(v)}, in_${v})`)),
      SHARED: shared.code,
      SOURCE: py(pythonOfIPython(step.source)),
      FILE: py(`<step ${step.name}>`),
      OUTPUTS: list(step.outputs.map(v => `(${py(v)}, out_${v})`)),
      METRICS: pyList(ir.metrics)
    });
  }

  /** The pipeline module, `pipeline.py`. */
  export function module(ir: PipelineIR, names: IKfpNames): string {
    const shared = {
      marshal: py(MARSHAL_HELPER),
      code: py(pythonOfIPython(ir.shared))
    };
    const byName = new Map(ir.steps.map(s => [s.name, s]));
    const ordered = ir.order.flatMap(name => byName.get(name) ?? []);
    const own = ordered.map(s => names.steps[s.name]);
    const text = { body: '', pods: '', unapplied: '' };
    for (const [i, step] of ordered.entries()) {
      const task = own[i].task;
      const args = [
        ...stepParameters(ir, step).map(p => `p_${p.name}=${p.name}`),
        ...Object.entries(step.inputs).map(
          ([v, from]) =>
            `in_${v}=${names.steps[from]?.task}.outputs["out_${v}"]`
        )
      ];
      const fed = new Set(Object.values(step.inputs));
      const parents = ir.edges
        .filter(([from, to]) => to === step.name && !fed.has(from))
        .map(([from]) => names.steps[from]?.task);
      const limit = limits(step.limits);
      const calls = [
        `set_display_name(${py(step.name)})`,
        ...(parents.length > 0 ? [`after(${parents.join(', ')})`] : []),
        ...limit.calls,
        ...(step.cache ? [] : ['set_caching_options(False)'])
      ];
      text.body += `    ${task} = ${own[i].component}(${args.join(', ')})\n`;
      text.body += calls.map(call => `    ${task}.${call}\n`).join('');
      text.pods += `    ${py(step.name)}: {"labels": ${pyDict(step.labels)}, "annotations": ${pyDict(step.annotations)}},\n`;
      if (Object.keys(limit.unapplied).length > 0) {
        text.unapplied += `    ${py(step.name)}: ${pyDict(limit.unapplied)},\n`;
      }
    }
    const param = (p: PipelineIR['parameters'][number]) =>
      `${py(p.name)}: ${py(p.type)}`;
    return fill(KFP_MODULE, {
      NAME: py(ir.name),
      NOTEBOOK: py(ir.notebook.path),
      HASH: ir.notebook.contentHash.slice(0, 12),
      PACKAGES: pyList(packages(ir.requirements).kept),
      PARAMETERS: `{${ir.parameters.map(param).join(', ')}}`,
      METRICS: pyList(ir.metrics),
      STEPS: list(
        ordered.map((s, i) => `(${py(s.name)}, "${own[i].metrics}")`)
      ),
      PODS: text.pods,
      UNAPPLIED: text.unapplied,
      COMPONENTS: ordered.map(s => component(ir, s, names, shared)).join(''),
      OUTPUTS: names.outputs,
      FIELDS: list(own.map(o => `("${o.metrics}", Metrics)`)),
      KFP_NAME: py(names.kfpName),
      DESCRIPTION: py(`Exported by jupyterlab-mlops from ${ir.notebook.path}`),
      PIPELINE: names.pipeline,
      SIGNATURE: ir.parameters
        .map(p => `    ${p.name}: ${signature(p)},\n`)
        .join(''),
      BODY: text.body,
      RETURN: own
        .map(o => `${o.metrics}=${o.task}.outputs["mlops_metrics"]`)
        .join(', ')
    });
  }

  /** The export's README: how to run it, what KFP core cannot say. */
  export function readme(ir: PipelineIR, names: IKfpNames): string {
    const cell = (record: Record<string, string>) =>
      Object.entries(record)
        .map(([k, v]) => `\`${k}: ${v}\``.replace(/\|/g, '\\|'))
        .join(', ') || '-';
    const rows = ir.order.flatMap(name => {
      const step = ir.steps.find(s => s.name === name);
      const image = step?.image ? `\`${step.image}\`` : 'default';
      return step
        ? [
            `| \`${name}\` | \`${names.steps[name].kfpTask}\` | ${image} | ${cell(limits(step.limits).unapplied)} | ${cell(step.labels)} | ${cell(step.annotations)} | ${step.cache ? 'on' : 'off'} |\n`
          ]
        : [];
    });
    const left = packages(ir.requirements).left;
    return fill(KFP_README, {
      NAME: ir.name,
      NOTEBOOK: JSON.stringify(ir.notebook.path),
      KFP: KFP_VERSION,
      ROWS: rows.join(''),
      LEFT:
        left.length === 0
          ? ''
          : `\nRequirements not installed in the steps (not a plain \`name==version\`):\n\n${left.map(line => `- \`${line}\`\n`).join('')}`
    });
  }
}
