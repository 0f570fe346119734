import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { PipelineIR } from '../../src/pipeline/ir';
import {
  checkSerialization,
  formatBytes,
  parseSerializationReply,
  serializationExpression,
  variablesToCheck
} from '../../src/pipeline/serializationCheck';
import { startKernel } from '../support/kernel';
import { buildIR } from './support';

type Kernel = Awaited<ReturnType<typeof startKernel>>['kernel'];

const cells = [
  { tags: ['imports'], source: 'import numpy as np' },
  {
    tags: ['step:make'],
    source: [
      'import threading, pandas as pd',
      'from sklearn.linear_model import LogisticRegression',
      'array = np.arange(1000, dtype=np.int64)',
      "frame = pd.DataFrame({'a': [1, 2, 3]})",
      'model = LogisticRegression().fit([[0], [1]], [0, 1])',
      'square = lambda x: x * x',
      'lock = threading.Lock()',
      'gen = (i for i in range(3))',
      'never = 1'
    ].join('\n')
  },
  {
    tags: ['step:use', 'prev:make'],
    source: 'print(array, frame, model, square(2), lock, gen, never)'
  }
];

function demoIR(): PipelineIR {
  const built = buildIR(cells, {
    path: 'nb.ipynb',
    contentHash: 'a'.repeat(64)
  });
  if (built.ir === null) {
    throw new Error(built.errors.join('; '));
  }
  return built.ir;
}

describe('the serialization pre-check, in a real kernel', () => {
  let kernel: Kernel;
  let stop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    ({ kernel, stop } = await startKernel());
  }, 60_000);

  afterAll(() => stop());

  it('should save each passed variable with the export marshaller', async () => {
    const ir = demoIR();
    expect(
      variablesToCheck(ir)
        .map(v => v.name)
        .sort()
    ).toEqual(
      ['array', 'frame', 'gen', 'lock', 'model', 'never', 'square'].sort()
    );
    // Run the step's code, but not all of it: `never` stays undefined.
    const code =
      cells[0].source + '\n' + cells[1].source.replace('never = 1', '');
    const reply = await kernel.requestExecute({ code }).done;
    expect(reply.content.status).toBe('ok');
    const checks = Object.fromEntries(
      (await checkSerialization(kernel, ir, 60_000)).map(c => [c.name, c])
    );
    expect(checks.array).toMatchObject({
      state: 'ok',
      kind: 'npy',
      step: 'make'
    });
    // 1000 int64 and the .npy header.
    expect((checks.array as { bytes: number }).bytes).toBeGreaterThan(8000);
    expect(checks.frame).toMatchObject({ state: 'ok' });
    expect(['parquet', 'pandas.pickle']).toContain(
      (checks.frame as { kind: string }).kind
    );
    expect(checks.model).toMatchObject({ state: 'ok', kind: 'joblib' });
    expect(checks.square).toMatchObject({ state: 'ok', kind: 'cloudpickle' });
    expect(checks.lock).toMatchObject({ state: 'failed', step: 'make' });
    expect((checks.lock as { error: string }).error).toMatch(
      /TypeError.*lock/i
    );
    expect(checks.gen).toMatchObject({ state: 'failed' });
    expect(checks.never).toEqual({
      name: 'never',
      step: 'make',
      state: 'missing'
    });
    // Nothing was left in the kernel's namespace.
    const leftovers = await kernel.requestExecute({
      code: "assert '_check' not in globals() and '_result' not in globals()"
    }).done;
    expect(leftovers.content.status).toBe('ok');
  }, 60_000);

  it('should check nothing when nothing is passed', async () => {
    const built = buildIR([{ tags: ['step:only'], source: 'x = 1' }], {
      path: 'nb.ipynb',
      contentHash: 'a'.repeat(64)
    });
    expect(built.ir).not.toBeNull();
    expect(await checkSerialization(kernel, built.ir as PipelineIR)).toEqual(
      []
    );
  });
});

describe('parseSerializationReply()', () => {
  const vars = [{ name: 'x', step: 's' }];
  const reply = (text: string) => ({
    user_expressions: { check: { status: 'ok', data: { 'text/plain': text } } }
  });

  it('should refuse answers of the wrong shape', () => {
    for (const bad of [
      '\'{"x": {"kind": "exe", "bytes": 1}}\'',
      '\'{"x": {"kind": "npy", "bytes": -1}}\'',
      "'[1, 2]'",
      "'not json'",
      '42'
    ]) {
      expect(() => parseSerializationReply(reply(bad), vars), bad).toThrow(
        /could not check/
      );
    }
    expect(() =>
      parseSerializationReply(
        {
          user_expressions: {
            check: { status: 'error', ename: 'NameError', evalue: 'x' }
          }
        },
        vars
      )
    ).toThrow(/NameError: x/);
    // A name the kernel did not answer for is missing, not invented.
    expect(parseSerializationReply(reply("'{}'"), vars)).toEqual([
      { name: 'x', step: 's', state: 'missing' }
    ]);
  });

  it('should put no name in the expression that is not an identifier', () => {
    const expression = serializationExpression([
      'ok',
      "x'); import os #",
      '1a'
    ]);
    const source = Buffer.from(
      /b64decode\('([^']+)'\)\.decode\('utf-8'\), ns\)/.exec(expression)?.[1] ??
        '',
      'base64'
    ).toString();
    expect(source).toContain('_check(["ok"], _user, _marshal)');
  });

  it('should say sizes in words', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });
});
