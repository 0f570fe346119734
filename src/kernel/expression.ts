import { parseLiteral } from '../notebook/parameters';
import { field } from '../util/untrusted';

/**
 * One user expression's result (untrusted): `{status: 'ok', data:
 * {'text/plain': repr(json)}}` → the JSON value; undefined for errors.
 */
export function decodeExpression(result: unknown): unknown {
  if (field(result, 'status') !== 'ok') {
    return undefined;
  }
  const text = field(field(result, 'data'), 'text/plain');
  if (typeof text !== 'string' || text.length > 10_000_000) {
    return undefined;
  }
  const json = parseLiteral(text);
  if (typeof json !== 'string') {
    return undefined;
  }
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}
