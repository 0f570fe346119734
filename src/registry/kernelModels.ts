import { z } from 'zod';

import { userExpression } from '../kernel/expression';
import { askSilently, IExecutingKernel } from '../kernel/protocol';
import { parseLiteral } from '../notebook/parameters';
import { MlopsError } from '../errors';
import { SKLEARN_SAVER } from './flavors/sklearn';

/**
 * Models in the live kernel: which variables hold a fitted estimator (and
 * which could be its input example), and saving one in MLflow format into
 * a registry staging folder. Both run as one silent `user_expressions`
 * request: the code runs in a namespace of its own (nothing is added to
 * the user's), reads the user's variables by name, and answers JSON. Names
 * and paths reach the code only as JSON string literals.
 */

/** A variable of the kernel that looks like a fitted model. */
export interface IKernelModel {
  name: string;
  type: string;
}

/** A variable that could be a model's input example: a frame or a 2-D array. */
export interface IKernelExample {
  name: string;
  type: string;
  rows: number;
  columns: number;
}

export interface IKernelCandidates {
  models: IKernelModel[];
  examples: IKernelExample[];
}

export interface ISavedModel {
  flavors: string[];
  serialization: string;
  signature: boolean;
  files: string[];
  type: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

/** The flavors the registry can save (pluggable: one saver each). */
export const FLAVORS: Record<string, string> = { sklearn: SKLEARN_SAVER };

const CANDIDATES = String.raw`
def run(namespace):
    models, examples = [], []
    for name, value in list(namespace.items()):
        if name.startswith("_") or isinstance(value, type):
            continue
        kind = type(value).__module__ + "." + type(value).__qualname__
        try:
            if callable(getattr(value, "fit", None)) and callable(getattr(value, "predict", None)):
                if type(value).__module__.split(".")[0] == "sklearn" or hasattr(value, "get_params"):
                    models.append({"name": name, "type": kind})
                continue
            shape = getattr(value, "shape", None)
            if isinstance(shape, tuple) and len(shape) == 2 and hasattr(value, "dtype") or (
                isinstance(shape, tuple) and len(shape) == 2 and hasattr(value, "dtypes")
            ):
                examples.append({"name": name, "type": kind, "rows": int(shape[0]), "columns": int(shape[1])})
        except Exception:
            continue
    return {"models": models[:200], "examples": examples[:200]}
`;

const SAVE = String.raw`
def run(namespace, variable, example, folder, requirements):
    try:
        if variable not in namespace:
            return {"error": "NameError", "message": "no variable " + repr(variable) + " in the kernel"}
        if example is not None and example not in namespace:
            return {"error": "NameError", "message": "no variable " + repr(example) + " in the kernel"}
        sample = namespace[example] if example is not None else None
        return {"saved": save(namespace[variable], sample, folder, requirements)}
    except Exception as err:
        return {"error": type(err).__name__, "message": str(err)[:2000]}
`;

const SAVE_FILE = String.raw`
def run(namespace, path, sha256, example, folder, requirements):
    import hashlib, io, pickle
    try:
        if example is not None and example not in namespace:
            return {"error": "NameError", "message": "no variable " + repr(example) + " in the kernel"}
        import os, stat
        # Non-blocking (a FIFO cannot hang the kernel), a regular file, at most 4 GiB.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > 4 * 1024 ** 3:
                return {"error": "ValueError", "message": path + " is not a regular file of at most 4 GiB"}
            data = handle.read()
        if hashlib.sha256(data).hexdigest() != sha256:
            return {"error": "ChangedFile", "message": path + " is not the experiment's file any more (its SHA-256 differs): restore it, or register from the kernel"}
        try:
            import joblib
            model = joblib.load(io.BytesIO(data))
        except ImportError:
            model = pickle.loads(data)
        if not callable(getattr(model, "predict", None)):
            return {"error": "TypeError", "message": path + " holds a " + type(model).__name__ + ", not a model with predict()"}
        sample = namespace[example] if example is not None else None
        return {"saved": save(model, sample, folder, requirements)}
    except Exception as err:
        return {"error": type(err).__name__, "message": str(err)[:2000]}
`;

/**
 * A Python expression: `json.dumps(run(<user namespace>, *args))` of
 * `source` (exported for tests). Arguments are strings (JSON string
 * literals are Python ones) or null (`None`).
 */
export function runExpression(source: string, args: (string | null)[]): string {
  const literal = (value: unknown) => JSON.stringify(value);
  const argument = (value: string | null) =>
    value === null ? 'None' : literal(value);
  const call = ['get_ipython().user_ns', ...args.map(argument)].join(', ');
  return (
    "__import__('json').dumps((lambda _ns: (exec(" +
    literal(source) +
    ", _ns), _ns['run'](" +
    call +
    "))[1])({'__name__': '_mlops_registry'}))"
  );
}

export function candidatesExpression(): string {
  return runExpression(CANDIDATES, []);
}

export function saveModelExpression(options: {
  variable: string;
  example: string | null;
  folder: string;
  requirements: string;
  flavor?: string;
}): string {
  for (const name of [options.variable, options.example]) {
    if (name !== null && !IDENTIFIER.test(name)) {
      throw new MlopsError(
        'E_BAD_REQUEST',
        `${name.slice(0, 80)} is not a variable name`
      );
    }
  }
  const saver = FLAVORS[options.flavor ?? 'sklearn'];
  if (saver === undefined) {
    throw new MlopsError('E_BAD_REQUEST', `no flavor ${options.flavor}`);
  }
  return runExpression(saver + SAVE, [
    options.variable,
    options.example,
    options.folder,
    options.requirements
  ]);
}

/**
 * The expression that loads an experiment's model file in the kernel (only
 * when its SHA-256 is the experiment's: the kernel checks before it
 * unpickles) and saves it in MLflow format into `folder`.
 */
export function saveFileModelExpression(options: {
  path: string;
  sha256: string;
  example: string | null;
  folder: string;
  requirements: string;
}): string {
  if (options.example !== null && !IDENTIFIER.test(options.example)) {
    throw new MlopsError(
      'E_BAD_REQUEST',
      `${options.example.slice(0, 80)} is not a variable name`
    );
  }
  if (!/^[0-9a-f]{64}$/.test(options.sha256)) {
    throw new MlopsError('E_BAD_REQUEST', 'sha256 must be 64 hex digits');
  }
  return runExpression(SKLEARN_SAVER + SAVE_FILE, [
    options.path,
    options.sha256,
    options.example,
    options.folder,
    options.requirements
  ]);
}

/** Send one expression; its JSON answer (or a coded error). */
export async function askKernel(
  kernel: IExecutingKernel,
  expression: string,
  timeoutMs: number
): Promise<unknown> {
  const content = await askSilently(
    kernel,
    { answer: expression },
    timeoutMs,
    `The kernel did not answer within ${timeoutMs / 1000} s (busy or stuck).`
  );
  return Private.answer(userExpression(content, 'answer'));
}

/** The kernel's models and examples. */
export async function kernelCandidates(
  kernel: IExecutingKernel,
  timeoutMs = 10_000
): Promise<IKernelCandidates> {
  const answer = await askKernel(kernel, candidatesExpression(), timeoutMs);
  const parsed = Private.candidates.safeParse(answer);
  if (!parsed.success) {
    throw new MlopsError(
      'E_KERNEL_UNAVAILABLE',
      'The kernel answered something else.'
    );
  }
  return parsed.data;
}

/**
 * Save a kernel variable's model (or an experiment's model file, with
 * `path` and `sha256`) into `folder`; what was saved, or a coded error.
 */
export async function saveKernelModel(
  kernel: IExecutingKernel,
  options:
    | Parameters<typeof saveModelExpression>[0]
    | Parameters<typeof saveFileModelExpression>[0],
  timeoutMs = 120_000
): Promise<ISavedModel> {
  const expression =
    'path' in options
      ? saveFileModelExpression(options)
      : saveModelExpression(options);
  const answer = await askKernel(kernel, expression, timeoutMs);
  const parsed = Private.saveAnswer.safeParse(answer);
  if (!parsed.success) {
    throw new MlopsError(
      'E_KERNEL_UNAVAILABLE',
      'The kernel answered something else.'
    );
  }
  if ('error' in parsed.data) {
    throw new MlopsError(
      'E_MODEL_INVALID',
      `The kernel could not save ${'path' in options ? options.path : options.variable}: ${parsed.data.error}: ${parsed.data.message}`
    );
  }
  return parsed.data.saved;
}

namespace Private {
  const result = z.object({
    status: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
    ename: z.string().optional(),
    evalue: z.string().optional()
  });

  /** One user expression's result → its JSON, or a coded error naming the kernel's. */
  export function answer(value: unknown): unknown {
    const parsed = result.safeParse(value);
    if (!parsed.success) {
      throw new MlopsError(
        'E_KERNEL_UNAVAILABLE',
        'The kernel gave no answer.'
      );
    }
    if (parsed.data.status !== 'ok') {
      throw new MlopsError(
        'E_KERNEL_UNAVAILABLE',
        `The kernel failed: ${parsed.data.ename ?? 'error'}: ${(parsed.data.evalue ?? '').slice(0, 500)}`
      );
    }
    const text = parsed.data.data?.['text/plain'];
    const json = typeof text === 'string' ? parseLiteral(text) : undefined;
    if (typeof json !== 'string') {
      throw new MlopsError(
        'E_KERNEL_UNAVAILABLE',
        'The kernel answered something else.'
      );
    }
    return JSON.parse(json);
  }

  const name = z.string().max(255);
  export const candidates = z.object({
    models: z.array(z.object({ name, type: z.string().max(1000) })).max(200),
    examples: z
      .array(
        z.object({
          name,
          type: z.string().max(1000),
          rows: z.number().int().min(0),
          columns: z.number().int().min(0)
        })
      )
      .max(200)
  });

  export const saveAnswer = z.union([
    z.object({
      saved: z.object({
        flavors: z.array(z.string()),
        serialization: z.string(),
        signature: z.boolean(),
        files: z.array(z.string()),
        type: z.string()
      })
    }),
    z.object({ error: z.string(), message: z.string() })
  ]);
}
