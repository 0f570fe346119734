import type { PipelineIR } from './ir';

/**
 * Parameter overrides typed in the lab, read as the runner reads
 * `--param name=value`: by the IR's type, never evaluated. Pure.
 */

/** One parameter's typed value, or why the text is not one. */
export type Override =
  | { ok: true; value: number | string | boolean | null }
  | { ok: false; error: string };

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

/**
 * Read `text` as a value of `type` (the IR's `int`, `float`, `str`,
 * `bool`, `none`).
 */
export function parseOverride(
  type: PipelineIR['parameters'][number]['type'],
  text: string
): Override {
  const raw = text.trim();
  switch (type) {
    case 'int':
      // Python's int(): digits with an optional sign; no 1e3, no 0x.
      return /^[-+]?\d{1,300}$/.test(raw) && Number.isSafeInteger(Number(raw))
        ? { ok: true, value: Number(raw) }
        : { ok: false, error: `"${text}" is not a whole number` };
    case 'float': {
      const value = raw === '' ? NaN : Number(raw);
      return Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, error: `"${text}" is not a finite number` };
    }
    case 'bool':
      if (TRUE.has(raw.toLowerCase())) {
        return { ok: true, value: true };
      }
      return FALSE.has(raw.toLowerCase())
        ? { ok: true, value: false }
        : { ok: false, error: `"${text}" is not true or false` };
    case 'none':
      return ['none', 'null', ''].includes(raw.toLowerCase())
        ? { ok: true, value: null }
        : { ok: true, value: text };
    default:
      return text.length > 10_000
        ? { ok: false, error: 'longer than 10,000 characters' }
        : { ok: true, value: text };
  }
}

/**
 * The overrides of a form: only values that differ from the defaults, and
 * the errors by parameter name.
 */
export function readOverrides(
  parameters: PipelineIR['parameters'],
  texts: Readonly<Record<string, string>>
): {
  params: Record<string, number | string | boolean | null>;
  errors: Record<string, string>;
} {
  const params: Record<string, number | string | boolean | null> = {};
  const errors: Record<string, string> = {};
  for (const parameter of parameters) {
    const text = texts[parameter.name];
    if (text === undefined) {
      continue;
    }
    const parsed = parseOverride(parameter.type, text);
    if (!parsed.ok) {
      errors[parameter.name] = parsed.error;
    } else if (parsed.value !== parameter.default) {
      params[parameter.name] = parsed.value;
    }
  }
  return { params, errors };
}

/** A default as the form shows it. */
export function overrideText(value: number | string | boolean | null): string {
  return value === null ? 'None' : String(value);
}
