import { MlopsError } from '../errors';

/**
 * The part of a kernel connection that the tracking layer talks to: one
 * silent `execute_request` with `user_expressions`. Both the live capture
 * (`liveValues.ts`) and the opened-files hook (`openedFiles.ts`) send through
 * it, so it sits below both of them.
 */

/**
 * The part of a kernel connection the capture needs.
 */
export interface IExecutingKernel {
  requestExecute(content: {
    code: string;
    silent: boolean;
    store_history: boolean;
    user_expressions: Record<string, string>;
    allow_stdin: boolean;
  }): { done: Promise<{ content: unknown }> };
}

/**
 * One silent `execute_request` with `user_expressions`; the reply's content.
 * Fails with `E_KERNEL_TIMEOUT` (the message `late`) when the kernel does
 * not answer within `timeoutMs` (busy or stuck).
 */
export async function askSilently(
  kernel: IExecutingKernel,
  expressions: Record<string, string>,
  timeoutMs: number,
  late: string
): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new MlopsError('E_KERNEL_TIMEOUT', late, { timeoutMs })),
      timeoutMs
    );
  });
  try {
    const future = kernel.requestExecute({
      code: '',
      silent: true,
      store_history: false,
      user_expressions: expressions,
      allow_stdin: false
    });
    const reply = await Promise.race([future.done, timeout]);
    return reply.content;
  } finally {
    clearTimeout(timer);
  }
}
