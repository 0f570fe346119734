import { diagnostic, IDiagnostic } from '../notebook/tags';
import { IPipelineGraph } from './graph';
import { analyzeNames } from './names';

/**
 * What flows between the steps of a pipeline: for each step the
 * variables it needs from others and those it hands on, the variables on
 * each edge, and the `prev:` edges the code needs that the tags do not
 * say (a warning with its fix: which tag to add to which cell). DOM-free.
 *
 * The imports and functions blocks run again at the start of every step,
 * so their names are never passed; the parameters block gives the
 * pipeline's parameters, passed to every step that reads them. A variable
 * several steps define (Kale #399: overlapping names) comes from the step
 * that defines it last before the reader in notebook order, as running the
 * notebook top to bottom would give it; Kale takes it from every ancestor
 * that defines it.
 */

/**
 * The variables of one step.
 */
export interface IStepFlow {
  /** Variables read from other steps, by the step that produces each. */
  inputs: Record<string, string>;
  /** Variables other steps read from this one. */
  outputs: string[];
  /** Pipeline parameters the step reads. */
  parameters: string[];
  /** Names read that no step, block or builtin gives (maybe a typo). */
  unresolved: string[];
}

/**
 * A `prev:` edge the code needs: add `tag` to cell `cell`.
 */
export interface IMissingEdge {
  /** The step that reads the variables. */
  step: string;
  /** The step that defines them. */
  parent: string;
  variables: string[];
  /** Where the fix goes: the step's first cell. */
  cell: number;
  tag: string;
}

/**
 * The data flow of a pipeline.
 */
export interface IDataflow {
  steps: Record<string, IStepFlow>;
  /** `[parent, child, variables]` for every edge that passes variables. */
  edges: [string, string, string[]][];
  /** Names the parameters block defines. */
  parameters: string[];
  /** Names the imports and functions blocks define (run in every step). */
  shared: string[];
  missing: IMissingEdge[];
  diagnostics: IDiagnostic[];
}

/**
 * The data flow of `graph` over the cells' sources (all cells, by index).
 */
export function analyzeDataflow(
  graph: IPipelineGraph,
  sources: readonly string[]
): IDataflow {
  const sourceOf = (cells: readonly number[]) =>
    cells.map(index => sources[index] ?? '').join('\n');
  const shared = new Set(
    analyzeNames(sourceOf([...graph.roles.imports, ...graph.roles.functions]))
      .defines
  );
  const parameters = new Set(
    analyzeNames(sourceOf(graph.roles.parameters)).defines
  );
  const names = new Map(
    graph.steps.map(step => [step.name, analyzeNames(sourceOf(step.cells))])
  );
  // Ancestors through the declared edges.
  const parents = new Map<string, string[]>(
    graph.steps.map(step => [step.name, []])
  );
  for (const [from, to] of graph.edges) {
    parents.get(to)?.push(from);
  }
  const ancestors = (name: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(parents.get(name) ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(...(parents.get(next) ?? []));
      }
    }
    return seen;
  };

  const flow: IDataflow = {
    steps: {},
    edges: [],
    parameters: [...parameters],
    shared: [...shared],
    missing: [],
    diagnostics: []
  };
  for (const step of graph.steps) {
    flow.steps[step.name] = {
      inputs: {},
      outputs: [],
      parameters: [],
      unresolved: []
    };
  }
  const edgeVariables = new Map<string, string[]>();
  const missing = new Map<string, IMissingEdge>();
  graph.steps.forEach((step, position) => {
    const own = flow.steps[step.name];
    const above = ancestors(step.name);
    // Steps before this one in notebook order, nearest first.
    const before = graph.steps.slice(0, position).reverse();
    for (const name of names.get(step.name)?.uses ?? []) {
      if (shared.has(name)) {
        continue;
      }
      if (parameters.has(name)) {
        own.parameters.push(name);
        continue;
      }
      const definers = graph.steps.filter(
        other =>
          other.name !== step.name &&
          names.get(other.name)?.defines.includes(name)
      );
      if (definers.length === 0) {
        own.unresolved.push(name);
        continue;
      }
      const producer =
        before.find(
          other => above.has(other.name) && definers.includes(other)
        ) ??
        before.find(other => definers.includes(other)) ??
        definers.find(other => above.has(other.name));
      if (!producer) {
        // Only defined further down, by no ancestor: running the notebook
        // top to bottom would fail here too.
        own.unresolved.push(name);
        continue;
      }
      own.inputs[name] = producer.name;
      const outputs = flow.steps[producer.name].outputs;
      if (!outputs.includes(name)) {
        outputs.push(name);
      }
      const key = `${producer.name}\n${step.name}`;
      edgeVariables.set(key, [...(edgeVariables.get(key) ?? []), name]);
      if (!above.has(producer.name)) {
        const gap = missing.get(key) ?? {
          step: step.name,
          parent: producer.name,
          variables: [],
          cell: step.cells[0],
          tag: `prev:${producer.name}`
        };
        gap.variables.push(name);
        missing.set(key, gap);
      }
    }
  });
  for (const [key, variables] of edgeVariables) {
    const [from, to] = key.split('\n');
    flow.edges.push([from, to, variables]);
  }
  flow.missing = [...missing.values()];
  for (const gap of flow.missing) {
    flow.diagnostics.push(
      diagnostic(
        'W_MISSING_PREV',
        gap.cell,
        `Step "${gap.step}" reads ${gap.variables
          .map(name => `"${name}"`)
          .join(
            ', '
          )} from step "${gap.parent}" without "prev:${gap.parent}": add the tag so "${gap.parent}" runs first.`,
        gap.tag
      )
    );
  }
  return flow;
}
