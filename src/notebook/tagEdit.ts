import { isStepName } from './tags';

/**
 * The cell-tag editor's model: what a cell is in the pipeline (its role,
 * its step and that step's parents), read from its tags and written back
 * into them, every other tag kept as it was. Pure.
 */

/** The roles the editor offers, as the tags that give them. */
export const EDITABLE_ROLES = [
  'none',
  'step',
  'imports',
  'functions',
  'pipeline-parameters',
  'pipeline-metrics',
  'skip'
] as const;
export type EditableRole = (typeof EDITABLE_ROLES)[number];

/** A cell's pipeline tags as the editor shows them. */
export interface ICellPipelineTags {
  role: EditableRole;
  /** The step it starts or continues (role `step`). */
  step: string;
  /** The step's parents named in this cell. */
  prev: string[];
}

const ROLE_OF_TAG: ReadonlyMap<string, EditableRole> = new Map([
  ['imports', 'imports'],
  ['functions', 'functions'],
  ['pipeline-parameters', 'pipeline-parameters'],
  ['parameters', 'pipeline-parameters'],
  ['pipeline-metrics', 'pipeline-metrics'],
  ['metrics', 'pipeline-metrics'],
  ['skip', 'skip']
]);

/** Whether a tag is one the editor owns (it rewrites these). */
function owned(tag: string): boolean {
  const trimmed = tag.trim();
  return (
    ROLE_OF_TAG.has(trimmed) ||
    /^(step|block|prev):/.test(trimmed) ||
    trimmed === 'step' ||
    trimmed === 'block'
  );
}

/**
 * Read a cell's tags: the first role tag wins, `block:` reads as `step:`,
 * `prev:a:b` as two parents.
 */
export function readPipelineTags(tags: readonly string[]): ICellPipelineTags {
  let role: EditableRole = 'none';
  let step = '';
  const prev: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim();
    const match = /^(step|block|prev):(.*)$/.exec(tag);
    if (match && match[1] !== 'prev') {
      if (role === 'none' && match[2] !== '') {
        role = 'step';
        step = match[2];
      }
    } else if (match) {
      for (const name of match[2].split(':')) {
        if (name !== '' && !prev.includes(name)) {
          prev.push(name);
        }
      }
    } else if (role === 'none' && ROLE_OF_TAG.has(tag)) {
      role = ROLE_OF_TAG.get(tag) as EditableRole;
    }
  }
  return { role, step, prev: role === 'step' ? prev : [] };
}

/**
 * A cell's tags with its pipeline tags replaced by `edit`; tags the editor
 * does not own (`limit:`, `data:`, a user's own) stay, in their order,
 * after the pipeline tags. Papermill's `parameters` is kept as spelled
 * when the role stays parameters (papermill reads it).
 */
export function writePipelineTags(
  tags: readonly string[],
  edit: ICellPipelineTags
): string[] {
  const kept = tags.filter(tag => !owned(tag));
  const wrote: string[] = [];
  if (edit.role === 'step') {
    wrote.push(`step:${edit.step}`);
    for (const parent of edit.prev) {
      if (parent !== edit.step && !wrote.includes(`prev:${parent}`)) {
        wrote.push(`prev:${parent}`);
      }
    }
  } else if (
    edit.role === 'pipeline-parameters' &&
    tags.includes('parameters')
  ) {
    wrote.push('parameters');
  } else if (edit.role !== 'none') {
    wrote.push(edit.role);
  }
  return [...wrote, ...kept];
}

/** What the editor says of a step name as it is typed. */
export type StepNameCheck =
  { ok: true; isNew: boolean } | { ok: false; error: string };

/**
 * Check a step name: an identifier, not the name of a parent, and whether
 * it joins an existing step (same name elsewhere: Kale merges them).
 */
export function checkStepName(
  name: string,
  existing: readonly string[]
): StepNameCheck {
  if (name === '') {
    return { ok: false, error: 'A step needs a name.' };
  }
  if (!isStepName(name)) {
    return {
      ok: false,
      error:
        'A letter or _, then letters, digits or _ (a Python identifier, at most 63 characters).'
    };
  }
  return { ok: true, isNew: !existing.includes(name) };
}
