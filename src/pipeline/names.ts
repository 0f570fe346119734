import { parser } from '@lezer/python';
import type { SyntaxNode } from '@lezer/common';

/**
 * Which names a piece of notebook code defines and which it reads from
 * outside, by static analysis of the Python (parsed with `@lezer/python`,
 * which never throws: code it cannot read gives fewer names, not an
 * error). The scope rules that matter for passing variables between
 * steps: assignments of every kind (tuples, starred, augmented, annotated,
 * chained, walrus), `for`/`with`/`except` targets, imports, `def` and
 * `class`, `global`, `del`, and the local scopes of functions, lambdas,
 * classes and comprehensions. IPython magics (`%`, `%%`, `!`) are read as
 * IPython runs them. DOM-free.
 */

/**
 * What one piece of code does with names.
 */
export interface ICodeNames {
  /** Names bound at module level, in the order first bound. */
  defines: string[];
  /**
   * Names read before this code binds them (at module level, or free in
   * a function, lambda, class or comprehension and bound nowhere here),
   * builtins left out; in the order first read.
   */
  uses: string[];
}

/**
 * The names a piece of code (one or more cells, joined) defines and uses.
 */
export function analyzeNames(source: string): ICodeNames {
  const code = pythonOfIPython(source);
  const tree = parser.parse(code);
  const module = new Private.Scope('module', null);
  const walker = new Private.Walker(code);
  walker.block(tree.topNode, module);
  const defined = new Set(module.order);
  const uses = [...module.reads];
  for (const name of module.lateReads) {
    if (!defined.has(name) && !uses.includes(name)) {
      uses.push(name);
    }
  }
  return {
    defines: module.order,
    uses: uses.filter(name => !PYTHON_BUILTINS.has(name))
  };
}

/**
 * IPython source as Python with the same names: line magics and shell
 * escapes become `pass` (an assignment from one, `x = !ls`, keeps its
 * target), `obj?` help lines too; a cell magic that runs Python
 * (`%%time`, `%%capture out`, …) keeps its body, any other (`%%bash`)
 * has no Python at all.
 */
export function pythonOfIPython(source: string): string {
  const lines = source.split(/\r\n|\r|\n/);
  const first = lines[0]?.trim() ?? '';
  let prefix = '';
  if (first.startsWith('%%')) {
    const [magic, ...args] = first.slice(2).trim().split(/\s+/);
    if (!PYTHON_CELL_MAGICS.has(magic)) {
      return '';
    }
    // `%%capture out` binds `out`.
    if (magic === 'capture') {
      const target = args.find(arg => !arg.startsWith('-'));
      if (target !== undefined && IDENTIFIER.test(target)) {
        prefix = `${target} = None`;
      }
    }
    lines[0] = prefix;
  }
  return lines
    .map(line => {
      const assigned = MAGIC_ASSIGNMENT.exec(line);
      if (assigned) {
        return `${assigned[1]}${assigned[2]} = None`;
      }
      const escaped = MAGIC_LINE.exec(line);
      if (escaped) {
        return `${escaped[1]}pass`;
      }
      return line;
    })
    .join('\n');
}

/** Cell magics whose body is Python run in the notebook's namespace. */
const PYTHON_CELL_MAGICS = new Set([
  'time',
  'timeit',
  'capture',
  'prun',
  'python',
  'python3',
  'debug'
]);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// `x = !ls`, `files = %sx ls`: the target, then the magic.
const MAGIC_ASSIGNMENT = /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[!%]/;
// `%matplotlib inline`, `!pip install x`, `obj?`, `??obj`.
const MAGIC_LINE =
  /^(\s*)(?:[!%]|\?\?|\?(?=[A-Za-z_])|[A-Za-z_][\w.]*\?\??\s*$)/;

/**
 * Python's builtins: reading one is not reading a variable of another step.
 */
export const PYTHON_BUILTINS: ReadonlySet<string> = new Set(
  (
    'abs aiter all anext any ascii bin bool breakpoint bytearray bytes ' +
    'callable chr classmethod compile complex copyright credits delattr ' +
    'dict dir divmod enumerate eval exec exit filter float format ' +
    'frozenset getattr globals hasattr hash help hex id input int ' +
    'isinstance issubclass iter len license list locals map max ' +
    'memoryview min next object oct open ord pow print property quit ' +
    'range repr reversed round set setattr slice sorted staticmethod str ' +
    'sum super tuple type vars zip __import__ __name__ __file__ __doc__ ' +
    '__builtins__ __spec__ __loader__ __package__ __debug__ ' +
    'BaseException BaseExceptionGroup Exception ExceptionGroup ' +
    'ArithmeticError AssertionError AttributeError BlockingIOError ' +
    'BrokenPipeError BufferError BytesWarning ChildProcessError ' +
    'ConnectionAbortedError ConnectionError ConnectionRefusedError ' +
    'ConnectionResetError DeprecationWarning EOFError EncodingWarning ' +
    'EnvironmentError FileExistsError FileNotFoundError ' +
    'FloatingPointError FutureWarning GeneratorExit IOError ImportError ' +
    'ImportWarning IndentationError IndexError InterruptedError ' +
    'IsADirectoryError KeyError KeyboardInterrupt LookupError MemoryError ' +
    'ModuleNotFoundError NameError NotADirectoryError NotImplemented ' +
    'NotImplementedError OSError OverflowError PendingDeprecationWarning ' +
    'PermissionError ProcessLookupError RecursionError ReferenceError ' +
    'ResourceWarning RuntimeError RuntimeWarning StopAsyncIteration ' +
    'StopIteration SyntaxError SyntaxWarning SystemError SystemExit ' +
    'TabError TimeoutError TypeError UnboundLocalError ' +
    'UnicodeDecodeError UnicodeEncodeError UnicodeError ' +
    'UnicodeTranslateError UnicodeWarning UserWarning ValueError Warning ' +
    'ZeroDivisionError Ellipsis None True False ' +
    // What IPython puts in every namespace.
    'display get_ipython In Out _ __ ___ _i _ii _iii _oh _dh exit quit'
  ).split(' ')
);

namespace Private {
  export type ScopeKind = 'module' | 'function' | 'class' | 'comprehension';

  /**
   * One scope: what it binds and what it reads from outside.
   */
  export class Scope {
    constructor(
      readonly kind: ScopeKind,
      readonly parent: Scope | null
    ) {}

    /** Bound here, in order (module) or at all (nested). */
    readonly order: string[] = [];
    readonly bound = new Set<string>();
    /** Read before bound here (module scope, in order). */
    readonly reads: string[] = [];
    /** Read anywhere in a nested scope (resolved when it closes). */
    readonly used = new Set<string>();
    /** Free in nested scopes: read when they run, not in order. */
    readonly lateReads = new Set<string>();
    /** `global` names of a function. */
    readonly globals = new Set<string>();

    bind(name: string): void {
      if (this.globals.has(name) && this.kind !== 'module') {
        this.module().bind(name);
        return;
      }
      if (!this.bound.has(name)) {
        this.bound.add(name);
        this.order.push(name);
      }
    }

    read(name: string): void {
      if (this.kind === 'module') {
        if (!this.bound.has(name) && !this.reads.includes(name)) {
          this.reads.push(name);
        }
      } else {
        this.used.add(name);
      }
    }

    /** Close a nested scope: what it read and did not bind is free. */
    close(): void {
      const outer = this.parent;
      if (!outer) {
        return;
      }
      for (const name of this.used) {
        if (!this.bound.has(name) || this.globals.has(name)) {
          if (outer.kind !== 'module') {
            outer.used.add(name);
          } else if (this.kind === 'comprehension') {
            // A comprehension runs where it stands: an ordered read.
            outer.read(name);
          } else {
            outer.lateReads.add(name);
          }
        }
      }
      for (const name of this.lateReads) {
        if (outer.kind === 'module') {
          outer.lateReads.add(name);
        } else {
          outer.used.add(name);
        }
      }
    }

    module(): Scope {
      return this.parent ? this.parent.module() : this;
    }

    /** Where a walrus binds: the nearest scope that is no comprehension. */
    walrusScope(): Scope {
      return this.kind === 'comprehension' && this.parent
        ? this.parent.walrusScope()
        : this;
    }
  }

  const COMPREHENSIONS = new Set([
    'ArrayComprehensionExpression',
    'DictionaryComprehensionExpression',
    'SetComprehensionExpression',
    'ComprehensionExpression'
  ]);

  // Deeper than any real code; a hostile notebook cannot overflow the stack.
  const MAX_DEPTH = 200;

  function children(node: SyntaxNode): SyntaxNode[] {
    const list: SyntaxNode[] = [];
    for (let child = node.firstChild; child; child = child.nextSibling) {
      list.push(child);
    }
    return list;
  }

  /**
   * Walks a tree, binding and reading names in the order Python would.
   */
  export class Walker {
    constructor(private readonly _code: string) {}

    private _depth = 0;

    text(node: SyntaxNode): string {
      return this._code.slice(node.from, node.to);
    }

    block(node: SyntaxNode, scope: Scope): void {
      for (const child of children(node)) {
        this.node(child, scope);
      }
    }

    node(node: SyntaxNode, scope: Scope): void {
      if (this._depth >= MAX_DEPTH) {
        return;
      }
      this._depth += 1;
      try {
        this._node(node, scope);
      } finally {
        this._depth -= 1;
      }
    }

    private _node(node: SyntaxNode, scope: Scope): void {
      switch (node.name) {
        case 'VariableName':
          scope.read(this.text(node));
          return;
        case 'AssignStatement':
          return this._assign(node, scope);
        case 'UpdateStatement': {
          const [target, ...rest] = children(node);
          rest.forEach(child => this.node(child, scope));
          this.node(target, scope);
          this._targets(target, scope);
          return;
        }
        case 'NamedExpression': {
          const [target, ...rest] = children(node);
          rest.forEach(child => this.node(child, scope));
          if (target?.name === 'VariableName') {
            scope.walrusScope().bind(this.text(target));
          }
          return;
        }
        case 'ForStatement':
          return this._for(node, scope);
        case 'WithStatement':
        case 'TryStatement':
          return this._as(node, scope);
        case 'ImportStatement':
          return this._import(node, scope);
        case 'FunctionDefinition':
        case 'ClassDefinition':
          return this._definition(node, scope);
        case 'LambdaExpression':
          return this._lambda(node, scope);
        case 'ScopeStatement':
          for (const child of children(node)) {
            if (child.name === 'VariableName') {
              scope.globals.add(this.text(child));
            }
          }
          return;
        case 'DeleteStatement':
          this.block(node, scope);
          return;
        case 'ArgList':
          return this._arguments(node, scope);
        default:
          if (COMPREHENSIONS.has(node.name)) {
            return this._comprehension(node, scope);
          }
          this.block(node, scope);
      }
    }

    /** `a = b = value`: the value first, then each target. */
    private _assign(node: SyntaxNode, scope: Scope): void {
      const parts = children(node);
      const lastOp = parts.map(part => part.name).lastIndexOf('AssignOp');
      if (lastOp < 0) {
        // `x: int` alone binds nothing; its annotation is read.
        parts
          .filter(part => part.name === 'TypeDef')
          .forEach(part => this.block(part, scope));
        return;
      }
      const targets = parts.slice(0, lastOp);
      parts.slice(lastOp + 1).forEach(part => this.node(part, scope));
      for (const target of targets) {
        if (target.name === 'TypeDef') {
          // The annotation is read.
          this.block(target, scope);
        } else if (target.name !== 'AssignOp' && target.name !== ',') {
          this._targets(target, scope);
        }
      }
    }

    /** Bind what a target names; `obj.attr = …` and `d[k] = …` read. */
    private _targets(node: SyntaxNode, scope: Scope): void {
      switch (node.name) {
        case 'VariableName':
          scope.bind(this.text(node));
          return;
        case 'TupleExpression':
        case 'ArrayExpression':
        case 'ParenthesizedExpression':
          children(node).forEach(child => this._targets(child, scope));
          return;
        case 'MemberExpression':
          this.node(node, scope);
          return;
        default:
          return;
      }
    }

    /** `for targets in iterable: body` (also inside comprehensions). */
    private _for(node: SyntaxNode, scope: Scope): void {
      const parts = children(node);
      const inAt = parts.findIndex(part => part.name === 'in');
      if (inAt < 0) {
        return this.block(node, scope);
      }
      // The iterable, then the targets, then the body and `else`.
      const [iterable, ...rest] = parts.slice(inAt + 1);
      if (iterable) {
        this.node(iterable, scope);
      }
      parts.slice(1, inAt).forEach(target => this._targets(target, scope));
      rest.forEach(part => this.node(part, scope));
    }

    /** `with x as y`, `except E as e`: what follows `as` is bound. */
    private _as(node: SyntaxNode, scope: Scope): void {
      const parts = children(node);
      parts.forEach((part, i) => {
        if (i > 0 && parts[i - 1].name === 'as') {
          this._targets(part, scope);
        } else {
          this.node(part, scope);
        }
      });
    }

    /** `import a.b as c, d` binds c and a... `from m import n as o` binds o. */
    private _import(node: SyntaxNode, scope: Scope): void {
      const parts = children(node);
      const importAt = parts.findIndex(part => part.name === 'import');
      const fromImport = parts[0]?.name === 'from';
      let item: string[] = [];
      let alias: string | null = null;
      let aliasNext = false;
      const flush = () => {
        const name = alias ?? (fromImport ? item[item.length - 1] : item[0]);
        if (name !== undefined) {
          scope.bind(name);
        }
        item = [];
        alias = null;
      };
      for (const part of parts.slice(importAt + 1)) {
        if (part.name === 'VariableName') {
          if (aliasNext) {
            alias = this.text(part);
            aliasNext = false;
          } else {
            item.push(this.text(part));
          }
        } else if (part.name === 'as') {
          aliasNext = true;
        } else if (part.name === ',') {
          flush();
        }
      }
      flush();
    }

    /** `def f(params): body`, `class K(bases): body`, decorators. */
    private _definition(node: SyntaxNode, scope: Scope): void {
      const parts = children(node);
      const kind = node.name === 'ClassDefinition' ? 'class' : 'function';
      const inner = new Scope(kind, scope);
      let named = false;
      for (const part of parts) {
        if (part.name === 'VariableName' && !named) {
          named = true;
          scope.bind(this.text(part));
        } else if (part.name === 'ParamList') {
          this._parameters(part, scope, inner);
        } else if (part.name === 'Body') {
          this.block(part, inner);
        } else {
          // Decorators, bases, return annotations: read outside.
          this.node(part, scope);
        }
      }
      inner.close();
    }

    /** Parameters bind in `inner`; defaults and annotations read outside. */
    private _parameters(node: SyntaxNode, outer: Scope, inner: Scope): void {
      let value = false;
      for (const part of children(node)) {
        if (part.name === 'AssignOp') {
          value = true;
        } else if (part.name === ',') {
          value = false;
        } else if (part.name === 'VariableName' && !value) {
          inner.bind(this.text(part));
        } else {
          this.node(part, outer);
        }
      }
    }

    private _lambda(node: SyntaxNode, scope: Scope): void {
      const inner = new Scope('function', scope);
      for (const part of children(node)) {
        if (part.name === 'ParamList') {
          this._parameters(part, scope, inner);
        } else {
          this.node(part, inner);
        }
      }
      inner.close();
    }

    /** `f(x, key=value)`: `key` is no variable. */
    private _arguments(node: SyntaxNode, scope: Scope): void {
      const parts = children(node);
      // `sum(x for x in xs)`: a generator expression as the one argument.
      if (parts.some(part => part.name === 'for')) {
        return this._comprehension(node, scope);
      }
      parts.forEach((part, i) => {
        if (part.name === 'VariableName' && parts[i + 1]?.name === 'AssignOp') {
          return;
        }
        this.node(part, scope);
      });
    }

    /**
     * A comprehension is a scope of its own: its `for` targets are local;
     * everything else it reads comes from outside.
     */
    private _comprehension(node: SyntaxNode, scope: Scope): void {
      const inner = new Scope('comprehension', scope);
      const parts = children(node);
      // Targets first (between `for` and `in`), so reads of them inside
      // the element expression are local.
      parts.forEach((part, i) => {
        if (part.name === 'for') {
          for (let j = i + 1; j < parts.length && parts[j].name !== 'in'; j++) {
            this._targets(parts[j], inner);
          }
        }
      });
      // The first iterable runs first, in the enclosing scope; then the
      // element, the conditions and the other loops, inside.
      const firstIn = parts.findIndex(part => part.name === 'in');
      const iterable = firstIn < 0 ? undefined : parts[firstIn + 1];
      if (iterable) {
        this.node(iterable, scope);
      }
      let target = false;
      for (const part of parts) {
        if (part.name === 'for') {
          target = true;
        } else if (part.name === 'in') {
          target = false;
        } else if (!target && part !== iterable) {
          this.node(part, inner);
        }
      }
      inner.close();
    }
  }
}
