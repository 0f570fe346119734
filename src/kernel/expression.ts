import { z } from 'zod';

import { parseLiteral } from '../notebook/parameters';

/**
 * The kernel's answers to `user_expressions` (untrusted: any code in the
 * kernel can shape them), read with zod. Each expression the extension
 * sends evaluates to `repr(json.dumps(value))`, so an answer is
 * `{status: 'ok', data: {'text/plain': "'<json>'"}}`.
 */

/**
 * The most text one answer may carry (10 MB), before any parsing.
 */
export const MAX_EXPRESSION_TEXT = 10_000_000;

/**
 * One expression's result from an `execute_reply` content, by its key;
 * undefined when the reply has no such result.
 */
export function userExpression(content: unknown, key: string): unknown {
  const parsed = Private.executeReply.safeParse(content);
  if (!parsed.success) {
    return undefined;
  }
  const results = parsed.data.user_expressions;
  return Object.hasOwn(results, key) ? results[key] : undefined;
}

/**
 * One user expression's result (untrusted) → the JSON value it carries;
 * undefined for errors, other shapes, over-long text and text that is not
 * a quoted JSON string.
 */
export function decodeExpression(result: unknown): unknown {
  const parsed = Private.okResult.safeParse(result);
  if (!parsed.success) {
    return undefined;
  }
  const json = parseLiteral(parsed.data.data['text/plain']);
  if (typeof json !== 'string') {
    return undefined;
  }
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

namespace Private {
  /**
   * The part of an `execute_reply` content the extension reads.
   */
  export const executeReply = z.object({
    user_expressions: z.record(z.string(), z.unknown())
  });

  /**
   * A result that evaluated: its plain-text representation.
   */
  export const okResult = z.object({
    status: z.literal('ok'),
    data: z.object({
      'text/plain': z.string().max(MAX_EXPRESSION_TEXT)
    })
  });
}
