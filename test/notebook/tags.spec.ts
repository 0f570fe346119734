import { describe, expect, it } from 'vitest';

import {
  hasRoleTag,
  MAX_TAG_LENGTH,
  parseCellTags
} from '../../src/notebook/tags';

const codes = (tags: string[]) =>
  parseCellTags(tags, 4).diagnostics.map(d => [d.code, d.tag]);

describe('parseCellTags()', () => {
  it('should read the roles of Kale, papermill and ours', () => {
    expect(parseCellTags(['imports']).role).toBe('imports');
    expect(parseCellTags(['functions']).role).toBe('functions');
    expect(parseCellTags(['parameters']).role).toBe('parameters');
    expect(parseCellTags(['pipeline-parameters']).role).toBe('parameters');
    expect(parseCellTags(['pipeline-metrics']).role).toBe('metrics');
    expect(parseCellTags(['metrics']).role).toBe('metrics');
    expect(parseCellTags(['skip']).role).toBe('skip');
    expect(parseCellTags([]).role).toBe('untagged');
    const injected = parseCellTags(['injected-parameters']);
    expect(injected.role).toBe('parameters');
    expect(injected.injected).toBe(true);
  });

  it('should read a step and everything Kale 2.3 says of it', () => {
    const tags = parseCellTags([
      'step:train',
      'prev:load',
      'prev:clean',
      'limit:nvidia.com/gpu:1',
      'limit:memory:4Gi',
      'annotation:team.example.com/owner:vision team',
      'label:tier:gold',
      'image:python:3.11-slim',
      'cache:disabled',
      'data:data/wine.csv'
    ]);
    expect(tags).toMatchObject({
      role: 'step',
      step: 'train',
      prev: ['load', 'clean'],
      limits: { 'nvidia.com/gpu': '1', memory: '4Gi' },
      annotations: { 'team.example.com/owner': 'vision team' },
      labels: { tier: 'gold' },
      image: 'python:3.11-slim',
      cache: false,
      data: ['data/wine.csv'],
      diagnostics: []
    });
    expect(parseCellTags(['step:a', 'cache:enabled']).cache).toBe(true);
  });

  it('should read Kale 1 tags as Kale 1 meant them, with a note', () => {
    const block = parseCellTags(['block:load'], 2);
    expect(block.role).toBe('step');
    expect(block.step).toBe('load');
    expect(block.diagnostics).toMatchObject([
      { code: 'I_TAG_KALE1', severity: 'info', cell: 2, tag: 'block:load' }
    ]);
    // A bare `block:` is a cell of no step: it joins the one above.
    const bare = parseCellTags(['block:']);
    expect(bare.role).toBe('untagged');
    expect(bare.diagnostics.map(d => d.code)).toEqual(['I_TAG_KALE1']);
    // `prev:a:b` names two parents.
    const two = parseCellTags(['step:c', 'prev:a:b']);
    expect(two.prev).toEqual(['a', 'b']);
    expect(two.diagnostics.map(d => d.code)).toEqual(['I_TAG_KALE1']);
  });

  it.each([
    ['step:', 'E_TAG_NAME'],
    ['step:1abc', 'E_TAG_NAME'],
    ['step:has space', 'E_TAG_NAME'],
    ['step:with-dash', 'E_TAG_NAME'],
    ['step:naïve', 'E_TAG_NAME'],
    ['step:' + 'a'.repeat(64), 'E_TAG_NAME'],
    ['step:<img src=x onerror=alert(1)>', 'E_TAG_NAME']
  ])('should refuse the step name in %j', (tag, code) => {
    const tags = parseCellTags([tag], 4);
    expect(tags.role).toBe('untagged');
    expect(tags.step).toBeUndefined();
    expect(tags.diagnostics).toMatchObject([
      { code, severity: 'error', cell: 4, tag }
    ]);
  });

  it.each([
    ['limit:cpu'],
    ['limit:CPU:2'],
    ['limit:cpu:2:3'],
    ['limit:cpu:2 cores'],
    ['annotation:no-value'],
    ['annotation::x'],
    ['label:-bad-:x'],
    ['image:'],
    ['cache:maybe'],
    ['cache:'],
    ['data:/etc/passwd'],
    ['data:../secrets.csv']
  ])('should call %j malformed, on a step cell', tag => {
    expect(codes(['step:a', tag])).toEqual([['E_TAG_MALFORMED', tag]]);
  });

  it('should want a step for step attributes, and drop them without one', () => {
    const tags = parseCellTags([
      'prev:a',
      'limit:cpu:2',
      'annotation:a:b',
      'label:a:b',
      'image:x',
      'cache:enabled'
    ]);
    expect(tags.role).toBe('untagged');
    expect(tags.diagnostics.map(d => d.code)).toEqual(
      Array(6).fill('E_TAG_NEEDS_STEP')
    );
    expect(tags).toMatchObject({
      prev: [],
      limits: {},
      annotations: {},
      labels: {}
    });
    expect(tags.image).toBeUndefined();
    expect(tags.cache).toBeUndefined();
    // On a role cell they are ignored, as Kale ignores them (its editor
    // leaves `prev:` on a step turned into `skip`).
    const skipped = parseCellTags(['skip', 'prev:a'], 3);
    expect(skipped.role).toBe('skip');
    expect(skipped.prev).toEqual([]);
    expect(skipped.diagnostics).toMatchObject([
      { code: 'I_TAG_IGNORED', severity: 'info', cell: 3, tag: 'prev:a' }
    ]);
  });

  it('should allow one step per cell and one role, the first counting', () => {
    const two = parseCellTags(['step:a', 'step:b']);
    expect(two.step).toBe('a');
    expect(two.diagnostics.map(d => d.code)).toEqual(['E_TAG_TWO_STEPS']);
    const roleAndStep = parseCellTags(['skip', 'step:a']);
    expect(roleAndStep.role).toBe('skip');
    expect(roleAndStep.step).toBeUndefined();
    expect(roleAndStep.diagnostics.map(d => d.code)).toEqual([
      'W_TAG_CONFLICT'
    ]);
    expect(codes(['imports', 'functions'])).toEqual([
      ['W_TAG_CONFLICT', 'functions']
    ]);
    // Two spellings of one role are no conflict.
    expect(codes(['parameters', 'pipeline-parameters'])).toEqual([]);
  });

  it('should report unknown and repeated tags and leave them alone', () => {
    expect(codes(['hide-input', 'step:a', 'step:a', ' '])).toEqual([
      ['E_TAG_UNKNOWN', 'hide-input'],
      ['W_TAG_DUPLICATE', 'step:a']
    ]);
    expect(parseCellTags(['step:a', 'step:a']).step).toBe('a');
  });

  it('should not take Object property names for tags or steps', () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      expect(hasRoleTag([name], 'parameters')).toBe(false);
      expect(codes([name])).toEqual([['E_TAG_UNKNOWN', name]]);
      // As step names they are identifiers like any other.
      expect(parseCellTags([`step:${name}`]).step).toBe(name);
    }
    const tags = parseCellTags(['step:a', 'limit:__proto__:1']);
    expect(Object.getPrototypeOf(tags.limits)).toBe(Object.prototype);
  });

  it('should refuse an oversized tag without reading it, and stay fast on hostile ones', () => {
    const huge = 'step:' + 'a'.repeat(MAX_TAG_LENGTH);
    const tags = parseCellTags([huge]);
    expect(tags.role).toBe('untagged');
    expect(tags.diagnostics[0].code).toBe('E_TAG_MALFORMED');
    expect(tags.diagnostics[0].tag?.length).toBeLessThan(50);
    // Backtracking bait for the Kubernetes key pattern.
    const bait = `annotation:${'a-'.repeat(400)}!:x`;
    const start = performance.now();
    expect(codes(['step:a', bait])).toEqual([['E_TAG_MALFORMED', bait]]);
    expect(performance.now() - start).toBeLessThan(200);
  });
});

describe('hasRoleTag()', () => {
  it('should know Kale and papermill names for one role', () => {
    expect(hasRoleTag(['pipeline-parameters'], 'parameters')).toBe(true);
    expect(hasRoleTag([' parameters '], 'parameters')).toBe(true);
    expect(hasRoleTag(['injected-parameters'], 'parameters')).toBe(true);
    expect(hasRoleTag(['step:train', 'pipeline-metrics'], 'metrics')).toBe(
      true
    );
    expect(hasRoleTag(['metrics'], 'parameters')).toBe(false);
  });
});
