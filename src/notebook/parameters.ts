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

// `name = value` or `name: annotation = value`; the annotation may quote
// (`c: "NoneType" = None`). Linear: the annotation's alternatives start
// with disjoint characters.
const ASSIGNMENT =
  /^([A-Za-z_][A-Za-z0-9_]*)\s*(?::((?:[^='"\n]|'[^'\n]*'|"[^"\n]*")*))?=(?!=)\s*(.*)$/;

/**
 * Why a line of a parameters cell was not read as a parameter:
 * - `not-an-assignment`: not `name = …` (an import, a call, `x += 1`, …);
 * - `not-a-literal`: the value is an expression, a name, a list, …;
 * - `multi-line`: part of a statement that spans lines;
 * - `no-value`: an annotation without a value (`x: int`).
 */
export const SKIP_REASONS = [
  'not-an-assignment',
  'not-a-literal',
  'multi-line',
  'no-value'
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

/**
 * One skipped line: its number (1-based), its text (trimmed, at most 200
 * characters) and why.
 */
export interface ISkippedLine {
  line: number;
  text: string;
  reason: SkipReason;
}

/**
 * The literal assignments of a parameters cell, in order. Lines that are not
 * a simple literal assignment are skipped and reported (`skipped` lists
 * their numbers, `notes` says why), never guessed.
 */
export function parseParameters(source: string): {
  values: Record<string, ParameterValue>;
  skipped: number[];
  notes: ISkippedLine[];
} {
  const values: Record<string, ParameterValue> = {};
  const notes: ISkippedLine[] = [];
  // Open brackets of a statement that goes on over the next lines, or a
  // line that ended with a backslash.
  let depth = 0;
  let backslash = false;
  source.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    const skip = (reason: SkipReason) =>
      notes.push({ line: index + 1, text: line.slice(0, 200), reason });
    if (depth > 0 || backslash) {
      if (line !== '' && !line.startsWith('#')) {
        skip('multi-line');
      }
      depth = Math.max(0, depth + Private.bracketBalance(line));
      backslash = line.endsWith('\\');
      return;
    }
    if (line === '' || line.startsWith('#')) {
      return;
    }
    const balance = Private.bracketBalance(line);
    if (balance > 0 || line.endsWith('\\')) {
      depth = Math.max(balance, 0);
      backslash = line.endsWith('\\');
      skip('multi-line');
      return;
    }
    const match = ASSIGNMENT.exec(line);
    if (!match) {
      skip(
        /^[A-Za-z_][A-Za-z0-9_]*\s*:[^=]*$/.test(line)
          ? 'no-value'
          : 'not-an-assignment'
      );
      return;
    }
    const value = parseLiteral(Private.stripComment(match[3]));
    if (value === undefined) {
      skip('not-a-literal');
      return;
    }
    values[match[1]] = value;
  });
  return { values, skipped: notes.map(note => note.line), notes };
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
   * Open minus closed brackets of a line, outside strings and comments.
   */
  export function bracketBalance(line: string): number {
    let quote: string | null = null;
    let balance = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quote) {
        if (c === '\\') {
          i++;
        } else if (c === quote) {
          quote = null;
        }
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '#') {
        break;
      } else if (c === '(' || c === '[' || c === '{') {
        balance++;
      } else if (c === ')' || c === ']' || c === '}') {
        balance--;
      }
    }
    return balance;
  }

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
