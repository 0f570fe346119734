import { describe, expect, it } from 'vitest';

import { lineageGaps, reproducingRun } from '../../src/registry/lineage';

describe('reproducingRun()', () => {
  const run = (
    id: string,
    started: number,
    state = 'done',
    reproduction: { state: string; experiment: string | null } | undefined = {
      state: 'reproduced',
      experiment: 'refs/exps/a/1'
    }
  ) => ({ run: id, started, state, reproduction });

  it('should pick the newest finished run that reproduced the experiment', () => {
    expect(
      reproducingRun(
        [run('r1', 10), run('r3', 30), run('r2', 20)],
        'refs/exps/a/1'
      )
    ).toBe('r3');
  });

  it('should ignore runs that failed, drifted, checked another experiment or none', () => {
    expect(
      reproducingRun(
        [
          run('failed', 50, 'failed'),
          run('running', 60, 'running'),
          run('drifted', 40, 'done', {
            state: 'drifted',
            experiment: 'refs/exps/a/1'
          }),
          run('other', 70, 'done', {
            state: 'reproduced',
            experiment: 'refs/exps/a/2'
          }),
          { run: 'unchecked', started: 80, state: 'done' },
          run('old', 5)
        ],
        'refs/exps/a/1'
      )
    ).toBe('old');
    expect(reproducingRun([], 'refs/exps/a/1')).toBeNull();
    expect(reproducingRun([run('r', 1)], '')).toBeNull();
  });
});

describe('lineageGaps()', () => {
  it('should name what a lineage lacks', () => {
    expect(lineageGaps(null)).toEqual(['no snapshot']);
  });
});
