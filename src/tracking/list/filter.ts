import { ParameterValue } from '../../notebook/parameters';
import type { IExperimentRow } from './row';
import { compareValues } from './rows';

/**
 * Rows matching a query (case-insensitive). Words are ANDed; `OR` between
 * words makes alternatives (`a b OR c` is `(a AND b) OR c`). A word is:
 * - `is:starred`, `is:broken`, `is:failed`, `tag:x` (the tag),
 *   `notebook:x` (in the notebook's path), `author:x` (in the author's
 *   name);
 * - `key=value`, `key!=value`, `key>value`, `key>=value`, `key<value`,
 *   `key<=value` on a metric or parameter (numbers compare as numbers;
 *   `key=` alone means the row has it), or on `created`
 *   (`created>2026-11-01`); spaces around the operator are allowed
 *   (`accuracy > 0.9`);
 * - `-word`: the word must not hold;
 * - `"two words"`: the phrase, as text;
 * - any other word must appear in the name, a tag, the note, the notebook
 *   path or a parameter or metric as `key=value`.
 * Only the first 20 words count.
 */
export function filterRows(
  rows: readonly IExperimentRow[],
  query: string
): IExperimentRow[] {
  const groups = parseQuery(query).map(group => group.map(Private.compile));
  if (groups.length === 0) {
    return [...rows];
  }
  return rows.filter(row =>
    groups.some(tests => tests.every(test => test(row)))
  );
}

/**
 * The most words of a query that count.
 */
export const MAX_QUERY_WORDS = 20;

/**
 * A query as its alternatives (split at `OR`), each a list of words that
 * must all hold. Spaces around an operator are joined into its word
 * (`accuracy > 0.9` → `accuracy>0.9`, `tag: x` → `tag:x`); quotes keep a
 * phrase together (without the quotes); `AND` is the default and dropped.
 */
export function parseQuery(query: string): string[][] {
  const words = Private.joinOperators(Private.split(query)).slice(
    0,
    MAX_QUERY_WORDS
  );
  const groups: string[][] = [[]];
  for (const word of words) {
    const upper = word.toUpperCase();
    if (upper === 'OR' || word === '|' || word === '||') {
      groups.push([]);
    } else if (upper !== 'AND' && word !== '&&') {
      groups[groups.length - 1].push(word);
    }
  }
  return groups.filter(group => group.length > 0);
}

/**
 * The field a comparison word names (`max_depth` of `-max_depth>=5`), or
 * undefined when the word is not a comparison.
 */
export function comparedField(word: string): string | undefined {
  const bare = word.length > 1 && word.startsWith('-') ? word.slice(1) : word;
  if (/^(is|tag|notebook|author):/i.test(bare)) {
    return undefined;
  }
  const match = Private.COMPARISON.exec(bare);
  return match ? match[1] : undefined;
}

/**
 * The `is:` words the filter knows.
 */
export const STATES = ['is:starred', 'is:broken', 'is:failed'];

/**
 * A row's note, when the row carries one (free text is searched in it).
 */
export function noteOf(row: IExperimentRow): string {
  return row.note ?? '';
}

/**
 * Whether a row's run failed (a cell raised, or the run was interrupted).
 */
export function isFailed(row: IExperimentRow): boolean {
  return row.failed === true;
}

namespace Private {
  type Test = (row: IExperimentRow) => boolean;

  export const COMPARISON = /^([^=!<>]+)(>=|<=|!=|=|>|<)(.*)$/s;

  const OPERATOR = /^(>=|<=|!=|=|>|<)$/;
  const ENDS_WITH_OPERATOR = /^[^=!<>]+(>=|<=|!=|=|>|<)$|^(is|tag|notebook):$/i;
  const STARTS_WITH_OPERATOR = /^(>=|<=|!=|=|>|<)./s;

  /**
   * The query's words: runs of non-space, or a quoted phrase.
   */
  export function split(query: string): string[] {
    const words: string[] = [];
    // At most a few hundred words are looked at; the rest cannot count.
    for (const match of query.matchAll(/"([^"]*)"?|(\S+)/g)) {
      const word = match[1] ?? match[2];
      if (word !== undefined && word.trim() !== '') {
        words.push(match[1] !== undefined ? `"${word}` : word);
      }
      if (words.length > MAX_QUERY_WORDS * 4) {
        break;
      }
    }
    return words;
  }

  /**
   * `a > b`, `a> b`, `a >b` and `tag: x` become one word.
   */
  export function joinOperators(words: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < words.length; i++) {
      let word = words[i];
      const previous = out[out.length - 1];
      const joinable = (w: string | undefined) =>
        w !== undefined &&
        !w.startsWith('"') &&
        w.toUpperCase() !== 'OR' &&
        w.toUpperCase() !== 'AND';
      if (
        (OPERATOR.test(word) || STARTS_WITH_OPERATOR.test(word)) &&
        joinable(previous) &&
        previous !== undefined &&
        COMPARISON.exec(previous.replace(/^-/, '')) === null
      ) {
        out.pop();
        word = previous + word;
      }
      if (
        (OPERATOR.test(word) || ENDS_WITH_OPERATOR.test(word)) &&
        joinable(words[i + 1]) &&
        !OPERATOR.test(words[i + 1])
      ) {
        word += words[i + 1];
        i += 1;
      }
      out.push(word);
    }
    return out;
  }

  /**
   * One word of the query as a test.
   */
  export function compile(word: string): Test {
    if (word.startsWith('"')) {
      const phrase = word.slice(1).toLowerCase();
      return row => haystack(row).includes(phrase);
    }
    if (word.length > 1 && word.startsWith('-')) {
      const test = compile(word.slice(1));
      return row => !test(row);
    }
    const lower = word.toLowerCase();
    if (lower === 'is:starred') {
      return row => row.starred;
    }
    if (lower === 'is:broken') {
      return row => row.broken !== undefined;
    }
    if (lower === 'is:failed') {
      return isFailed;
    }
    if (lower.startsWith('tag:')) {
      const tag = lower.slice(4);
      return row => row.tags.some(t => t.toLowerCase() === tag);
    }
    if (lower.startsWith('notebook:')) {
      const part = lower.slice('notebook:'.length);
      return row => row.notebookPath.toLowerCase().includes(part);
    }
    if (lower.startsWith('author:')) {
      const part = lower.slice('author:'.length);
      return row => (row.author ?? '').toLowerCase().includes(part);
    }
    const match = COMPARISON.exec(word);
    if (match) {
      return comparison(match[1].toLowerCase(), match[2], match[3]);
    }
    return row => haystack(row).includes(lower);
  }

  function comparison(key: string, op: string, wanted: string): Test {
    const want = parse(wanted);
    const test = (value: ParameterValue | undefined): boolean => {
      if (value === undefined) {
        return false;
      }
      if (wanted === '' && op === '=') {
        return true;
      }
      const order = compareValues(value, want);
      switch (op) {
        case '=':
          return order === 0;
        case '!=':
          return order !== 0;
        case '>':
          return order > 0;
        case '>=':
          return order >= 0;
        case '<':
          return order < 0;
        default:
          return order <= 0;
      }
    };
    if (key === 'created' || key === 'date') {
      return row =>
        row.createdAt !== '' &&
        test(row.createdAt.slice(0, Math.max(wanted.length, 1)));
    }
    return row => {
      for (const values of [row.metrics, row.parameters]) {
        for (const name of Object.keys(values)) {
          if (name.toLowerCase() === key && test(values[name])) {
            return true;
          }
        }
      }
      return false;
    };
  }

  /**
   * A query value: a number when it reads as one, else text.
   */
  function parse(text: string): ParameterValue {
    const lower = text.toLowerCase();
    if (lower === 'true' || lower === 'false') {
      return lower === 'true';
    }
    if (lower === 'none' || lower === 'null') {
      return null;
    }
    const number = Number(text);
    return text.trim() !== '' && Number.isFinite(number) ? number : text;
  }

  const haystacks = new WeakMap<IExperimentRow, string>();

  function haystack(row: IExperimentRow): string {
    let text = haystacks.get(row);
    if (text === undefined) {
      text = [
        row.name,
        row.notebookPath,
        row.author ?? '',
        noteOf(row),
        ...row.tags,
        ...Object.entries(row.parameters).map(([k, v]) => `${k}=${v}`),
        ...Object.entries(row.metrics).map(([k, v]) => `${k}=${v}`)
      ]
        .join('\n')
        .toLowerCase();
      haystacks.set(row, text);
    }
    return text;
  }
}
