import { ParameterValue } from '../../notebook/parameters';
import type { IExperimentRow } from './row';
import { compareValues } from './rows';

/**
 * Rows matching a query. Each word must hold (case-insensitive):
 * - `is:starred`, `is:broken`, `tag:x` (the tag), `notebook:x` (in the
 *   notebook's path);
 * - `key=value`, `key!=value`, `key>value`, `key>=value`, `key<value`,
 *   `key<=value` on a metric or parameter (numbers compare as numbers;
 *   `key=` alone means the row has it), or on `created` (`created>2026-11-01`);
 * - `-word`: the word must not hold;
 * - any other word must appear in the name, a tag, the notebook path or a
 *   parameter or metric as `key=value`.
 */
export function filterRows(
  rows: readonly IExperimentRow[],
  query: string
): IExperimentRow[] {
  const tests = query
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 20)
    .map(Private.compile);
  if (tests.length === 0) {
    return [...rows];
  }
  return rows.filter(row => tests.every(test => test(row)));
}

namespace Private {
  type Test = (row: IExperimentRow) => boolean;

  const COMPARISON = /^([^=!<>]+)(>=|<=|!=|=|>|<)(.*)$/s;

  /**
   * One word of the query as a test.
   */
  export function compile(word: string): Test {
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
    if (lower.startsWith('tag:')) {
      const tag = lower.slice(4);
      return row => row.tags.some(t => t.toLowerCase() === tag);
    }
    if (lower.startsWith('notebook:')) {
      const part = lower.slice('notebook:'.length);
      return row => row.notebookPath.toLowerCase().includes(part);
    }
    const match = COMPARISON.exec(word);
    if (match) {
      return comparison(match[1].toLowerCase(), match[2], match[3]);
    }
    return row => haystack(row).includes(lower);
  }

  function comparison(key: string, op: string, wanted: string): Test {
    const test = (value: ParameterValue | undefined): boolean => {
      if (value === undefined) {
        return false;
      }
      if (wanted === '' && op === '=') {
        return true;
      }
      const want = parse(wanted);
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
