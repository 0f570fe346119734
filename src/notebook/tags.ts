import { normalizeDataPath } from './dataPaths';

/**
 * The cell tag vocabulary, read one cell at a time: Kale 2.3's tags
 * (`kale/processors/constants.py` of `kubeflow-kale` 2.3), Kale 1's
 * (`block:NAME`, a bare `block:`, `prev:a:b`), papermill's `parameters`
 * and `injected-parameters`, and ours (`metrics`, `data:PATH`). Bad tags are
 * diagnostics with the cell and the tag, never exceptions. DOM-free; the
 * steps are put together in `src/pipeline/graph.ts`.
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
 * What is wrong with a tag, a cell or the graph.
 */
export type DiagnosticCode =
  /** Not a tag of the vocabulary (left alone). */
  | 'E_TAG_UNKNOWN'
  /** A known tag in a wrong shape (`limit:cpu`, `cache:maybe`, too long). */
  | 'E_TAG_MALFORMED'
  /** A step name that is not a Python identifier. */
  | 'E_TAG_NAME'
  /** `prev`, `limit`, `annotation`, `label`, `image`, `cache` without `step`. */
  | 'E_TAG_NEEDS_STEP'
  /** Two step names in one cell (one step per cell). */
  | 'E_TAG_TWO_STEPS'
  /** A role tag and a step tag, or two roles, on one cell (the role wins). */
  | 'W_TAG_CONFLICT'
  /**
   * Step attributes on a role cell (`skip` with `prev:`, as Kale's editor
   * leaves a step turned into `skip`): ignored, as Kale ignores them.
   */
  | 'I_TAG_IGNORED'
  /** The same tag twice on one cell. */
  | 'W_TAG_DUPLICATE'
  /** A Kale 1 tag: read as Kale 1 meant it (Kale 2.3 refuses it). */
  | 'I_TAG_KALE1'
  /** `prev:` names a step no cell defines. */
  | 'E_PREV_UNKNOWN'
  /** A step lists itself in `prev:`. */
  | 'E_PREV_SELF'
  /** The `prev:` edges make a cycle. */
  | 'E_CYCLE'
  /** A step after the metrics cell (Kale wants metrics last). */
  | 'W_METRICS_NOT_LAST'
  /** Code cells before any tag: in no step. */
  | 'W_CELL_UNASSIGNED'
  /** A step uses a name another step defines, without `prev:` to it. */
  | 'W_MISSING_PREV';

/**
 * One problem, where it is: the cell (its index among all cells) and the
 * tag, when there is one.
 */
export interface IDiagnostic {
  code: DiagnosticCode;
  severity: 'error' | 'warning' | 'info';
  /** The cell's index in the notebook (all cell types counted). */
  cell: number;
  tag?: string;
  message: string;
}

/**
 * One cell's tags, read.
 */
export interface ICellTags {
  role: CellRole;
  /** The step of `step:NAME` (or Kale 1's `block:NAME`). */
  step?: string;
  /** Parent steps (`prev:NAME`; Kale 1's `prev:a:b` names two). */
  prev: string[];
  /** `limit:RESOURCE:N`, by resource. */
  limits: Record<string, string>;
  /** `annotation:KEY:VALUE`, by key. */
  annotations: Record<string, string>;
  /** `label:KEY:VALUE`, by key. */
  labels: Record<string, string>;
  /** `image:IMG`. */
  image?: string;
  /** `cache:enabled|disabled`. */
  cache?: boolean;
  /** `data:PATH` paths, normalized, relative to the notebook's folder. */
  data: string[];
  /** papermill's `injected-parameters` (its values win). */
  injected: boolean;
  /** Problems with this cell's tags (the cell index filled in). */
  diagnostics: IDiagnostic[];
}

/**
 * A cell as far as the tags are concerned.
 */
export interface ITaggedCell {
  cellType: string;
  tags: readonly string[];
}

/** Longest tag read; a longer one is malformed (no regex runs on it). */
export const MAX_TAG_LENGTH = 1000;

/** A step name: a Python identifier (ASCII), at most 63 characters. */
const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Whether `name` can name a step (a Python identifier, ≤ 63 chars). */
export function isStepName(name: string): boolean {
  return STEP_NAME.test(name);
}

// A Map, not an object: a tag named `constructor` is not a role.
const ROLE_TAGS: ReadonlyMap<string, TagRole> = new Map([
  ['imports', 'imports'],
  ['functions', 'functions'],
  ['parameters', 'parameters'],
  ['pipeline-parameters', 'parameters'],
  ['injected-parameters', 'parameters'],
  ['metrics', 'metrics'],
  ['pipeline-metrics', 'metrics'],
  ['skip', 'skip']
]);

// Kale 2.3's shapes (constants.py): a Kubernetes annotation or label key,
// a limit's resource and amount.
const K8S_SEGMENT = '[a-zA-Z0-9]+(?:[a-zA-Z0-9_.-]*[a-zA-Z0-9])?';
const K8S_KEY = new RegExp(`^${K8S_SEGMENT}(?:/${K8S_SEGMENT})?$`);
const LIMIT_RESOURCE = /^[_a-z./-]+$/;
const LIMIT_AMOUNT = /^[_a-zA-Z0-9.]+$/;

/**
 * Whether a cell's tags include one that gives it `role` (for example
 * `parameters` or Kale's `pipeline-parameters`), whatever other tags say.
 */
export function hasRoleTag(tags: readonly string[], role: TagRole): boolean {
  return tags.some(tag => ROLE_TAGS.get(tag.trim()) === role);
}

/**
 * Read one cell's tags (`cell`: its index, for the diagnostics). Kale's
 * rules: the first role tag decides a cell's role (`skip`, `imports`, …;
 * a step tag beside it is a conflict), one step per cell, and step
 * attributes need a step.
 */
export function parseCellTags(tags: readonly string[], cell = 0): ICellTags {
  const result: ICellTags = {
    role: 'untagged',
    prev: [],
    limits: {},
    annotations: {},
    labels: {},
    data: [],
    injected: false,
    diagnostics: []
  };
  const report = (
    code: DiagnosticCode,
    tag: string | undefined,
    message: string
  ) => result.diagnostics.push(diagnostic(code, cell, message, tag));
  const seen = new Set<string>();
  const attributes: string[] = [];
  let role: TagRole | null = null;
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag === '') {
      continue;
    }
    if (tag.length > MAX_TAG_LENGTH) {
      report(
        'E_TAG_MALFORMED',
        `${tag.slice(0, 40)}…`,
        `A tag of ${tag.length} characters (at most ${MAX_TAG_LENGTH}).`
      );
      continue;
    }
    if (seen.has(tag)) {
      report('W_TAG_DUPLICATE', tag, `"${tag}" is on this cell twice.`);
      continue;
    }
    seen.add(tag);
    const tagRole = ROLE_TAGS.get(tag);
    if (tagRole) {
      if (role === null) {
        role = tagRole;
        result.injected = tag === 'injected-parameters';
      } else if (role !== tagRole) {
        report(
          'W_TAG_CONFLICT',
          tag,
          `"${tag}" on a cell that is already "${role}": the first role tag counts.`
        );
      }
      continue;
    }
    const colon = tag.indexOf(':');
    const prefix = colon > 0 ? tag.slice(0, colon) : tag;
    const rest = colon > 0 ? tag.slice(colon + 1) : '';
    switch (prefix) {
      case 'step':
      case 'block': {
        if (prefix === 'block') {
          report(
            'I_TAG_KALE1',
            tag,
            `"${tag}" is Kale 1's spelling of "step:${rest}" (Kale 2.3 refuses it).`
          );
        }
        if (rest === '') {
          // Kale 1 wrote a bare `block:` for a cell of no step: untagged.
          if (prefix === 'step') {
            report(
              'E_TAG_NAME',
              tag,
              `"${tag}" names no step; the cell joins the one above.`
            );
          }
        } else if (!STEP_NAME.test(rest)) {
          report(
            'E_TAG_NAME',
            tag,
            `"${rest}" is not a step name: a letter or _, then letters, digits or _ (a Python identifier).`
          );
        } else if (result.step !== undefined && result.step !== rest) {
          report(
            'E_TAG_TWO_STEPS',
            tag,
            `One cell names two steps, "${result.step}" and "${rest}": one step per cell.`
          );
        } else {
          result.step = rest;
        }
        break;
      }
      case 'prev': {
        attributes.push(tag);
        const names = rest.split(':');
        if (names.length > 1) {
          report(
            'I_TAG_KALE1',
            tag,
            `"${tag}" is Kale 1's way of naming ${names.length} parents in one tag (Kale 2.3 refuses it).`
          );
        }
        for (const name of names) {
          if (!STEP_NAME.test(name)) {
            report(
              'E_TAG_NAME',
              tag,
              `"${name}" is not a step name: a letter or _, then letters, digits or _ (a Python identifier).`
            );
          } else if (!result.prev.includes(name)) {
            result.prev.push(name);
          }
        }
        break;
      }
      case 'limit': {
        attributes.push(tag);
        const parts = rest.split(':');
        if (
          parts.length !== 2 ||
          !LIMIT_RESOURCE.test(parts[0]) ||
          !LIMIT_AMOUNT.test(parts[1])
        ) {
          report(
            'E_TAG_MALFORMED',
            tag,
            `"${tag}" is not limit:RESOURCE:AMOUNT (for example limit:nvidia.com/gpu:1 or limit:memory:4Gi).`
          );
        } else {
          result.limits[parts[0]] = parts[1];
        }
        break;
      }
      case 'annotation':
      case 'label': {
        attributes.push(tag);
        const split = rest.indexOf(':');
        const key = split > 0 ? rest.slice(0, split) : '';
        if (!K8S_KEY.test(key)) {
          report(
            'E_TAG_MALFORMED',
            tag,
            `"${tag}" is not ${prefix}:KEY:VALUE with a Kubernetes key (for example ${prefix}:team:vision).`
          );
        } else {
          const target =
            prefix === 'annotation' ? result.annotations : result.labels;
          target[key] = rest.slice(split + 1);
        }
        break;
      }
      case 'image': {
        attributes.push(tag);
        if (rest === '') {
          report('E_TAG_MALFORMED', tag, `"${tag}" names no image.`);
        } else {
          result.image = rest;
        }
        break;
      }
      case 'cache': {
        attributes.push(tag);
        if (rest !== 'enabled' && rest !== 'disabled') {
          report(
            'E_TAG_MALFORMED',
            tag,
            `"${tag}" is not cache:enabled or cache:disabled.`
          );
        } else {
          result.cache = rest === 'enabled';
        }
        break;
      }
      case 'data': {
        const path = normalizeDataPath(rest);
        if (path === null) {
          report(
            'E_TAG_MALFORMED',
            tag,
            `"${tag}" is not a data path inside the notebook's folder.`
          );
        } else if (!result.data.includes(path)) {
          result.data.push(path);
        }
        break;
      }
      default:
        report(
          'E_TAG_UNKNOWN',
          tag,
          `"${tag}" is not a pipeline tag (left as it is).`
        );
    }
  }
  if (role !== null && result.step !== undefined) {
    report(
      'W_TAG_CONFLICT',
      `step:${result.step}`,
      `A "${role}" cell cannot also be step "${result.step}": the role counts.`
    );
    result.step = undefined;
  }
  result.role = role ?? (result.step !== undefined ? 'step' : 'untagged');
  if (result.role !== 'step') {
    for (const tag of attributes) {
      if (role === null) {
        report(
          'E_TAG_NEEDS_STEP',
          tag,
          `"${tag}" describes a step, but this cell has no step: tag.`
        );
      } else {
        report(
          'I_TAG_IGNORED',
          tag,
          `"${tag}" is ignored on a "${role}" cell (as Kale ignores it).`
        );
      }
    }
    result.prev = [];
    result.limits = {};
    result.annotations = {};
    result.labels = {};
    delete result.image;
    delete result.cache;
  }
  return result;
}

/**
 * A diagnostic of `code` at `cell` (its severity from the code's first
 * letter: `E_` errors, `W_` warnings, `I_` notes).
 */
export function diagnostic(
  code: DiagnosticCode,
  cell: number,
  message: string,
  tag?: string
): IDiagnostic {
  return {
    code,
    severity: code.startsWith('E_')
      ? 'error'
      : code.startsWith('W_')
        ? 'warning'
        : 'info',
    cell,
    ...(tag !== undefined && { tag }),
    message
  };
}
