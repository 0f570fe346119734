/**
 * The one error class of the extension.
 *
 * Every failure carries a literal `code` that tests assert and users can
 * search for; the Python bridge answers with the same codes.
 */

/**
 * Every error code, declared once: the bridge's (docs/bridge.md, and
 * `STATUS` in jupyterlab_mlops/errors.py, which a spec keeps in step) and
 * the frontend's own.
 */
export const ERROR_CODES = [
  // Codes the bridge returns (see docs/bridge.md).
  'E_BAD_JSON',
  'E_BAD_REQUEST',
  'E_PIPELINE_INVALID',
  'E_BODY_TOO_LARGE',
  'E_PATH_INVALID',
  'E_PATH_TOO_LONG',
  'E_PATH_OUTSIDE_ROOT',
  'E_PATH_NOT_WRITABLE',
  'E_UNSAFE_REPOSITORY',
  'E_ANSWER_TOO_LARGE',
  'E_NOT_FOUND',
  'E_EXISTS',
  'E_NOT_A_DIRECTORY',
  'E_IS_A_DIRECTORY',
  'E_NOT_EMPTY',
  'E_LOCKED',
  'E_LOCK_NOT_HELD',
  'E_REF_CHANGED',
  'E_STORE_ROOT',
  'E_IO',
  'E_INTERNAL',
  'E_NO_SPACE',
  'E_READ_ONLY',
  'E_JOB_NOT_FOUND',
  'E_TOO_MANY_FILES',
  'E_BUSY',
  'E_CANCELLED',
  'E_PARAM_INVALID',
  'E_EXPORT_NOT_FOUND',
  'E_RUN_NOT_FOUND',
  'E_EXPORT_MISMATCH',
  'E_RUN_ACTIVE',
  'E_RUN_FINISHED',
  'E_MODEL_INVALID',
  'E_NAME_COLLISION',
  'E_REGISTRY_CORRUPT',
  'E_NOT_CONFIRMED',
  'E_PREFLIGHT_FAILED',
  'E_SERVING_FAILED',
  'E_MLFLOW_UNCONFIGURED',
  'E_NO_REMOTE',
  'E_REMOTE_INVALID',
  'E_REMOTE_REJECTED',
  'E_REMOTE_UNREACHABLE',
  'E_REMOTE_AUTH',
  // Codes raised in the frontend.
  'E_BRIDGE_UNREACHABLE',
  'E_BRIDGE_HTTP',
  'E_BRIDGE_BAD_RESPONSE',
  'E_SETTINGS_INVALID',
  'E_NOT_IMPLEMENTED',
  'E_SECRET_FOUND',
  'E_MANIFEST_INVALID',
  'E_STORE_CORRUPT',
  'E_KERNEL_TIMEOUT',
  'E_KERNEL_UNAVAILABLE'
] as const;

/**
 * A literal error code.
 */
export type ErrorCode = (typeof ERROR_CODES)[number];

const CODES: ReadonlySet<string> = new Set<string>(ERROR_CODES);

/**
 * Whether a string is one of the known error codes.
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

/**
 * An error with a searchable code and structured data.
 */
export class MlopsError<
  TData extends Record<string, unknown> = Record<string, unknown>
> extends Error {
  /**
   * Create an error.
   *
   * @param code - The literal error code.
   * @param message - What happened and what to do next, for the user.
   * @param data - Structured details (path, status, cell, …).
   */
  constructor(code: ErrorCode, message: string, data?: TData) {
    super(message);
    this.name = 'MlopsError';
    this.code = code;
    this.data = (data ?? {}) as TData;
  }

  /**
   * The literal error code, e.g. `E_PATH_OUTSIDE_ROOT`.
   */
  readonly code: ErrorCode;

  /**
   * Structured details of the failure.
   */
  readonly data: TData;

  /**
   * A plain object for logs and the wire.
   */
  toJSON(): { code: ErrorCode; message: string; data: TData } {
    return { code: this.code, message: this.message, data: this.data };
  }

  /**
   * The message with its code, as shown to users.
   */
  toString(): string {
    return `${this.message} [${this.code}]`;
  }
}

/**
 * Whether a value is an MlopsError, optionally with one of the given codes.
 */
export function isMlopsError(
  value: unknown,
  ...codes: ErrorCode[]
): value is MlopsError {
  return (
    value instanceof MlopsError &&
    (codes.length === 0 || codes.includes(value.code))
  );
}

/**
 * Whether a bridge request failed because the server has no such route
 * (404, or 405 for a route it has for other methods): an older server,
 * which the caller then works around.
 */
export function isMissingRoute(reason: unknown): boolean {
  return (
    isMlopsError(reason, 'E_BRIDGE_HTTP') &&
    (reason.data['status'] === 404 || reason.data['status'] === 405)
  );
}

/**
 * What the user can do about errors they can fix outside the lab, keyed by
 * code. The bridge's own message says which file; this says what next.
 */
const ADVICE: Partial<Record<ErrorCode, string>> = {
  // Notifications show about 110 characters before the code: keep them short.
  E_NO_SPACE:
    'The disk holding the experiment store is full. Free some space, then try again. Nothing was saved.',
  E_READ_ONLY:
    'The experiment store is read-only. Make it writable or change the storeDir setting. Nothing was saved.',
  E_REF_CHANGED:
    'Another tab or a Sync changed this experiment meanwhile. Refresh and try again. Nothing was changed.'
};

/**
 * Advice for an error code the user can fix, or undefined.
 */
export function errorAdvice(code: ErrorCode): string | undefined {
  return ADVICE[code];
}

/**
 * The MlopsError behind any failure: the value itself, or the first one in
 * its `cause` chain (the git `fs` adapter wraps bridge errors in node-style
 * errors for isomorphic-git), else `E_IO` with the failure's text. Codes
 * with advice get it as their message; the bridge's message (which file)
 * is kept in `data.detail`.
 */
export function toMlopsError(reason: unknown): MlopsError {
  let found: MlopsError | undefined;
  let current: unknown = reason;
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    if (current instanceof MlopsError) {
      found = current;
      break;
    }
    current =
      typeof current === 'object' && current !== null && 'cause' in current
        ? current.cause
        : undefined;
  }
  if (found === undefined) {
    return new MlopsError('E_IO', String(reason));
  }
  const advice = errorAdvice(found.code);
  return advice === undefined || found.message === advice
    ? found
    : new MlopsError(found.code, advice, {
        ...found.data,
        detail: found.message
      });
}

/**
 * The text users see for a failure: an MlopsError's message and code (its
 * `toString()`), anything else as its own text. With `maxMessage`, a
 * longer message is cut to that many characters (an ellipsis ends it) and
 * the code stays whole: notifications cut their text, and the code is
 * what users search for.
 */
export function describeError(reason: unknown, maxMessage?: number): string {
  const shorten = (text: string) =>
    maxMessage === undefined || text.length <= maxMessage
      ? text
      : `${text.slice(0, Math.max(0, maxMessage - 1))}…`;
  if (!isMlopsError(reason)) {
    return shorten(String(reason));
  }
  const message = shorten(reason.message);
  return message === reason.message
    ? reason.toString()
    : new MlopsError(reason.code, message, reason.data).toString();
}
