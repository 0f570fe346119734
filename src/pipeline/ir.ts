import { z } from 'zod';

import { parseParameters } from '../notebook/parameters';
import { IDataflow } from './dataflow';
import { IPipelineGraph } from './graph';

/**
 * The pipeline IR, `pipeline.json`: everything an export or the local
 * runner needs of a tagged notebook, in one validated document. Its JSON
 * Schema (generated from the zod schema here, `schema/pipeline.schema.json`
 * in the Python package) is what the Python runner validates with
 * `jsonschema`; a test keeps the two in step. DOM-free.
 */

/** The version of the IR this code writes and reads. */
export const PIPELINE_IR_VERSION = 1;

/** Step, parameter, metric and variable names: Python identifiers. */
const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a Python identifier');

/** A path relative to the notebook's folder, inside it. */
const relativePath = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\0\n\r]+$/, 'a relative path');

/** A tag's free text (an annotation, a label, an image): one line. */
const tagText = z
  .string()
  .max(1000)
  .regex(/^[^\0\n\r]*$/, 'one line');

const parameter = z
  .object({
    name: identifier,
    type: z.enum(['int', 'float', 'str', 'bool', 'none']),
    default: z.union([
      z.number(),
      z.string().max(10_000),
      z.boolean(),
      z.null()
    ])
  })
  .strict();

const step = z
  .object({
    name: identifier,
    /** The step's cells (indexes in the notebook). */
    cells: z.array(z.number().int().min(0)).min(1),
    /** Its code: its cells joined, as the notebook has them. */
    source: z.string().max(4 * 1024 * 1024),
    /** Variables it reads from other steps, by the step producing each. */
    inputs: z.record(identifier, identifier),
    /** Variables it hands on. */
    outputs: z.array(identifier),
    /** Pipeline parameters it reads. */
    parameters: z.array(identifier),
    /** Data files it declares (`data:PATH`). */
    data: z.array(relativePath),
    limits: z.record(z.string().regex(/^[_a-z./-]{1,253}$/), tagText),
    annotations: z.record(z.string().max(253), tagText),
    labels: z.record(z.string().max(253), tagText),
    image: tagText.nullable(),
    /** Whether the runner may replay it from its cache. */
    cache: z.boolean()
  })
  .strict();

/**
 * The zod schema of `pipeline.json`.
 */
export const pipelineSchema = z
  .object({
    schemaVersion: z.literal(PIPELINE_IR_VERSION),
    /** The pipeline's name (from the notebook's file name). */
    name: identifier,
    notebook: z
      .object({
        /** Its path relative to the Jupyter root. */
        path: z.string().min(1).max(4096),
        /** Its content hash (as snapshots record it): is an export stale? */
        contentHash: z.string().regex(/^[0-9a-f]{64}$/)
      })
      .strict(),
    parameters: z.array(parameter),
    metrics: z.array(identifier),
    /** The imports and functions cells: run at the start of every step. */
    shared: z.string().max(4 * 1024 * 1024),
    steps: z.array(step).min(1),
    edges: z.array(z.tuple([identifier, identifier])),
    /** The steps in an order that runs parents first. */
    order: z.array(identifier),
    /** Pinned `requirements.txt` every step installs ("" when unknown). */
    requirements: z.string().max(1024 * 1024)
  })
  .strict()
  .superRefine((ir, context) => {
    const names = new Set(ir.steps.map(s => s.name));
    if (names.size !== ir.steps.length) {
      context.addIssue({ code: 'custom', message: 'step names repeat' });
    }
    for (const [from, to] of ir.edges) {
      if (!names.has(from) || !names.has(to)) {
        context.addIssue({
          code: 'custom',
          message: `edge ${from} → ${to} names an unknown step`
        });
      }
    }
    if (
      ir.order.length !== names.size ||
      !ir.order.every(name => names.has(name))
    ) {
      context.addIssue({
        code: 'custom',
        message: 'order must list every step once'
      });
    }
  });

/**
 * A pipeline IR document.
 */
export type PipelineIR = z.infer<typeof pipelineSchema>;

/**
 * The IR of a notebook whose graph has no error, or the reasons it has
 * none (errors of the graph, no step, a cycle).
 */
export function buildPipelineIR(options: {
  /** The notebook's path relative to the Jupyter root. */
  path: string;
  contentHash: string;
  /** The cells' sources, by index. */
  sources: readonly string[];
  graph: IPipelineGraph;
  flow: IDataflow;
  /** Pinned requirements (the latest snapshot's, or the kernel's). */
  requirements?: string;
}): { ir: PipelineIR; errors: null } | { ir: null; errors: string[] } {
  const { graph, flow, sources } = options;
  const errors = [...graph.diagnostics, ...flow.diagnostics]
    .filter(diagnostic => diagnostic.severity === 'error')
    .map(diagnostic => `Cell ${diagnostic.cell + 1}: ${diagnostic.message}`);
  if (graph.steps.length === 0) {
    errors.push('No cell starts a step (tag one step:NAME).');
  }
  if (graph.order === null && errors.length === 0) {
    errors.push('The steps follow each other in a circle.');
  }
  if (errors.length > 0 || graph.order === null) {
    return { ir: null, errors };
  }
  const join = (cells: readonly number[]) =>
    cells.map(index => sources[index] ?? '').join('\n');
  const values = parseParameters(join(graph.roles.parameters)).values;
  const ir: PipelineIR = {
    schemaVersion: PIPELINE_IR_VERSION,
    name: pipelineName(options.path),
    notebook: { path: options.path, contentHash: options.contentHash },
    parameters: Object.entries(values).map(([name, value]) => ({
      name,
      type: Private.typeOf(value),
      default: value
    })),
    metrics: Private.metricNames(join(graph.roles.metrics)),
    shared: join([...graph.roles.imports, ...graph.roles.functions]),
    steps: graph.steps.map(s => {
      const own = flow.steps[s.name];
      return {
        name: s.name,
        cells: [...s.cells],
        source: join(s.cells),
        inputs: { ...own.inputs },
        outputs: [...own.outputs],
        parameters: [...own.parameters],
        data: [...s.data],
        limits: { ...s.limits },
        annotations: { ...s.annotations },
        labels: { ...s.labels },
        image: s.image ?? null,
        cache: s.cache ?? true
      };
    }),
    edges: graph.edges.map(([from, to]): [string, string] => [from, to]),
    order: [...graph.order],
    requirements: options.requirements ?? ''
  };
  // What we build must be what we would read back.
  return { ir: pipelineSchema.parse(ir), errors: null };
}

/**
 * A notebook's pipeline name: its file name as an identifier. The bridge
 * computes the same (`pipeline_name` in pipeline_paths.py) and looks for a
 * notebook's exports under `pipelines/<this name>/` only.
 */
export function pipelineName(path: string): string {
  const base = (path.split('/').pop() ?? 'pipeline').replace(/\.ipynb$/, '');
  const name = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=[0-9])/, '_');
  return (name === '' ? 'pipeline' : name).slice(0, 63);
}

namespace Private {
  /**
   * The pipeline's name: the notebook's file name as an identifier.
   */

  export function typeOf(
    value: number | string | boolean | null
  ): 'int' | 'float' | 'str' | 'bool' | 'none' {
    if (value === null) {
      return 'none';
    }
    if (typeof value === 'boolean') {
      return 'bool';
    }
    if (typeof value === 'string') {
      return 'str';
    }
    return Number.isInteger(value) ? 'int' : 'float';
  }

  /**
   * The metric names of the metrics cells, Kale's way: a bare name or
   * `print(name)` per line (other lines are not metric names).
   */
  export function metricNames(source: string): string[] {
    const names: string[] = [];
    for (const raw of source.split('\n')) {
      const match =
        /^\s*(?:print\(\s*)?([A-Za-z_][A-Za-z0-9_]{0,62})(?:\s*\))?\s*(?:#.*)?$/.exec(
          raw
        );
      if (match && !names.includes(match[1])) {
        names.push(match[1]);
      }
    }
    return names;
  }
}
