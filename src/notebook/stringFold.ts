import { parseLiteral } from './parameters';

/**
 * Constant folding of the simple string expressions notebooks build paths
 * with, for the static search of data paths (`dataPaths.ts`): string
 * literals, names bound to constant strings, `+`, f-strings of names,
 * `os.path.join(…)`, `pathlib.Path(…)` and its `/`, `str(…)`. Anything else
 * is unknown. DOM-free.
 *
 * Bounded on hostile input: an expression is at most `MAX_EXPRESSION`
 * characters (so its tokens and nesting are too), and a folded value at most
 * `MAX_VALUE` characters (doubling a name again and again cannot blow up:
 * the value becomes unknown). One fold costs O(expression length).
 */

/**
 * A folded value: a `str`, or a `pathlib` path (which `/` joins).
 */
export interface IFolded {
  kind: 'str' | 'path';
  value: string;
}

/**
 * The longest expression folded (longer ones are unknown).
 */
export const MAX_EXPRESSION = 1024;

/**
 * The longest folded value (longer ones are unknown).
 */
export const MAX_VALUE = 4096;

/**
 * Fold an expression with the constant names known so far; undefined when
 * it is not a constant string expression.
 */
export function foldString(
  expression: string,
  names: ReadonlyMap<string, IFolded>
): IFolded | undefined {
  if (expression.length > MAX_EXPRESSION) {
    return undefined;
  }
  const tokens = Private.tokenize(expression);
  if (tokens === undefined || tokens.length === 0) {
    return undefined;
  }
  const parser = new Private.Parser(tokens, names);
  const value = parser.expression(0);
  return parser.atEnd() ? value : undefined;
}

namespace Private {
  type Token =
    | { type: 'str'; raw: string }
    | { type: 'name'; name: string }
    | { type: 'op'; op: '+' | '/' | '(' | ')' | ',' };

  const MAX_DEPTH = 32;
  const OPS = ['+', '/', '(', ')', ','] as const;
  // Callees that make a path, join paths, or make a string.
  const PATHS = new Set([
    'Path',
    'PurePath',
    'PosixPath',
    'pathlib.Path',
    'pathlib.PurePath',
    'pathlib.PosixPath'
  ]);
  const JOINS = new Set(['os.path.join', 'path.join', 'osp.join']);
  const STRS = new Set(['str', 'os.fspath']);

  /**
   * The tokens of an expression, or undefined for anything we do not fold
   * (triple quotes, bytes, numbers, other operators).
   */
  export function tokenize(text: string): Token[] | undefined {
    const tokens: Token[] = [];
    const pattern =
      /\s+|([rRuUfF]{0,2})("[^"\\\n]*(?:\\.[^"\\\n]*)*"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|([+/(),])/y;
    let at = 0;
    while (at < text.length) {
      pattern.lastIndex = at;
      const match = pattern.exec(text);
      if (match === null) {
        return undefined;
      }
      at = pattern.lastIndex;
      if (match[2] !== undefined) {
        tokens.push({ type: 'str', raw: `${match[1]}${match[2]}` });
      } else if (match[3] !== undefined) {
        tokens.push({ type: 'name', name: match[3] });
      } else if (match[4] !== undefined) {
        const op = OPS.find(o => o === match[4]);
        if (op !== undefined) {
          tokens.push({ type: 'op', op });
        }
      }
    }
    return tokens;
  }

  /**
   * A recursive-descent reader of `term (('+' | '/') term)*`.
   */
  export class Parser {
    private at = 0;

    constructor(
      private readonly tokens: Token[],
      private readonly names: ReadonlyMap<string, IFolded>
    ) {}

    atEnd(): boolean {
      return this.at === this.tokens.length;
    }

    expression(depth: number): IFolded | undefined {
      let left = this.term(depth);
      while (left !== undefined && this.isOp('+', '/')) {
        const op = this.next();
        const right = this.term(depth);
        left = right === undefined ? undefined : combine(left, op, right);
      }
      return left;
    }

    private term(depth: number): IFolded | undefined {
      const token = this.tokens[this.at++];
      if (token === undefined || depth > MAX_DEPTH) {
        return undefined;
      }
      if (token.type === 'str') {
        return literal(token.raw, this.names);
      }
      if (token.type === 'op') {
        if (token.op !== '(') {
          return undefined;
        }
        const inner = this.expression(depth + 1);
        return this.take(')') ? inner : undefined;
      }
      if (!this.isOp('(')) {
        return this.names.get(token.name);
      }
      this.at++;
      const args: IFolded[] = [];
      while (!this.isOp(')')) {
        const arg = this.expression(depth + 1);
        if (arg === undefined) {
          return undefined;
        }
        args.push(arg);
        if (!this.take(',')) {
          break;
        }
      }
      return this.take(')') ? call(token.name, args) : undefined;
    }

    private isOp(...ops: string[]): boolean {
      const token = this.tokens[this.at];
      return token?.type === 'op' && ops.includes(token.op);
    }

    private take(op: string): boolean {
      if (!this.isOp(op)) {
        return false;
      }
      this.at++;
      return true;
    }

    private next(): '+' | '/' {
      const token = this.tokens[this.at++];
      return token?.type === 'op' && token.op === '/' ? '/' : '+';
    }
  }

  function bounded(folded: IFolded): IFolded | undefined {
    return folded.value.length > MAX_VALUE ? undefined : folded;
  }

  // Python's rules: str + str, and a path on either side of `/`.
  function combine(
    left: IFolded,
    op: '+' | '/',
    right: IFolded
  ): IFolded | undefined {
    if (op === '+') {
      return left.kind === 'str' && right.kind === 'str'
        ? bounded({ kind: 'str', value: left.value + right.value })
        : undefined;
    }
    return left.kind === 'path' || right.kind === 'path'
      ? bounded({ kind: 'path', value: join([left.value, right.value]) })
      : undefined;
  }

  function call(name: string, args: IFolded[]): IFolded | undefined {
    if (PATHS.has(name)) {
      const value = args.length === 0 ? '.' : join(args.map(a => a.value));
      return bounded({ kind: 'path', value });
    }
    if (JOINS.has(name) && args.length > 0) {
      return bounded({ kind: 'str', value: join(args.map(a => a.value)) });
    }
    if (STRS.has(name) && args.length === 1) {
      return { kind: 'str', value: args[0].value };
    }
    return undefined;
  }

  // os.path.join and pathlib alike: an absolute part starts over.
  function join(parts: string[]): string {
    let out = '';
    for (const part of parts) {
      if (part.startsWith('/') || out === '') {
        out = part;
      } else if (part !== '') {
        out = out.endsWith('/') ? out + part : `${out}/${part}`;
      }
    }
    return out;
  }

  // A string literal; an f-string only of `{name}` fields that are known.
  function literal(
    raw: string,
    names: ReadonlyMap<string, IFolded>
  ): IFolded | undefined {
    const prefix = /^[rRuUfF]*/.exec(raw)?.[0] ?? '';
    if (!/[fF]/.test(prefix)) {
      const value = parseLiteral(raw);
      return typeof value === 'string' ? { kind: 'str', value } : undefined;
    }
    const body = parseLiteral(
      prefix.replace(/[fF]/, '') + raw.slice(prefix.length)
    );
    if (typeof body !== 'string') {
      return undefined;
    }
    let out = '';
    const field = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}]|[^{}]+/gy;
    for (let m = field.exec(body); m !== null; m = field.exec(body)) {
      if (m[0] === '{{' || m[0] === '}}') {
        out += m[0][0];
      } else if (m[1] !== undefined) {
        const known = names.get(m[1]);
        if (known === undefined) {
          return undefined;
        }
        out += known.value;
      } else if (m[0] === '{' || m[0] === '}') {
        return undefined;
      } else {
        out += m[0];
      }
      if (out.length > MAX_VALUE) {
        return undefined;
      }
    }
    return { kind: 'str', value: out };
  }
}
