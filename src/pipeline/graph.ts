import {
  diagnostic,
  DiagnosticCode,
  IDiagnostic,
  ITaggedCell,
  parseCellTags,
  TagRole
} from '../notebook/tags';

/**
 * The pipeline a notebook's tags define, by Kale's cell rules
 * (`NotebookProcessor.parse_notebook` in kubeflow-kale 2.3):
 *
 * - an untagged code cell joins the step (or the imports, functions,
 *   parameters or metrics block) above it; `skip` cells are left out and
 *   do not change what "above" is;
 * - the same `step:` name on cells apart merges them into one step;
 * - one step per cell; `prev`, `limit`, `annotation`, `label`, `image`
 *   and `cache` need a `step` tag on the same cell.
 *
 * Where Kale raises (an unknown parent, a parent defined further down,
 * metrics before a step), this reads on and reports a diagnostic: a
 * parent may be defined anywhere, and only a cycle makes the graph
 * unrunnable. Kale keeps only the `prev:` tags of a step's first cell; the
 * parents of every cell of the step count here. DOM-free.
 */

/**
 * One step: its cells in notebook order and what its tags say of it.
 */
export interface IStep {
  name: string;
  /** Indexes of its code cells in the notebook. */
  cells: number[];
  /** Parent steps (`prev:`), in the order first named. */
  prev: string[];
  limits: Record<string, string>;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  image?: string;
  cache?: boolean;
  /** `data:PATH` inputs declared on its cells. */
  data: string[];
}

/**
 * The pipeline graph of a notebook.
 */
export interface IPipelineGraph {
  /** Steps in the order their first cell comes. */
  steps: IStep[];
  /** `[parent, child]` for each `prev:` edge to a defined step. */
  edges: [string, string][];
  /** Cell indexes of the blocks every step shares or the pipeline reads. */
  roles: Record<TagRole, number[]>;
  /** papermill's `injected-parameters` cells (their values win). */
  injected: number[];
  /** Code cells before any tag: in no step. */
  unassigned: number[];
  /** Step names in an order that runs parents first; null with a cycle. */
  order: string[] | null;
  diagnostics: IDiagnostic[];
}

/**
 * Build the graph of a notebook's cells (all types, in order).
 */
export function buildPipelineGraph(
  cells: readonly ITaggedCell[]
): IPipelineGraph {
  const graph: IPipelineGraph = {
    steps: [],
    edges: [],
    roles: {
      imports: [],
      functions: [],
      parameters: [],
      metrics: [],
      skip: []
    },
    injected: [],
    unassigned: [],
    order: null,
    diagnostics: []
  };
  const report = (
    code: DiagnosticCode,
    cell: number,
    message: string,
    tag?: string
  ) => graph.diagnostics.push(diagnostic(code, cell, message, tag));
  // A Map: a step named `constructor` is a step like any other.
  const byName = new Map<string, IStep>();
  // Where an untagged cell goes: a step, or a block.
  let above: IStep | TagRole | null = null;
  let metricsCell: number | null = null;
  const prevCell = new Map<string, number>();

  cells.forEach((cell, index) => {
    if (cell.cellType !== 'code') {
      return;
    }
    const tags = parseCellTags(cell.tags, index);
    graph.diagnostics.push(...tags.diagnostics);
    if (tags.role === 'skip') {
      graph.roles.skip.push(index);
      return;
    }
    if (tags.role === 'untagged') {
      if (above === null) {
        graph.unassigned.push(index);
      } else if (typeof above === 'string') {
        graph.roles[above].push(index);
      } else {
        above.cells.push(index);
      }
      return;
    }
    if (tags.role !== 'step') {
      graph.roles[tags.role].push(index);
      if (tags.injected) {
        graph.injected.push(index);
      }
      if (tags.role === 'metrics' && metricsCell === null) {
        metricsCell = index;
      }
      above = tags.role;
      return;
    }
    const name = tags.step;
    if (name === undefined) {
      return;
    }
    if (metricsCell !== null) {
      report(
        'W_METRICS_NOT_LAST',
        index,
        `Step "${name}" comes after the metrics cell (cell ${metricsCell + 1}): metrics are the pipeline's result, so Kale wants that cell last.`
      );
    }
    let step = byName.get(name);
    if (!step) {
      step = {
        name,
        cells: [],
        prev: [],
        limits: {},
        annotations: {},
        labels: {},
        data: []
      };
      byName.set(step.name, step);
      graph.steps.push(step);
    }
    step.cells.push(index);
    for (const name of tags.prev) {
      if (!step.prev.includes(name)) {
        step.prev.push(name);
        prevCell.set(`${step.name}\n${name}`, index);
      }
    }
    Object.assign(step.limits, tags.limits);
    Object.assign(step.annotations, tags.annotations);
    Object.assign(step.labels, tags.labels);
    if (tags.image !== undefined) {
      step.image = tags.image;
    }
    if (tags.cache !== undefined) {
      step.cache = tags.cache;
    }
    for (const path of tags.data) {
      if (!step.data.includes(path)) {
        step.data.push(path);
      }
    }
    above = step;
  });

  if (graph.unassigned.length > 0 && byName.size > 0) {
    report(
      'W_CELL_UNASSIGNED',
      graph.unassigned[0],
      `${graph.unassigned.length} code cell(s) before the first tag belong to no step and are left out of the pipeline.`
    );
  }
  for (const step of graph.steps) {
    for (const name of step.prev) {
      const cell = prevCell.get(`${step.name}\n${name}`) ?? step.cells[0];
      if (name === step.name) {
        report(
          'E_PREV_SELF',
          cell,
          `Step "${step.name}" lists itself as its parent.`,
          `prev:${name}`
        );
      } else if (!byName.has(name)) {
        report(
          'E_PREV_UNKNOWN',
          cell,
          `Step "${step.name}" follows "${name}", which no cell defines.`,
          `prev:${name}`
        );
      } else {
        graph.edges.push([name, step.name]);
      }
    }
  }
  const sorted = topologicalOrder(
    graph.steps.map(step => step.name),
    graph.edges
  );
  if (sorted.cycle) {
    const first = byName.get(sorted.cycle[0]);
    report(
      'E_CYCLE',
      first?.cells[0] ?? 0,
      `The steps ${sorted.cycle.map(name => `"${name}"`).join(' → ')} → "${sorted.cycle[0]}" follow each other in a circle: no step of it can run first.`
    );
  } else {
    graph.order = sorted.order;
  }
  return graph;
}

/**
 * The names in an order where every edge's parent comes before its child,
 * ties in the given order (Kahn's algorithm); or one cycle, when there is
 * one.
 */
export function topologicalOrder(
  names: readonly string[],
  edges: readonly (readonly [string, string])[]
): { order: string[]; cycle: null } | { order: null; cycle: string[] } {
  const children = new Map<string, string[]>(names.map(name => [name, []]));
  const parents = new Map<string, number>(names.map(name => [name, 0]));
  for (const [from, to] of edges) {
    if (!children.has(from) || !children.has(to)) {
      continue;
    }
    children.get(from)?.push(to);
    parents.set(to, (parents.get(to) ?? 0) + 1);
  }
  const rank = new Map(names.map((name, i) => [name, i]));
  const ready = names.filter(name => parents.get(name) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
    const name = ready.shift() as string;
    order.push(name);
    for (const child of children.get(name) ?? []) {
      const left = (parents.get(child) ?? 0) - 1;
      parents.set(child, left);
      if (left === 0) {
        ready.push(child);
      }
    }
  }
  if (order.length === names.length) {
    return { order, cycle: null };
  }
  return { order: null, cycle: Private.findCycle(names, edges, order) };
}

namespace Private {
  /**
   * One cycle among the names not ordered. Every one of them has a parent
   * not ordered either (else it would have been), so walking up parents
   * must come back to a name already seen. The cycle reads parent first,
   * from its name that comes first in `names`.
   */
  export function findCycle(
    names: readonly string[],
    edges: readonly (readonly [string, string])[],
    ordered: readonly string[]
  ): string[] {
    const done = new Set(ordered);
    const parentOf = new Map<string, string>();
    for (const [from, to] of edges) {
      if (!done.has(from) && !done.has(to) && !parentOf.has(to)) {
        parentOf.set(to, from);
      }
    }
    const path: string[] = [];
    const at = new Map<string, number>();
    let name = names.find(candidate => !done.has(candidate)) as string;
    while (!at.has(name)) {
      at.set(name, path.length);
      path.push(name);
      name = parentOf.get(name) as string;
    }
    const cycle = path.slice(at.get(name)).reverse();
    // Told from the name that comes first in the notebook.
    const first = cycle.indexOf(
      names.find(candidate => cycle.includes(candidate)) as string
    );
    return [...cycle.slice(first), ...cycle.slice(0, first)];
  }
}
