import { parser } from '@lezer/python';
import { NameWalker, Scope } from './scopes';

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
  const module = new Scope('module', null);
  const walker = new NameWalker(code);
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
