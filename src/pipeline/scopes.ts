import type { SyntaxNode } from '@lezer/common';

/**
 * The walk behind `analyzeNames` (names.ts): Python's scopes over a
 * `@lezer/python` tree, binding and reading names in the order Python
 * would. DOM-free.
 */

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
export class NameWalker {
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
