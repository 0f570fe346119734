/**
 * The Kale-compatible cell tag vocabulary and a pure summary of the steps a
 * notebook's tags define. DOM-free; the Pipeline panel renders the result.
 */

/**
 * What a code cell is, by its tags.
 */
export type CellRole =
  | 'imports'
  | 'functions'
  | 'parameters'
  | 'metrics'
  | 'step'
  | 'skip'
  | 'untagged';

/**
 * The roles a single tag gives (`step` comes from `step:NAME`).
 */
export type TagRole = Exclude<CellRole, 'step' | 'untagged'>;

/**
 * The role of one cell and the step edges its tags declare.
 */
export interface ICellTags {
  role: CellRole;
  /** The step name for `step:NAME` / `block:NAME`. */
  step?: string;
  /** Names from `prev:NAME` tags. */
  prev: string[];
  /** Tags outside the vocabulary (left alone, reported). */
  unknown: string[];
  /** Problems with the tags themselves (bad names, conflicting roles). */
  problems: string[];
}

/**
 * One step of the pipeline as the tags define it.
 */
export interface IStepSummary {
  name: string;
  prev: string[];
  /** Indexes of the code cells that form the step. */
  cells: number[];
}

/**
 * The pipeline a notebook's tags define.
 */
export interface IPipelineSummary {
  steps: IStepSummary[];
  /** Cell indexes by role (imports, functions, parameters, metrics, skip). */
  roles: Record<TagRole, number[]>;
  /** Human-readable problems: unknown `prev:` targets, bad names, … */
  problems: string[];
}

/**
 * A cell as far as the tags are concerned.
 */
export interface ITaggedCell {
  cellType: string;
  tags: readonly string[];
}

const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

// A Map, not an object: a tag named `constructor` is not a role.
const ROLE_TAGS: ReadonlyMap<string, TagRole> = new Map([
  ['imports', 'imports'],
  ['functions', 'functions'],
  ['parameters', 'parameters'],
  ['pipeline-parameters', 'parameters'],
  ['metrics', 'metrics'],
  ['pipeline-metrics', 'metrics'],
  ['skip', 'skip']
]);

/**
 * Whether a cell's tags include one that gives it `role` (for example
 * `parameters` or Kale's `pipeline-parameters`), whatever other tags say.
 */
export function hasRoleTag(tags: readonly string[], role: TagRole): boolean {
  return tags.some(tag => ROLE_TAGS.get(tag.trim()) === role);
}

/**
 * Classify one cell's tags.
 */
export function parseCellTags(tags: readonly string[]): ICellTags {
  const result: ICellTags = {
    role: 'untagged',
    prev: [],
    unknown: [],
    problems: []
  };
  const roles = new Set<CellRole>();
  for (const raw of tags) {
    const tag = raw.trim();
    const role = ROLE_TAGS.get(tag);
    const colon = tag.indexOf(':');
    const prefix = colon > 0 ? tag.slice(0, colon) : '';
    const name = colon > 0 ? tag.slice(colon + 1) : '';
    if (role) {
      roles.add(role);
    } else if (prefix === 'step' || prefix === 'block' || prefix === 'prev') {
      if (!STEP_NAME.test(name)) {
        result.problems.push(
          `"${tag}": a step name starts with a letter or _ and has only letters, digits, _ and -.`
        );
      } else if (prefix === 'prev') {
        if (!result.prev.includes(name)) {
          result.prev.push(name);
        }
      } else if (result.step !== undefined && result.step !== name) {
        result.problems.push(
          `One cell names two steps: "${result.step}" and "${name}".`
        );
      } else {
        result.step = name;
        roles.add('step');
      }
    } else {
      result.unknown.push(tag);
    }
  }
  if (roles.size > 1) {
    result.problems.push(
      `Conflicting tags: ${[...roles].sort().join(', ')}; the first of skip, step, parameters, metrics, imports, functions wins.`
    );
  }
  const order: CellRole[] = [
    'skip',
    'step',
    'parameters',
    'metrics',
    'imports',
    'functions'
  ];
  result.role = order.find(role => roles.has(role)) ?? 'untagged';
  if (result.prev.length > 0 && result.role !== 'step') {
    result.problems.push(`prev: tags only count on a cell that starts a step.`);
  }
  return result;
}

/**
 * Summarize the steps of a notebook: an untagged code cell takes the role of
 * the code cell above it (Kale's rule); markdown and raw cells are ignored.
 */
export function summarizePipeline(
  cells: readonly ITaggedCell[]
): IPipelineSummary {
  const summary: IPipelineSummary = {
    steps: [],
    roles: {
      imports: [],
      functions: [],
      parameters: [],
      metrics: [],
      skip: []
    },
    problems: []
  };
  const byName = new Map<string, IStepSummary>();
  let current: IStepSummary | null = null;
  let lastRole: TagRole | null = null;
  cells.forEach((cell, index) => {
    if (cell.cellType !== 'code') {
      return;
    }
    const tags = parseCellTags(cell.tags);
    summary.problems.push(...tags.problems.map(p => `Cell ${index + 1}: ${p}`));
    if (tags.role === 'step' && tags.step !== undefined) {
      let step = byName.get(tags.step);
      if (!step) {
        step = { name: tags.step, prev: [], cells: [] };
        byName.set(step.name, step);
        summary.steps.push(step);
      }
      for (const name of tags.prev) {
        if (!step.prev.includes(name)) {
          step.prev.push(name);
        }
      }
      step.cells.push(index);
      current = step;
      lastRole = null;
    } else if (tags.role === 'untagged') {
      // Kale's rule: an untagged cell takes the tags of the cell above it.
      if (current) {
        current.cells.push(index);
      } else if (lastRole) {
        summary.roles[lastRole].push(index);
      }
    } else if (tags.role !== 'step') {
      summary.roles[tags.role].push(index);
      current = null;
      lastRole = tags.role;
    }
  });
  for (const step of summary.steps) {
    for (const name of step.prev) {
      if (!byName.has(name)) {
        summary.problems.push(
          `Step "${step.name}" follows "${name}", which no cell defines.`
        );
      } else if (name === step.name) {
        summary.problems.push(`Step "${step.name}" lists itself in prev:.`);
      }
    }
  }
  return summary;
}
