import { z } from 'zod';

import { MlopsError } from '../errors';
import { decodeExpression, userExpression } from '../kernel/expression';
import type { IExecutingKernel } from '../kernel/protocol';
import { encodeBase64 } from '../util/base64';
import { MARSHAL_HELPER } from './export/marshal';
import type { PipelineIR } from './ir';

/**
 * The serialization pre-check: before a run or an export, every variable
 * a step hands on is saved, in the live kernel, by the very marshal helper
 * the export carries (numpy → .npy, pandas → parquet or pickle,
 * scikit-learn → joblib, else cloudpickle) into a temporary folder that is
 * removed after. What cannot be carried, and how big each is, is known
 * before a step fails on it.
 */

/** What the check says of one variable. */
export type VariableCheck =
  | { name: string; step: string; state: 'ok'; kind: string; bytes: number }
  | { name: string; step: string; state: 'failed'; error: string }
  | { name: string; step: string; state: 'missing' };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The variables to check: each step's outputs, with the step producing it.
 */
export function variablesToCheck(
  ir: PipelineIR
): { name: string; step: string }[] {
  const seen = new Set<string>();
  const variables: { name: string; step: string }[] = [];
  for (const name of ir.order) {
    const step = ir.steps.find(s => s.name === name);
    for (const output of step?.outputs ?? []) {
      if (!seen.has(output) && IDENTIFIER.test(output)) {
        seen.add(output);
        variables.push({ name: output, step: name });
      }
    }
  }
  return variables;
}

/**
 * The user expression that checks `names` in the kernel and answers JSON
 * text (exported for tests, which evaluate it in a real Python).
 */
export function serializationExpression(names: readonly string[]): string {
  const safe = names.filter(name => IDENTIFIER.test(name));
  const source = `${Private.SOURCE}\n_result = _check(${JSON.stringify(safe)}, _user, _marshal)\n`;
  const encode = (text: string) => encodeBase64(new TextEncoder().encode(text));
  return (
    "(lambda ns, user: (ns.update(_user=user, _marshal=__import__('base64').b64decode('" +
    encode(MARSHAL_HELPER) +
    "').decode('utf-8')), exec(__import__('base64').b64decode('" +
    encode(source) +
    "').decode('utf-8'), ns), ns['_result'])[2])" +
    "({'__name__': '_jupyterlab_mlops_check'}, globals())"
  );
}

/**
 * Read the kernel's answer (untrusted) for these variables.
 */
export function parseSerializationReply(
  content: unknown,
  variables: readonly { name: string; step: string }[]
): VariableCheck[] {
  const parsed = Private.answer.safeParse(
    decodeExpression(userExpression(content, 'check'))
  );
  if (!parsed.success) {
    const raw = userExpression(content, 'check') as
      { ename?: unknown; evalue?: unknown } | undefined;
    throw new MlopsError(
      'E_KERNEL_UNAVAILABLE',
      `The kernel could not check the variables${
        raw && typeof raw.ename === 'string'
          ? `: ${raw.ename}: ${String(raw.evalue ?? '')}`
          : '.'
      }`
    );
  }
  return variables.map(({ name, step }): VariableCheck => {
    const found = Object.hasOwn(parsed.data, name)
      ? parsed.data[name]
      : undefined;
    if (!found || 'missing' in found) {
      return { name, step, state: 'missing' };
    }
    if ('error' in found) {
      return { name, step, state: 'failed', error: found.error };
    }
    return { name, step, state: 'ok', kind: found.kind, bytes: found.bytes };
  });
}

/**
 * Check the IR's passed variables in a kernel. Fails with
 * `E_KERNEL_TIMEOUT` or `E_KERNEL_UNAVAILABLE`.
 */
export async function checkSerialization(
  kernel: IExecutingKernel,
  ir: PipelineIR,
  timeoutMs = 120_000
): Promise<VariableCheck[]> {
  const variables = variablesToCheck(ir);
  if (variables.length === 0) {
    return [];
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new MlopsError(
            'E_KERNEL_TIMEOUT',
            `The kernel did not finish the check within ${timeoutMs / 1000} s.`
          )
        ),
      timeoutMs
    );
  });
  try {
    const future = kernel.requestExecute({
      code: '',
      silent: true,
      store_history: false,
      user_expressions: {
        check: serializationExpression(variables.map(v => v.name))
      },
      allow_stdin: false
    });
    const reply = await Promise.race([future.done, timeout]);
    return parseSerializationReply(reply.content, variables);
  } catch (reason) {
    if (reason instanceof MlopsError) {
      throw reason;
    }
    throw new MlopsError(
      'E_KERNEL_UNAVAILABLE',
      `The kernel could not be asked: ${String(reason)}`
    );
  } finally {
    clearTimeout(timer);
  }
}

/** A size in words: "812 B", "1.4 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

namespace Private {
  export const SOURCE = `
def _check(names, user, marshal_source):
    import json, os, shutil, tempfile, types
    marshal = types.ModuleType('_jupyterlab_mlops_marshal')
    exec(marshal_source, marshal.__dict__)
    answer = {}
    folder = tempfile.mkdtemp(prefix='mlops-check-')
    try:
        for name in names:
            if name not in user:
                answer[name] = {'missing': True}
                continue
            try:
                kind = marshal.save(folder, name, user[name])
                path = os.path.join(folder, name + '.' + kind)
                answer[name] = {'kind': kind, 'bytes': os.path.getsize(path)}
                os.remove(path)
            except Exception as error:
                text = type(error).__name__ + ': ' + str(error)
                answer[name] = {'error': text[:500]}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return json.dumps(answer)
`;

  const entry = z.union([
    z.object({ missing: z.literal(true) }),
    z.object({ error: z.string().max(1000) }),
    z.object({
      kind: z.enum([
        'npy',
        'parquet',
        'pandas.pickle',
        'joblib',
        'cloudpickle',
        'pickle'
      ]),
      bytes: z.number().int().min(0)
    })
  ]);

  export const answer = z.record(z.string(), entry);
}
