import { describe, expect, it } from 'vitest';

import { pipelineName } from '../../src/pipeline/ir';
import { pinnedRequirements } from '../../src/util/requirements';

describe('pinnedRequirements()', () => {
  it('should pin each package, sorted', () => {
    expect(
      pinnedRequirements({
        scikit_learn: '1.7.2',
        'zope.interface': '7.0',
        numpy: '2.1.0+local.1',
        Jinja2: '3.1.6'
      })
    ).toEqual({
      text: 'Jinja2==3.1.6\nnumpy==2.1.0+local.1\nscikit_learn==1.7.2\nzope.interface==7.0\n',
      dropped: []
    });
  });

  it('should leave out what pip would read as an option, a URL or a marker', () => {
    const hostile = {
      'numpy\n--index-url https://evil.example/simple': '1',
      pandas: '2.2.3\n--extra-index-url https://evil.example/simple',
      '-r other.txt': '1',
      'git+https://example.com/x.git': '1',
      evil: '1; python_version > "3"',
      spaced: '1 .0',
      empty: '',
      '': '1',
      '-leading': '1',
      'trailing-': '1',
      number: 1,
      nothing: null,
      ['x'.repeat(201)]: '1',
      ok: '1.0'
    };
    const { text, dropped } = pinnedRequirements(hostile);
    expect(text).toBe('ok==1.0\n');
    expect(dropped).toHaveLength(Object.keys(hostile).length - 1);
    expect(dropped.every(name => name.length <= 100)).toBe(true);
  });

  it('should give nothing for what is not an object', () => {
    for (const value of [null, undefined, 'numpy==1', 3]) {
      expect(pinnedRequirements(value)).toEqual({ text: '', dropped: [] });
    }
  });
});

describe('pipelineName()', () => {
  // The same table is in jupyterlab_mlops/tests/test_pipeline_attacks.py,
  // for the bridge's pipeline_name: both must name a notebook's exports alike.
  it.each([
    ['a/wine_classifier.ipynb', 'wine_classifier'],
    ['wine-classifier v2.ipynb', 'wine_classifier_v2'],
    ['2024 report.ipynb', '_2024_report'],
    ['é.ipynb', '_'],
    ['😀.ipynb', '__'],
    ['.ipynb.ipynb', '_ipynb'],
    ['x'.repeat(80) + '.ipynb', 'x'.repeat(63)]
  ])('should name %s %s', (path, name) => {
    expect(pipelineName(path)).toBe(name);
  });
});
