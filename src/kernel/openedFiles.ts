import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';
import { z } from 'zod';

import { AUDIT_LIMIT, auditExpression, IAuditOptions } from './auditHook';
import { decodeExpression, userExpression } from './expression';
import type { IExecutingKernel } from './protocol';

/**
 * Files the kernel actually opened, as the audit hook (`auditHook.ts`)
 * records them: installed when a notebook's kernel is ready and after each
 * restart, read back by a snapshot, and every reported path checked here
 * (the report is untrusted: any code in the kernel can shape it).
 * DOM-free.
 */

/**
 * What the kernel reported.
 */
export interface IAuditReport {
  /** Paths relative to the Jupyter root, normalized, hostile ones dropped. */
  paths: string[];
  /** The kernel saw more files than its limit. */
  truncated: boolean;
}

/**
 * Install the hook in a kernel (when it has none yet), silently: one
 * `user_expressions` request, no code cell, nothing in the history. Called
 * when a notebook's kernel becomes ready or restarts, so files opened
 * before the first snapshot are seen. Resolves with what the hook has
 * recorded so far, or null when the kernel could not install it.
 */
export async function installAuditHook(
  kernel: IExecutingKernel,
  options: IAuditOptions
): Promise<IAuditReport | null> {
  const reply = await kernel.requestExecute({
    code: '',
    silent: true,
    store_history: false,
    user_expressions: { audit: auditExpression(options) },
    allow_stdin: false
  }).done;
  return readAuditResult(userExpression(reply.content, 'audit'), options.limit);
}

/**
 * One `user_expressions` result for `auditExpression` (untrusted) as a
 * report: `{status: 'ok', data: {'text/plain': repr(json)}}`.
 */
export function readAuditResult(
  result: unknown,
  limit = AUDIT_LIMIT
): IAuditReport | null {
  return parseAuditReport(decodeExpression(result), limit);
}

/**
 * The kernel's report (already JSON-decoded, untrusted) as validated paths:
 * each one relative and normalized (`..`, absolute, control characters and
 * over-long paths are dropped), at most `limit`.
 */
export function parseAuditReport(
  value: unknown,
  limit = AUDIT_LIMIT
): IAuditReport | null {
  const parsed = Private.report.safeParse(value);
  if (!parsed.success) {
    return null;
  }
  const raw = parsed.data.paths;
  const truncated = parsed.data.truncated === true;
  const paths = new Set<string>();
  for (const item of raw.slice(0, limit)) {
    if (typeof item !== 'string') {
      continue;
    }
    if (Private.isRelativePath(item)) {
      paths.add(item);
    }
  }
  return {
    paths: [...paths].sort(),
    truncated: truncated || raw.length > limit
  };
}

/**
 * The part of a kernel connection the audit watcher needs.
 */
export interface IWatchedKernel extends IExecutingKernel {
  readonly status: string;
  readonly statusChanged: ISignal<unknown, string>;
}

/**
 * Keep the audit hook installed in a kernel: now (queued ahead of any cell
 * if the kernel is still starting), and again each time it is idle after
 * starting or restarting (a restarted kernel is a new process without the
 * hook). Returns a disposable that stops
 * watching; failures go to `onError` (a snapshot installs the hook too).
 */
export function watchKernelAudit(
  kernel: IWatchedKernel,
  options: () => IAuditOptions,
  onError: (reason: unknown) => void = () => undefined
): IDisposable {
  let needed = true;
  // A restart cancels a pending install; that is no failure (the new
  // process gets its own install), so only errors of the current
  // process are reported.
  let generation = 0;
  const install = () => {
    needed = false;
    const started = generation;
    installAuditHook(kernel, options()).catch(reason => {
      if (started === generation) {
        onError(reason);
      }
    });
  };
  const onStatus = (_: unknown, status: string) => {
    if (status === 'restarting' || status === 'autorestarting') {
      needed = true;
      generation += 1;
      // Sent right away, the request would be dropped: the connection
      // clears its queue just after this signal. One microtask later it
      // waits in the new queue and reaches the new process before any
      // cell run after the restart (waiting for 'idle' could come after
      // the first cell, or never: a restarted connection may stay
      // 'restarting' until something is sent).
      void Promise.resolve().then(() => {
        if (needed) {
          install();
        }
      });
    } else if (status === 'starting') {
      needed = true;
      generation += 1;
    } else if (status === 'idle' && needed) {
      install();
    }
  };
  kernel.statusChanged.connect(onStatus);
  if (kernel.status === 'restarting' || kernel.status === 'autorestarting') {
    onStatus(kernel, kernel.status);
  } else if (kernel.status !== 'dead') {
    // Now, even while the kernel is still starting: the connection sends
    // what was queued, in order, once it is up, so the hook is in place
    // before the first cell the user runs (waiting for 'idle' let that
    // cell go first). The install is idempotent: the one on 'idle' after
    // 'starting' finds the hook there.
    install();
  }
  let disposed = false;
  return {
    get isDisposed() {
      return disposed;
    },
    dispose: () => {
      if (!disposed) {
        disposed = true;
        kernel.statusChanged.disconnect(onStatus);
      }
    }
  };
}

namespace Private {
  /**
   * The hook's report: the paths it saw and whether it stopped counting.
   */
  export const report = z.object({
    paths: z.array(z.unknown()),
    truncated: z.unknown().optional()
  });

  /**
   * A normalized relative POSIX path the bridge accepts: no `.`, `..` or
   * empty component, no leading `/`, no control character or backslash.
   * File names are otherwise free (quotes, brackets, `<img …>`): they are
   * data, rendered as text.
   */
  export function isRelativePath(path: string): boolean {
    return (
      path.length > 0 &&
      path.length <= 1024 &&
      !path.startsWith('~') &&
      !path.includes('\\') &&
      ![...path].some(char => {
        const code = char.charCodeAt(0);
        return code < 0x20 || (code >= 0x7f && code <= 0x9f);
      }) &&
      path
        .split('/')
        .every(part => part !== '' && part !== '.' && part !== '..')
    );
  }
}
