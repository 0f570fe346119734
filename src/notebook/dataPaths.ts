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

const CALL = new RegExp(
  `(?:^|[^A-Za-z0-9_])(?:${READERS.join('|')})\\(\\s*(?:(?:[rRbBuU]?)(['"])([^'"\\n]{1,1024})\\1|([A-Za-z_][A-Za-z0-9_]{0,100}))\\s*[,)]`,
  'g'
);

/**
 * Paths (relative to the notebook's folder) that the code reads.
 *
 * @param sources - The code cells' sources.
 * @param parameters - Parameter values; string ones resolve names.
 */
export function findDataPaths(
  sources: readonly string[],
  parameters: Readonly<Record<string, unknown>> = {}
): string[] {
  const found = new Set<string>();
  for (const source of sources) {
    for (const match of source.matchAll(CALL)) {
      const literal = match[2];
      const name = match[3];
      const value =
        literal ?? (name !== undefined ? parameters[name] : undefined);
      if (typeof value === 'string') {
        const path = normalizeDataPath(value);
        if (path !== null) {
          found.add(path);
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
