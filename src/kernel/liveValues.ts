import { z } from 'zod';

import { MlopsError } from '../errors';
import { decodeExpression, userExpression } from './expression';
import { askSilently, IExecutingKernel } from './protocol';
import { auditExpression, IAuditOptions } from './auditHook';
import { environmentExpression } from './environment';
import { IAuditReport, readAuditResult } from './openedFiles';
import { ParameterValue, parameterValue } from '../notebook/parameters';

/**
 * Live values from the kernel in one silent execute request, through
 * `user_expressions` (nothing runs in the user's namespace, nothing enters
 * the history): parameter and metric values by name, and the environment
 * (`environment.ts`: what the user's code imported).
 */

/**
 * What the live capture asks the kernel for.
 */
export interface ILiveRequest {
  parameters: readonly string[];
  metrics: readonly string[];
  /** Read (and install if missing) the kernel's audit hook. */
  audit?: IAuditOptions;
}

/**
 * The kernel's Python, platform and imported distributions with versions
 * (the manifest's `environment`).
 */
export interface IKernelEnvironment {
  python: string | null;
  platform: string | null;
  packages: Record<string, string>;
}

/**
 * What the kernel answered; names it could not evaluate are left out.
 */
export interface ILiveValues {
  parameters: Record<string, ParameterValue>;
  metrics: Record<string, number>;
  environment: IKernelEnvironment;
  /** Names the kernel did not know (not run yet, deleted). */
  missing: string[];
  /** Files the kernel opened (when asked for, and the hook answered). */
  audit?: IAuditReport | null;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,199}$/;

// JSON of a value: numbers (numpy scalars too), strings, bools, None as
// themselves; anything else as its (shortened) repr.
const VALUE = (name: string) =>
  `__import__('json').dumps((lambda v, n: v if v is None or isinstance(v, (bool, str)) ` +
  `else (float(v) if isinstance(v, n.Real) else repr(v)[:200]))(${name}, __import__('numbers')))`;

/**
 * The `user_expressions` for a request (exported for tests).
 */
export function liveExpressions(request: ILiveRequest): Record<string, string> {
  const expressions: Record<string, string> = { env: environmentExpression() };
  if (request.audit) {
    expressions['audit'] = auditExpression(request.audit);
  }
  for (const name of [...request.parameters, ...request.metrics]) {
    if (IDENTIFIER.test(name)) {
      expressions[`v:${name}`] = VALUE(name);
    }
  }
  return expressions;
}

/**
 * Ask the kernel; fails with `E_KERNEL_TIMEOUT` when it does not answer in
 * time (busy or dead), and `E_KERNEL_UNAVAILABLE` when the request fails.
 */
export async function captureLive(
  kernel: IExecutingKernel,
  request: ILiveRequest,
  timeoutMs = 3000
): Promise<ILiveValues> {
  try {
    const content = await askSilently(
      kernel,
      liveExpressions(request),
      timeoutMs,
      `The kernel did not answer within ${timeoutMs / 1000} s (busy or stuck); the snapshot keeps the static values.`
    );
    return parseLiveReply(content, request);
  } catch (reason) {
    if (reason instanceof MlopsError) {
      throw reason;
    }
    throw new MlopsError(
      'E_KERNEL_UNAVAILABLE',
      `The kernel could not be asked: ${String(reason)}`
    );
  }
}

/**
 * Read an `execute_reply` content (untrusted) into live values.
 */
export function parseLiveReply(
  content: unknown,
  request: ILiveRequest
): ILiveValues {
  const answer = (key: string) =>
    decodeExpression(userExpression(content, key));
  const values: ILiveValues = {
    parameters: {},
    metrics: {},
    environment: Private.environment.parse(answer('env')),
    missing: []
  };
  if (request.audit) {
    values.audit = readAuditResult(
      userExpression(content, 'audit'),
      request.audit.limit
    );
  }
  for (const name of request.parameters) {
    const value = answer(`v:${name}`);
    if (value === undefined) {
      values.missing.push(name);
      continue;
    }
    const parameter = parameterValue.safeParse(value);
    if (parameter.success) {
      values.parameters[name] = parameter.data;
    }
  }
  for (const name of request.metrics) {
    const value = answer(`v:${name}`);
    if (value === undefined) {
      values.missing.push(name);
      continue;
    }
    const metric = Private.metric.safeParse(value);
    if (metric.success) {
      values.metrics[name] = metric.data;
    }
  }
  return values;
}

const PACKAGE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const PACKAGE_VERSION = /^[A-Za-z0-9][A-Za-z0-9.+!_-]*$/;

namespace Private {
  /**
   * At most 200 characters of text, or null for anything else.
   */
  const shortText = z
    .string()
    .transform(text => text.slice(0, 200))
    .nullable()
    .catch(null);

  /**
   * The environment expression's answer; fields of the wrong type read as
   * unknown, packages with over-long names or versions are left out.
   */
  export const environment = z
    .object({
      python: shortText,
      platform: shortText,
      packages: z
        .record(z.string(), z.unknown())
        .transform(packages =>
          Object.fromEntries(
            Object.entries(packages).filter(
              (entry): entry is [string, string] =>
                typeof entry[1] === 'string' &&
                entry[0].length <= 200 &&
                entry[1].length <= 200 &&
                // They become `name==version` lines of requirements.txt,
                // which pipeline steps install: a PEP 508 name and a
                // version without spaces, `;`, `#` or line breaks only.
                PACKAGE_NAME.test(entry[0]) &&
                PACKAGE_VERSION.test(entry[1])
            )
          )
        )
        .catch({})
    })
    .catch({ python: null, platform: null, packages: {} });

  export const metric = z.number().finite();
}
