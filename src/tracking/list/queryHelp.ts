import { comparedField, parseQuery, STATES } from './filter';
import type { IExperimentRow } from './row';
import { formatValue } from './rows';

/**
 * Help with the filter's query language (tracking/list/filter.ts): which
 * fields exist, which named fields do not (and what was probably meant),
 * completions of the word being typed, and an example built from the
 * rows' own fields. Pure, no DOM.
 */

/**
 * The fields of the rows a query can name: parameter and metric keys, and
 * the tags, each sorted and without repeats. The first `sample` rows are
 * enough.
 */
export interface IQueryFields {
  parameters: string[];
  metrics: string[];
  tags: string[];
}

/**
 * The parameter and metric keys and the tags of the rows.
 */
export function queryFields(
  rows: readonly IExperimentRow[],
  sample = 5000
): IQueryFields {
  const parameters = new Set<string>();
  const metrics = new Set<string>();
  const tags = new Set<string>();
  for (const row of rows.slice(0, sample)) {
    Object.keys(row.parameters).forEach(key => parameters.add(key));
    Object.keys(row.metrics).forEach(key => metrics.add(key));
    row.tags.forEach(tag => tags.add(tag));
  }
  const sorted = (set: Set<string>) => [...set].sort(Private.byText);
  return {
    parameters: sorted(parameters),
    metrics: sorted(metrics),
    tags: sorted(tags)
  };
}

/**
 * A field a query names that no row has, with the known fields it
 * probably meant (`depth` → `max_depth`).
 */
export interface IUnknownField {
  field: string;
  suggestions: string[];
}

/**
 * The fields a query compares on that no row has (`criterion=gini` when
 * no experiment records `criterion`), in the order the query names them.
 */
export function unknownFields(
  query: string,
  fields: IQueryFields
): IUnknownField[] {
  const known = [...fields.parameters, ...fields.metrics];
  const lowerKnown = new Set(known.map(key => key.toLowerCase()));
  const seen = new Set<string>();
  const out: IUnknownField[] = [];
  for (const word of parseQuery(query).flat()) {
    const colon = Private.colonWord(word);
    if (colon !== null && !seen.has(`${colon.key.toLowerCase()}:`)) {
      // `max_depth:3` is no filter word: a comparison was probably meant.
      seen.add(`${colon.key.toLowerCase()}:`);
      const exact = known.find(
        key => key.toLowerCase() === colon.key.toLowerCase()
      );
      out.push({
        field: `${colon.key}:`,
        suggestions: exact
          ? [`${exact}=${colon.value}`]
          : Private.similar(colon.key.toLowerCase(), known)
      });
      continue;
    }
    const field = comparedField(word);
    const lower = field?.toLowerCase();
    if (
      field === undefined ||
      lower === undefined ||
      lower === 'created' ||
      lower === 'date' ||
      lowerKnown.has(lower) ||
      seen.has(lower)
    ) {
      continue;
    }
    seen.add(lower);
    out.push({ field, suggestions: Private.similar(lower, known) });
  }
  return out;
}

/**
 * Whole queries that complete the word being typed (the last one) with a
 * field name, a state (`is:failed`), a tag (`tag:x`) or `OR`: for a
 * `<datalist>`, whose options must start with what is typed. At most
 * `limit`; none once the word has an operator.
 */
export function completions(
  query: string,
  fields: IQueryFields,
  limit = 30
): string[] {
  if (query.length > 2000) {
    return [];
  }
  const start = query.search(/\S*$/);
  const head = query.slice(0, start);
  const typed = query.slice(start);
  const negation = typed.startsWith('-') ? '-' : '';
  const partial = typed.slice(negation.length).toLowerCase();
  if (/[=<>!"]/.test(partial)) {
    return [];
  }
  const candidates = [
    ...fields.parameters,
    ...fields.metrics,
    ...STATES,
    ...fields.tags.map(tag => `tag:${tag}`),
    'notebook:',
    'author:',
    'created>'
  ];
  const out: string[] = [];
  for (const candidate of candidates) {
    const lower = candidate.toLowerCase();
    if (lower !== partial && lower.startsWith(partial) && !/\s/.test(lower)) {
      out.push(`${head}${negation}${candidate}`);
    }
  }
  // `depth` also offers `max_depth`, after the prefixes.
  if (partial.length >= 2) {
    for (const key of [...fields.parameters, ...fields.metrics]) {
      const lower = key.toLowerCase();
      if (!lower.startsWith(partial) && lower.includes(partial)) {
        out.push(`${head}${negation}${key}`);
      }
    }
  }
  if (head.trim() !== '' && typed === '') {
    out.push(`${head}OR `);
  }
  return [...new Set(out)].slice(0, limit);
}

/**
 * Example words for the filter's placeholder, from the rows' own fields:
 * a parameter comparison with a value some row has (`max_depth>=5`), a
 * metric comparison (`accuracy>0.9`), then `is:starred`. Fields with
 * spaces or odd characters are left out.
 */
export function placeholderExamples(rows: readonly IExperimentRow[]): string[] {
  const examples: string[] = [];
  const plain = /^[\w.-]{1,30}$/;
  const sample = rows.slice(0, 500);
  const pick = (
    values: (row: IExperimentRow) => Record<string, unknown>,
    op: string
  ) => {
    const counts = new Map<string, number>();
    for (const row of sample) {
      for (const [key, value] of Object.entries(values(row))) {
        if (plain.test(key) && typeof value === 'number') {
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
    const best = [...counts.entries()].sort(
      (a, b) => b[1] - a[1] || Private.byText(a[0], b[0])
    )[0];
    if (best) {
      const key = best[0];
      const value = sample
        .map(row => values(row)[key])
        .find((v): v is number => typeof v === 'number');
      if (value !== undefined) {
        examples.push(`${key}${op}${formatValue(value)}`);
      }
    }
  };
  pick(row => row.parameters, '>=');
  pick(row => row.metrics, '>');
  examples.push('is:starred');
  return examples;
}

namespace Private {
  /**
   * `key:value` when the word is one and `key` is no filter word (`is:`,
   * `tag:`, `notebook:`, `author:`), nor a comparison; else null.
   */
  export function colonWord(
    word: string
  ): { key: string; value: string } | null {
    const bare = word.length > 1 && word.startsWith('-') ? word.slice(1) : word;
    const match = /^([A-Za-z_][\w.-]*):(?!\/)([^:<>=!]+)$/.exec(bare);
    if (
      !match ||
      /^(is|tag|notebook|author)$/i.test(match[1]) ||
      comparedField(word) !== undefined
    ) {
      return null;
    }
    return { key: match[1], value: match[2] };
  }

  export function byText(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /**
   * Known keys that contain the unknown one or that it contains, else the
   * ones within a small edit distance; at most three.
   */
  export function similar(unknown: string, known: string[]): string[] {
    const lowerOf = (key: string) => key.toLowerCase();
    const near = known.filter(key => {
      const lower = lowerOf(key);
      return (
        (unknown.length >= 2 && lower.includes(unknown)) ||
        (lower.length >= 3 && unknown.includes(lower)) ||
        distance(unknown, lower) <= Math.max(1, Math.floor(unknown.length / 4))
      );
    });
    return near.slice(0, 3);
  }

  /**
   * Levenshtein distance of two short keys (long ones are not compared).
   */
  function distance(a: string, b: string): number {
    if (a.length > 64 || b.length > 64) {
      return Number.POSITIVE_INFINITY;
    }
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const current = [i];
      for (let j = 1; j <= b.length; j++) {
        current[j] = Math.min(
          previous[j] + 1,
          current[j - 1] + 1,
          previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
        );
      }
      previous = current;
    }
    return previous[b.length];
  }
}
