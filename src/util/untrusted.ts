/**
 * A property of an untrusted value (parsed JSON, kernel replies), or
 * undefined when the value is not an object or has no such key.
 */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value
    ? (value as Record<string, unknown>)[key]
    : undefined;
}
