import { describe, expect, it } from 'vitest';

import { analyzeNames, pythonOfIPython } from '../../src/pipeline/names';

const names = (source: string) => analyzeNames(source);

describe('analyzeNames()', () => {
  it.each([
    ['x = y + 1', ['x'], ['y']],
    ['a, *b = f(c)', ['a', 'b'], ['f', 'c']],
    ['a = b = c', ['a', 'b'], ['c']],
    ['z += 1', ['z'], ['z']],
    ['c: int = d', ['c'], ['d']],
    ['e: Thing', [], ['Thing']],
    ['x = 1\ny = x', ['x', 'y'], []],
    // Read before it is bound here: an input, even if bound after.
    ['y = x\nx = 2', ['y', 'x'], ['x']],
    ['x = x + 1', ['x'], ['x']],
    ['obj.attr = v', [], ['v', 'obj']],
    ['d[k] = 1', [], ['d', 'k']],
    [
      'for i, (j, k) in pairs:\n    total = i',
      ['i', 'j', 'k', 'total'],
      ['pairs']
    ],
    ['with open(p) as fh:\n    text = fh.read()', ['fh', 'text'], ['p']],
    [
      'try:\n    pass\nexcept Oops as err:\n    msg = err',
      ['err', 'msg'],
      ['Oops']
    ],
    [
      'import os.path as q, json\nimport numpy.linalg',
      ['q', 'json', 'numpy'],
      []
    ],
    ['from m import n as o, t\nfrom . import rel', ['o', 't', 'rel'], []],
    ['if (n := size(a)) > 1:\n    pass', ['n'], ['size', 'a']],
    ['del frame', [], ['frame']],
    ['print(len(x), f"{y}")', [], ['x', 'y']]
  ])('%j binds %j and reads %j', (source, defines, uses) => {
    expect(names(source)).toEqual({ defines, uses });
  });

  it('should keep function and lambda locals local, their free names read', () => {
    expect(
      names(
        [
          '@decorate',
          'def fit(data, *extra, k=default_k, **kw) -> Result:',
          '    local = data + scale',
          '    return local',
          'score = lambda u: u * weight'
        ].join('\n')
      )
    ).toEqual({
      defines: ['fit', 'score'],
      uses: ['decorate', 'default_k', 'Result', 'scale', 'weight']
    });
  });

  it('should let a function read module names bound after it', () => {
    // Called later, it sees `rate`: no input.
    expect(
      names('def grow(x):\n    return x * rate\nrate = 2\ny = grow(3)')
    ).toEqual({ defines: ['grow', 'rate', 'y'], uses: [] });
  });

  it('should bind `global` names of a function at module level', () => {
    expect(
      names('def setup():\n    global MODEL\n    MODEL = build()\nsetup()')
    ).toEqual({ defines: ['setup', 'MODEL'], uses: ['build'] });
  });

  it('should keep comprehension variables in the comprehension', () => {
    expect(
      names(
        [
          'squares = [v * v for v in values if v > limit]',
          'table = {k: w for k, w in pairs}',
          'total = sum(x for x in squares)'
        ].join('\n')
      )
    ).toEqual({
      defines: ['squares', 'table', 'total'],
      uses: ['values', 'limit', 'pairs']
    });
  });

  it('should see classes: bases read, the name bound, the body apart', () => {
    expect(
      names(
        'class Model(Base):\n    size = default_size\n    def f(self):\n        return self.size'
      )
    ).toEqual({ defines: ['Model'], uses: ['Base', 'default_size'] });
  });

  it('should not count keyword arguments or builtins', () => {
    expect(
      names(
        'model = Forest(n_estimators=n, random_state=seed)\nprint(range(3))'
      )
    ).toEqual({
      defines: ['model'],
      uses: ['Forest', 'n', 'seed']
    });
  });

  it('should read IPython: magics, shell escapes and cell magics', () => {
    expect(
      names(
        [
          '%matplotlib inline',
          '!pip install -q thing',
          'files = !ls data',
          'env = %env',
          'frame?',
          'summary = frame.describe()'
        ].join('\n')
      )
    ).toEqual({ defines: ['files', 'env', 'summary'], uses: ['frame'] });
    expect(names('%%time\nresult = train(data)')).toEqual({
      defines: ['result'],
      uses: ['train', 'data']
    });
    expect(names('%%capture out\nnoisy(x)')).toEqual({
      defines: ['out'],
      uses: ['noisy', 'x']
    });
    expect(names('%%bash\necho $x\nls > y')).toEqual({ defines: [], uses: [] });
  });

  it('should not crash on code it cannot read, or on hostile depth and size', () => {
    for (const source of [
      'def (:',
      'x = = 1',
      'with open(p) as (a, b): pass',
      '"""never closed',
      '\u0000\uffff',
      '('.repeat(5000),
      'x = ' + '['.repeat(3000) + ']'.repeat(3000),
      'lambda: '.repeat(2000) + '1'
    ]) {
      const result = names(source);
      expect(Array.isArray(result.defines)).toBe(true);
      expect(Array.isArray(result.uses)).toBe(true);
    }
    const big = Array.from(
      { length: 20000 },
      (_, i) => `v${i} = v${i - 1 < 0 ? 0 : i - 1} + 1`
    ).join('\n');
    const start = performance.now();
    expect(names(big).defines).toHaveLength(20000);
    expect(performance.now() - start).toBeLessThan(3000);
  });
});

describe('pythonOfIPython()', () => {
  it('should keep line numbers and indentation', () => {
    expect(pythonOfIPython('if x:\n    !ls\n    y = 1')).toBe(
      'if x:\n    pass\n    y = 1'
    );
  });
});
