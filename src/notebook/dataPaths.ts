import { foldString, IFolded, MAX_EXPRESSION, MAX_VALUE } from './stringFold';

/**
 * Data files a notebook reads, found statically in its code: string
 * literals passed to the usual readers (`pd.read_csv("…")`, `open("…")`,
 * `np.load("…")`, …), and names bound to strings in the parameters (so
 * `pd.read_csv(data_path)` finds `data/wine.csv`). DOM-free.
 */

// Calls whose first argument is a path to read.
const READERS = [
  'read_csv',
  'read_table',
  'read_parquet',
  'read_feather',
  'read_json',
  'read_excel',
  'read_pickle',
  'read_hdf',
  'read_orc',
  'read_sas',
  'read_stata',
  'read_fwf',
  'open',
  'load',
  'loadtxt',
  'genfromtxt',
  'fromfile',
  'imread',
  'load_dataset',
  'load_from_disk',
  'Dataset'
];

// A reader's call up to its opening parenthesis.
const CALL = new RegExp(`(?:^|[^A-Za-z0-9_])(?:${READERS.join('|')})\\(`, 'g');

// `joblib.dump(model, "…")`, `pickle.dump(model, …)`: a model file written.
const DUMP = /(?:^|[^A-Za-z0-9_])dump\(/g;

/** Files that hold a pickled model (a snapshot records them: Register… on an experiment). */
export const MODEL_FILE = /\.(?:pkl|pickle|joblib)$/i;

// `name = expression` (an annotation allowed), not `==`.
const ASSIGNMENT =
  /^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*(?::[^=\n]*)?=(?!=)(.*)$/;

/**
 * Paths (relative to the notebook's folder) that the code reads: the first
 * argument of the usual readers when it folds to a constant string
 * (`stringFold.ts`): a literal, a parameter, a name assigned a constant
 * string earlier in the notebook, and `+`, f-strings, `os.path.join` and
 * `pathlib` `/` of those.
 *
 * @param sources - The code cells' sources, in notebook order.
 * @param parameters - Parameter values; string ones resolve names, and the
 * code does not rebind them (the kernel's value is the truth).
 */
export function findDataPaths(
  sources: readonly string[],
  parameters: Readonly<Record<string, unknown>> = {}
): string[] {
  const found = new Set<string>();
  const fixed = new Set<string>();
  const names = new Map<string, IFolded>();
  for (const [name, value] of Object.entries(parameters)) {
    if (typeof value === 'string' && value.length <= MAX_VALUE) {
      names.set(name, { kind: 'str', value });
      fixed.add(name);
    }
  }
  for (const source of sources) {
    for (const line of source.split('\n')) {
      const calls = [...line.matchAll(CALL)];
      calls.forEach((call, i) => {
        // An argument that holds another reader's call folds to nothing:
        // stopping there keeps the scan of a line linear.
        const start = call.index + call[0].length;
        const stop = calls[i + 1]?.index ?? line.length;
        const argument = Private.firstArgument(line, start, stop);
        const value =
          argument === undefined ? undefined : foldString(argument, names);
        const path =
          value === undefined ? null : normalizeDataPath(value.value);
        // A file opened for writing is no input, unless it is a model
        // the notebook saves (an output the snapshot records).
        const written = Private.opensForWriting(line, start, stop, argument);
        if (path !== null && (!written || MODEL_FILE.test(path))) {
          found.add(path);
        }
      });
      const dumps = [...line.matchAll(DUMP)];
      dumps.forEach((call, i) => {
        // Up to the next dump( at most: the scan of a line stays linear.
        const start = call.index + call[0].length;
        const stop = Math.min(
          dumps[i + 1]?.index ?? line.length,
          start + 2 * MAX_EXPRESSION
        );
        const target = Private.secondArgument(line, start, stop);
        const value =
          target === undefined ? undefined : foldString(target, names);
        const path =
          value === undefined ? null : normalizeDataPath(value.value);
        if (path !== null && MODEL_FILE.test(path)) {
          found.add(path);
        }
      });
      const assigned = ASSIGNMENT.exec(line);
      if (assigned && !fixed.has(assigned[1])) {
        const value = foldString(assigned[2].trim(), names);
        if (value === undefined) {
          // Rebound to something else: no longer a known constant.
          names.delete(assigned[1]);
        } else {
          names.set(assigned[1], value);
        }
      }
    }
  }
  return [...found].sort();
}

/**
 * A relative, normalised POSIX path, or null for what is not a local file
 * in the project (URLs, absolute paths, `..` escapes, globs, f-strings).
 */
export function normalizeDataPath(value: string): string | null {
  const text = value.trim();
  if (
    text === '' ||
    text.length > 1024 ||
    /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ||
    text.startsWith('/') ||
    text.startsWith('~') ||
    /^[A-Za-z]:[\\/]/.test(text) ||
    /[*?[\]{}]/.test(text) ||
    [...text].some(char => char.charCodeAt(0) < 0x20)
  ) {
    return null;
  }
  const parts: string[] = [];
  for (const part of text.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      return null;
    }
    parts.push(part);
  }
  return parts.length > 0 ? parts.join('/') : null;
}

/**
 * A path relative to the notebook's folder, made relative to the Jupyter
 * root (where the bridge hashes it).
 */
export function fromNotebookFolder(notebookPath: string, path: string): string {
  const folder = notebookPath.split('/').slice(0, -1).join('/');
  return folder === '' ? path : `${folder}/${path}`;
}

/**
 * The prefix of a cell tag that declares a data path: `data:PATH`, the
 * path relative to the notebook's folder like the paths in its code
 * (`data:data/wine.csv`, `data:images/` for a folder).
 */
export const DATA_TAG_PREFIX = 'data:';

/**
 * Data paths declared by `data:PATH` cell tags (any cell type), relative
 * to the notebook's folder, normalized; and the tags that were refused
 * (absolute, `..`, URL, glob, control characters, empty).
 */
export function tagDataPaths(cells: readonly { tags: readonly string[] }[]): {
  paths: string[];
  refused: string[];
} {
  const paths = new Set<string>();
  const refused: string[] = [];
  for (const cell of cells) {
    for (const tag of cell.tags) {
      if (!tag.startsWith(DATA_TAG_PREFIX)) {
        continue;
      }
      const path = normalizeDataPath(tag.slice(DATA_TAG_PREFIX.length));
      if (path === null) {
        refused.push(tag);
      } else {
        paths.add(path);
      }
    }
  }
  return { paths: [...paths].sort(), refused };
}

namespace Private {
  /**
   * Whether the call is `open(path, 'w'…)` (or `mode='a'`, `'x'`): a file
   * written, not read.
   */
  export function opensForWriting(
    line: string,
    start: number,
    stop: number,
    argument: string | undefined
  ): boolean {
    if (
      argument === undefined ||
      !/(?:^|[^A-Za-z0-9_.])open\($/.test(
        line.slice(Math.max(0, start - 6), start)
      )
    ) {
      return false;
    }
    const rest = line.slice(
      line.indexOf(argument, start) + argument.length,
      Math.min(stop, start + MAX_EXPRESSION)
    );
    const mode = /^\s*,\s*(?:mode\s*=\s*)?['"]([A-Za-z+]{1,4})['"]/.exec(rest);
    return mode !== null && /[wax]/.test(mode[1]);
  }

  /** The text of a call's second positional argument (as `firstArgument`). */
  export function secondArgument(
    line: string,
    start: number,
    stop: number
  ): string | undefined {
    const first = firstArgument(line, start, stop);
    if (first === undefined) {
      return undefined;
    }
    const at = line.indexOf(first, start);
    const comma =
      at < 0 || at >= stop ? -1 : line.indexOf(',', at + first.length);
    return comma < 0 || comma >= stop
      ? undefined
      : firstArgument(line, comma + 1, stop);
  }

  /**
   * The text of a call's first positional argument: from `start` (just
   * after the parenthesis) to the first `,` or `)` outside brackets and
   * quotes; undefined for a keyword argument, or when it runs past `stop`
   * or `MAX_EXPRESSION` characters.
   */
  export function firstArgument(
    line: string,
    start: number,
    stop: number
  ): string | undefined {
    let depth = 0;
    let quote: string | null = null;
    const end = Math.min(stop, start + MAX_EXPRESSION);
    for (let i = start; i < end; i++) {
      const c = line[i];
      if (quote !== null) {
        if (c === '\\') {
          i++;
        } else if (c === quote) {
          quote = null;
        }
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '(' || c === '[' || c === '{') {
        depth++;
      } else if ((c === ')' || c === ']' || c === '}') && depth > 0) {
        depth--;
      } else if (depth === 0 && (c === ',' || c === ')')) {
        const text = line.slice(start, i).trim();
        return /^[A-Za-z_][A-Za-z0-9_]*\s*=(?!=)/.test(text) ? undefined : text;
      }
    }
    return undefined;
  }
}
