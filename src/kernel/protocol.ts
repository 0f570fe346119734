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
