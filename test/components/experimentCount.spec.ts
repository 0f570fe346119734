import { nullTranslator } from '@jupyterlab/translation';
import { describe, expect, it } from 'vitest';

import { experimentCount } from '../../src/components/experimentCount';

const trans = nullTranslator.load('jupyterlab_mlops');

describe('experimentCount', () => {
  it.each([
    [1, 1, null, '1 experiment'],
    [0, 0, null, '0 experiments'],
    [12, 12, null, '12 experiments'],
    [3, 12, null, '3 of 12 experiments'],
    // The first paint of a large list: the newest 200 rows of 100,000.
    [200, 200, 100000, '100000 experiments'],
    [7, 200, 100000, '7 of the newest 200 experiments']
  ])('%i shown of %i rows (total %s): %s', (shown, rows, total, text) => {
    expect(experimentCount(trans, shown, rows, total)).toBe(text);
  });
});
