import { z } from 'zod';

/**
 * Static reading of a parameters cell (papermill `parameters` or Kale
 * `pipeline-parameters`): simple `name = literal` assignments only. Values
 * the kernel holds come from the live capture; this works with no kernel.
 */

/**
 * A parameter value as the manifest stores it (strings up to 10,000
 * characters), and its zod schema for values read from outside.
 */
export const parameterValue = z.union([
  z.number(),
  z.string().max(10_000),
  z.boolean(),
  z.null()
]);

export type ParameterValue = z.infer<typeof parameterValue>;

const ASSIGNMENT =
  /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z_][\w.[\], ]*)?=\s*(.+)$/;

/**
 * The literal assignments of a parameters cell, in order. Lines that are not
 * a simple literal assignment are skipped (they are reported, not guessed).
 */
export function parseParameters(source: string): {
  values: Record<string, ParameterValue>;
  skipped: number[];
} {
  const values: Record<string, ParameterValue> = {};
  const skipped: number[] = [];
  source.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) {
      return;
    }
    const match = ASSIGNMENT.exec(line);
    const value = match
      ? parseLiteral(Private.stripComment(match[2]))
      : undefined;
    if (!match || value === undefined) {
      skipped.push(index + 1);
      return;
    }
    values[match[1]] = value;
  });
  return { values, skipped };
}

/**
 * A Python literal as a parameter value: int, float, str, bool, None.
 * Returns undefined for anything else (lists, calls, names, f-strings).
 */
export function parseLiteral(text: string): ParameterValue | undefined {
  const t = text.trim();
  if (t === 'True' || t === 'False') {
    return t === 'True';
  }
  if (t === 'None') {
    return null;
  }
  if (
    /^[-+]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][-+]?\d+)?$/.test(t) &&
    !/__|_$|_\.|\._/.test(t)
  ) {
    const n = Number(t.replace(/_/g, ''));
    return Number.isFinite(n) ? n : undefined;
  }
  const quoted = /^([rRbBuU]?)(['"])(.*)\2$/.exec(t);
  if (quoted && !/[bB]/.test(quoted[1])) {
    const body = quoted[3];
    if (quoted[1].toLowerCase() === 'r') {
      return body.includes(quoted[2]) ? undefined : body;
    }
    return Private.unescape(body, quoted[2]);
  }
  return undefined;
}

namespace Private {
  /**
   * Drop a trailing `# comment` that is not inside quotes.
   */
  export function stripComment(text: string): string {
    let quote: string | null = null;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quote) {
        if (c === '\\') {
          i++;
        } else if (c === quote) {
          quote = null;
        }
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '#') {
        return text.slice(0, i).trim();
      }
    }
    return text.trim();
  }

  const ESCAPES: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '\\': '\\',
    "'": "'",
    '"': '"',
    '0': '\0'
  };

  /**
   * Python string escapes (the common ones); undefined if the body has an
   * unescaped closing quote or an escape we do not read.
   */
  export function unescape(body: string, quote: string): string | undefined {
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c === quote) {
        return undefined;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = body[++i];
      const mapped = next === undefined ? undefined : ESCAPES[next];
      if (mapped === undefined) {
        return undefined;
      }
      out += mapped;
    }
    return out;
  }
}
