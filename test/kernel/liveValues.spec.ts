import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { MlopsError } from '../../src/errors';
import {
  captureLive,
  liveExpressions,
  parseLiveReply
} from '../../src/kernel/liveValues';
import { startKernel } from '../support/kernel';

/**
 * Live capture against a real ipykernel started through the run's
 * jupyter_server.
 */
describe('captureLive()', () => {
  let kernel: Awaited<ReturnType<typeof startKernel>>['kernel'];
  let stop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    ({ kernel, stop } = await startKernel());
    await kernel.requestExecute({
      code: [
        'import json, numpy as np',
        'n_estimators = 50',
        'lr = np.float64(0.125)',
        'name = "<img src=x onerror=alert(1)>"',
        'layers = [64, 32]',
        'accuracy = np.float32(0.75)',
        'f1_macro = "not a number"'
      ].join('\n')
    }).done;
  }, 60_000);

  afterAll(() => stop());

  it('should read parameters, metrics and the environment in one request', async () => {
    const live = await captureLive(kernel, {
      parameters: ['n_estimators', 'lr', 'name', 'layers', 'never_defined'],
      metrics: ['accuracy', 'f1_macro', 'missing_metric']
    });
    expect(live.parameters).toEqual({
      n_estimators: 50,
      lr: 0.125,
      name: '<img src=x onerror=alert(1)>',
      layers: '[64, 32]'
    });
    expect(live.metrics).toEqual({ accuracy: 0.75 });
    expect(live.missing.sort()).toEqual(['missing_metric', 'never_defined']);
    expect(live.environment.python).toMatch(/^3\.\d+\.\d+/);
    expect(live.environment.packages['numpy']).toMatch(/^\d+\.\d+/);
    // The kernel's own machinery is not the user's (environment.ts).
    expect(live.environment.packages['ipykernel']).toBeUndefined();
  });

  it('should leave the user namespace and history alone', async () => {
    const look = async () => {
      const reply = await kernel.requestExecute({
        code: '',
        silent: true,
        store_history: false,
        user_expressions: { state: 'repr((sorted(globals()), len(In)))' }
      }).done;
      return reply.content.status === 'ok'
        ? reply.content.user_expressions['state']
        : null;
    };
    const before = await look();
    await captureLive(kernel, {
      parameters: ['n_estimators'],
      metrics: ['accuracy']
    });
    expect(before).toMatchObject({ status: 'ok' });
    expect(await look()).toEqual(before);
  });

  it('should time out cleanly on a busy kernel', async () => {
    const busy = kernel.requestExecute({ code: 'import time; time.sleep(3)' });
    const error = await captureLive(
      kernel,
      { parameters: ['n_estimators'], metrics: [] },
      500
    ).catch(reason => reason);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('E_KERNEL_TIMEOUT');
    await busy.done;
  });
});

describe('liveExpressions()', () => {
  it('should only evaluate identifiers', () => {
    const expressions = liveExpressions({
      parameters: ['ok', '__import__("os").system("x")', 'a b', ''],
      metrics: ['m1']
    });
    expect(Object.keys(expressions).sort()).toEqual(['env', 'v:m1', 'v:ok']);
  });
});

describe('parseLiveReply()', () => {
  const request = { parameters: ['p'], metrics: ['m'] };

  it.each([
    null,
    'x',
    42,
    {},
    { user_expressions: null },
    { user_expressions: { p: 1 } }
  ])('should read nothing from %j', content => {
    const live = parseLiveReply(content, request);
    expect(live.parameters).toEqual({});
    expect(live.metrics).toEqual({});
    expect(live.environment).toEqual({
      python: null,
      platform: null,
      packages: {}
    });
  });

  it('should ignore errors, non-JSON and oversized environment fields', () => {
    const ok = (text: string) => ({
      status: 'ok',
      data: { 'text/plain': text }
    });
    const live = parseLiveReply(
      {
        user_expressions: {
          'v:p': { status: 'error', ename: 'NameError' },
          'v:m': ok("'not json'"),
          env: ok(
            `'${JSON.stringify({ python: 3, packages: { a: '1', b: 2, ['c'.repeat(300)]: '1' } })}'`
          )
        }
      },
      request
    );
    expect(live.missing).toEqual(['p', 'm']);
    expect(live.environment).toEqual({
      python: null,
      platform: null,
      packages: { a: '1' }
    });
  });

  it('should keep only package lines pip reads as a name and a version', () => {
    const packages = {
      'scikit-learn': '1.5.2',
      numpy: '2.1.0+local.1',
      'zope.interface': '1!7.0',
      'x\n--extra-index-url https://evil/simple\ny': '1',
      'y; python_version<"4"': '1',
      z: '1 ; os_name=="nt"',
      w: '1\n--index-url https://evil',
      '-e': '1',
      'a b': '1',
      v: '#1'
    };
    const live = parseLiveReply(
      {
        user_expressions: {
          env: {
            status: 'ok',
            data: {
              'text/plain': `'${JSON.stringify({ python: '3.11', packages }).replace(/\\/g, '\\\\')}'`
            }
          }
        }
      },
      request
    );
    expect(live.environment.packages).toEqual({
      'scikit-learn': '1.5.2',
      numpy: '2.1.0+local.1',
      'zope.interface': '1!7.0'
    });
  });
});
