import { describe, expect, it } from 'vitest';

import { parseCellTags } from '../../src/notebook/tags';
import {
  checkStepName,
  readPipelineTags,
  writePipelineTags
} from '../../src/notebook/tagEdit';

describe('readPipelineTags()', () => {
  it('should read the role, step and parents', () => {
    expect(
      readPipelineTags(['step:train', 'prev:load', 'limit:nvidia.com/gpu:1'])
    ).toEqual({
      role: 'step',
      step: 'train',
      prev: ['load']
    });
    expect(readPipelineTags(['block:train', 'prev:a:b', 'prev:a'])).toEqual({
      role: 'step',
      step: 'train',
      prev: ['a', 'b']
    });
    expect(readPipelineTags(['parameters'])).toMatchObject({
      role: 'pipeline-parameters'
    });
    expect(readPipelineTags(['mine', 'skip'])).toMatchObject({ role: 'skip' });
    expect(readPipelineTags([])).toEqual({ role: 'none', step: '', prev: [] });
    // Parents without a step mean nothing: not shown.
    expect(readPipelineTags(['prev:x'])).toEqual({
      role: 'none',
      step: '',
      prev: []
    });
    // A bare block: is no step.
    expect(readPipelineTags(['block:'])).toMatchObject({ role: 'none' });
  });
});

describe('writePipelineTags()', () => {
  it('should replace only the pipeline tags', () => {
    const tags = ['mine', 'block:old', 'prev:a:b', 'limit:cpu:2', 'data:x.csv'];
    const written = writePipelineTags(tags, {
      role: 'step',
      step: 'train',
      prev: ['load', 'train', 'load']
    });
    expect(written).toEqual([
      'step:train',
      'prev:load',
      'mine',
      'limit:cpu:2',
      'data:x.csv'
    ]);
    // What it writes parses without a diagnostic of its own making.
    // (the user's own tag is unknown to the pipeline, as before the edit).
    expect(parseCellTags(written).diagnostics.map(d => d.tag)).toEqual([
      'mine'
    ]);
    expect(
      writePipelineTags(written, { role: 'none', step: '', prev: [] })
    ).toEqual(['mine', 'limit:cpu:2', 'data:x.csv']);
    expect(
      writePipelineTags(['skip'], { role: 'imports', step: '', prev: [] })
    ).toEqual(['imports']);
  });

  it("should keep papermill's spelling of parameters", () => {
    expect(
      writePipelineTags(['parameters'], {
        role: 'pipeline-parameters',
        step: '',
        prev: []
      })
    ).toEqual(['parameters']);
    expect(
      writePipelineTags([], { role: 'pipeline-parameters', step: '', prev: [] })
    ).toEqual(['pipeline-parameters']);
  });

  it('should round-trip what it reads', () => {
    for (const tags of [
      ['step:a', 'prev:b', 'prev:c'],
      ['imports'],
      ['pipeline-metrics', 'mine'],
      []
    ]) {
      expect(writePipelineTags(tags, readPipelineTags(tags))).toEqual(tags);
    }
  });
});

describe('checkStepName()', () => {
  it('should validate as the user types', () => {
    expect(checkStepName('train', ['load', 'train'])).toEqual({
      ok: true,
      isNew: false
    });
    expect(checkStepName('evaluate', ['load'])).toEqual({
      ok: true,
      isNew: true
    });
    for (const bad of [
      '',
      '1st',
      'has space',
      'dash-ed',
      'é',
      'x'.repeat(64),
      'a:b'
    ]) {
      expect(checkStepName(bad, []).ok, bad).toBe(false);
    }
  });
});
