import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  hasRoleTag,
  ITaggedCell,
  parseCellTags,
  summarizePipeline
} from '../../src/notebook/tags';

const code = (...tags: string[]): ITaggedCell => ({ cellType: 'code', tags });

describe('parseCellTags()', () => {
  it('should read Kale roles and their aliases', () => {
    expect(parseCellTags(['imports']).role).toBe('imports');
    expect(parseCellTags(['parameters']).role).toBe('parameters');
    expect(parseCellTags(['pipeline-parameters']).role).toBe('parameters');
    expect(parseCellTags(['pipeline-metrics']).role).toBe('metrics');
    expect(parseCellTags(['metrics']).role).toBe('metrics');
    expect(parseCellTags([]).role).toBe('untagged');
  });

  it('should read step:, block: and prev:', () => {
    const tags = parseCellTags([
      'block:train',
      'prev:load',
      'prev:clean',
      'prev:load'
    ]);
    expect(tags.role).toBe('step');
    expect(tags.step).toBe('train');
    expect(tags.prev).toEqual(['load', 'clean']);
    expect(tags.problems).toEqual([]);
  });

  it.each([
    ['step:'],
    ['step:1abc'],
    ['step:has space'],
    ['prev:<img src=x>'],
    ['step:' + 'a'.repeat(100)]
  ])('should report the bad step name in %j', tag => {
    const tags = parseCellTags([tag]);
    expect(tags.problems).toHaveLength(1);
    expect(tags.role).toBe('untagged');
  });

  it('should report conflicting roles and two step names', () => {
    expect(parseCellTags(['skip', 'step:a']).role).toBe('skip');
    expect(parseCellTags(['skip', 'step:a']).problems[0]).toMatch(
      /Conflicting tags/
    );
    expect(parseCellTags(['step:a', 'step:b']).problems[0]).toMatch(
      /two steps/
    );
  });

  it('should keep unknown tags aside', () => {
    expect(parseCellTags(['hide-input', 'step:a']).unknown).toEqual([
      'hide-input'
    ]);
  });
});

describe('hasRoleTag()', () => {
  it('should know Kale and papermill names for one role', () => {
    expect(hasRoleTag(['pipeline-parameters'], 'parameters')).toBe(true);
    expect(hasRoleTag([' parameters '], 'parameters')).toBe(true);
    expect(hasRoleTag(['step:train', 'pipeline-metrics'], 'metrics')).toBe(
      true
    );
    expect(hasRoleTag(['metrics'], 'parameters')).toBe(false);
  });

  it('should not take Object property names for tags', () => {
    for (const name of [
      'constructor',
      'toString',
      '__proto__',
      'hasOwnProperty'
    ]) {
      expect(hasRoleTag([name], 'parameters')).toBe(false);
      const tags = parseCellTags([name]);
      expect(tags.role).toBe('untagged');
      expect(tags.unknown).toEqual([name]);
    }
  });
});

describe('summarizePipeline()', () => {
  it('should let untagged cells take the role of the cell above', () => {
    const summary = summarizePipeline([
      code('imports'),
      code(),
      { cellType: 'markdown', tags: ['step:ignored'] },
      code('step:load'),
      code(),
      code('step:train', 'prev:load'),
      code('pipeline-metrics'),
      code()
    ]);
    expect(summary.steps).toEqual([
      { name: 'load', prev: [], cells: [3, 4] },
      { name: 'train', prev: ['load'], cells: [5] }
    ]);
    expect(summary.roles.imports).toEqual([0, 1]);
    expect(summary.roles.metrics).toEqual([6, 7]);
    expect(summary.problems).toEqual([]);
  });

  it('should report prev: edges to unknown steps and to itself', () => {
    const summary = summarizePipeline([
      code('step:a', 'prev:ghost'),
      code('step:b', 'prev:b')
    ]);
    expect(summary.problems).toEqual([
      'Step "a" follows "ghost", which no cell defines.',
      'Step "b" lists itself in prev:.'
    ]);
  });

  it('should read the demo notebook as load → train → evaluate', () => {
    const notebook = JSON.parse(
      readFileSync(
        join(__dirname, '..', '..', 'examples', 'wine_classifier.ipynb'),
        'utf8'
      )
    ) as { cells: { cell_type: string; metadata: { tags?: string[] } }[] };
    const summary = summarizePipeline(
      notebook.cells.map(cell => ({
        cellType: cell.cell_type,
        tags: cell.metadata.tags ?? []
      }))
    );
    expect(summary.steps.map(step => [step.name, step.prev])).toEqual([
      ['load', []],
      ['train', ['load']],
      ['evaluate', ['train']]
    ]);
    expect(summary.roles.parameters).toHaveLength(1);
    expect(summary.roles.metrics.length).toBeGreaterThanOrEqual(1);
    expect(summary.problems).toEqual([]);
  });
});
