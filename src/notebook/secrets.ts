import { MlopsError } from '../errors';
import {
  IRuleInput,
  IRuleMatch,
  ISecretRule,
  isShellCell,
  mayHoldSecret,
  secretRules,
  SecretWhere
} from './secretRules';
import { outputTexts } from './secretTexts';

/**
 * The secret scan that runs before a snapshot is written: cell sources,
 * cell outputs and base64 text inside them, line by line. DOM-free and
 * linear in the size of the input (see `secretRules.ts` for the patterns).
 */

export type { SecretWhere } from './secretRules';

/**
 * One secret found.
 */
export interface ISecretFinding {
  /** Rule id, e.g. `aws-access-key-id`. */
  rule: string;
  /** What was found, for the user, e.g. "AWS access key". */
  description: string;
  /** 0-based cell index; null for a file. */
  cell: number | null;
  /** 1-based line within the cell source, the output text or the file. */
  line: number;
  /** 1-based column where the secret (or the base64 text holding it) starts. */
  column: number;
  /** Where the line is. */
  where: SecretWhere;
  /** The output's index in the cell, for `where: 'output'`. */
  output?: number;
  /** The file, for `where: 'file'`. */
  path?: string;
  /** The secret redacted: its first characters (at most 4), then '…'. */
  preview: string;
}

/**
 * Where a scanned text is.
 */
export interface ISecretLocation {
  cell: number | null;
  where: SecretWhere;
  output?: number;
  path?: string;
}

/**
 * A notebook cell as the scan needs it; outputs are untrusted nbformat JSON.
 */
export interface ISecretScanCell {
  source: string | readonly string[];
  outputs?: readonly unknown[];
}

/**
 * Scan one text (a cell source, an output, a file); findings are sorted.
 */
export function scanText(
  text: string,
  location: ISecretLocation
): ISecretFinding[] {
  return Private.scan(text, location, 0).sort(Private.compare);
}

/**
 * Scan every cell source and every output of a notebook. Image, audio,
 * video and PDF data are not scanned: their base64 is not text.
 */
export function scanNotebook(
  cells: readonly ISecretScanCell[]
): ISecretFinding[] {
  const findings: ISecretFinding[] = [];
  // One by one: push(...many) would overflow the stack.
  const add = (found: ISecretFinding[]) => found.forEach(f => findings.push(f));
  cells.forEach((cell, index) => {
    const source =
      typeof cell.source === 'string' ? cell.source : cell.source.join('');
    const shell = isShellCell(source);
    add(Private.scan(source, { cell: index, where: 'source' }, 0, shell));
    (cell.outputs ?? []).forEach((output, at) => {
      for (const text of outputTexts(output)) {
        add(
          Private.scan(text, { cell: index, where: 'output', output: at }, 0)
        );
      }
    });
  });
  return findings.sort(Private.compare);
}

/**
 * Refuse to go on when anything was found: throws `E_SECRET_FOUND` naming
 * the first finding (cells counted from 1, as people count them) and how
 * many more there are; `data.findings` holds them all, redacted.
 */
export function assertNoSecrets(findings: readonly ISecretFinding[]): void {
  if (findings.length === 0) {
    return;
  }
  const [first] = findings;
  const place =
    first.cell !== null
      ? `Cell ${first.cell + 1}${first.where === 'output' ? ' output' : ''}`
      : (first.path ?? 'File');
  const advice =
    first.where === 'output'
      ? 'Clear that output and stop printing the secret'
      : 'Remove it or load it from the environment';
  const more = findings.length - 1;
  const tail =
    more === 0
      ? ''
      : ` ${more} more possible ${more === 1 ? 'secret was' : 'secrets were'} found.`;
  throw new MlopsError(
    'E_SECRET_FOUND',
    `${place}, line ${first.line}: ${first.description} (${first.preview}). ` +
      `${advice}, then snapshot again.${tail}`,
    { findings: [...findings] }
  );
}

namespace Private {
  /** Lines longer than this are scanned in windows of this size. */
  const WINDOW = 100_000;
  /** Context each side of a window, longer than any secret a rule matches. */
  const CONTEXT = 4096;
  /** base64 inside base64 inside text is decoded; deeper is not. */
  const MAX_DEPTH = 2;
  /** A run of base64 worth decoding. */
  const BASE64_RUN = /(?<![\w+/-])[\w+/-]{24,}={0,2}/g;
  /** A line that is wholly base64, as `base64` and PEM wrap it. */
  const BASE64_LINE = /^[A-Za-z0-9+/]{40,}={0,2}$/;
  const WHERE_ORDER: readonly SecretWhere[] = ['source', 'output', 'file'];

  /**
   * Scan a text; `depth` counts the base64 decodings around it.
   */
  export function scan(
    text: string,
    location: ISecretLocation,
    depth: number,
    shell = false
  ): ISecretFinding[] {
    const rules = secretRules().filter(
      rule => rule.appliesTo === undefined || rule.appliesTo(text)
    );
    const lines = text.split('\n').map(line => line.replace(/\r$/, ''));
    const findings: ISecretFinding[] = [];
    let blockEnd = 0;
    lines.forEach((line, index) => {
      const nextLine = lines[index + 1] ?? '';
      const inShell = shell && index > 0;
      const matches = scanLine(line, nextLine, rules, location, inShell);
      for (const [match, rule] of matches) {
        findings.push({
          rule: match.rule ?? rule.id,
          description: match.description ?? rule.description,
          ...location,
          line: index + 1,
          column: match.start + 1,
          preview: redact(match.secret)
        });
      }
      if (depth >= MAX_DEPTH || index < blockEnd) {
        return;
      }
      // Lines wholly of base64 (as `base64` wraps it) decode as one text.
      blockEnd = index;
      while (blockEnd < lines.length && BASE64_LINE.test(lines[blockEnd])) {
        blockEnd++;
      }
      const runs =
        blockEnd > index + 1
          ? [{ 0: lines.slice(index, blockEnd).join(''), index: 0 }]
          : line.matchAll(BASE64_RUN);
      for (const run of runs) {
        const decoded = decodePrintable(run[0]);
        const found =
          decoded === null ? [] : scan(decoded, location, depth + 1);
        for (const finding of found) {
          const description = `${finding.description} (base64-encoded)`;
          const column = run.index + 1;
          findings.push({ ...finding, description, line: index + 1, column });
        }
      }
    });
    return findings;
  }

  /**
   * Run the rules over one line, window by window; where matches of two
   * rules overlap, the earlier rule's wins.
   */
  function scanLine(
    line: string,
    nextLine: string,
    rules: readonly ISecretRule[],
    location: ISecretLocation,
    shell: boolean
  ): [IRuleMatch, ISecretRule][] {
    if (!mayHoldSecret(line)) {
      return [];
    }
    const all: [IRuleMatch, ISecretRule, number][] = [];
    for (let from = 0; from === 0 || from < line.length; from += WINDOW) {
      const sliceStart = Math.max(0, from - CONTEXT);
      const input: IRuleInput = {
        text: line.slice(sliceStart, from + WINDOW + CONTEXT),
        from: from - sliceStart,
        to: from + WINDOW - sliceStart,
        lineStart: sliceStart === 0,
        nextLine,
        where: location.where,
        shell
      };
      rules.forEach((rule, priority) => {
        for (const match of rule.find(input)) {
          const start = match.start + sliceStart;
          all.push([{ ...match, start }, rule, priority]);
        }
      });
    }
    all.sort((a, b) => a[0].start - b[0].start || a[2] - b[2]);
    const kept: [IRuleMatch, ISecretRule, number][] = [];
    for (const entry of all) {
      const last = kept[kept.length - 1];
      if (!last || entry[0].start >= last[0].start + last[0].secret.length) {
        kept.push(entry);
      } else if (entry[2] < last[2]) {
        kept[kept.length - 1] = entry;
      }
    }
    return kept.map(([match, rule]) => [match, rule]);
  }

  /**
   * The decoded text when `run` is base64 of mostly printable ASCII (at
   * least 90 %), else null. Hex digests and one-case words are skipped.
   */
  function decodePrintable(run: string): string | null {
    if (/^(?:[0-9a-f]+|[0-9A-F]+|[a-z_]+|[A-Z_]+)=*$/.test(run)) {
      return null;
    }
    let base64 = run.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
    base64 = base64.slice(0, base64.length - (base64.length % 4 === 1 ? 1 : 0));
    let text: string;
    try {
      text = atob(base64);
    } catch {
      return null;
    }
    const allowed = Math.floor(text.length / 10);
    let bad = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const printable = (code >= 32 && code < 127) || code === 9 || code === 10;
      if (!printable && code !== 13 && ++bad > allowed) {
        return null;
      }
    }
    return text;
  }

  /**
   * Order findings by cell (files last), where, output, line, column, rule.
   */
  export function compare(a: ISecretFinding, b: ISecretFinding): number {
    return (
      (a.cell ?? Infinity) - (b.cell ?? Infinity) ||
      WHERE_ORDER.indexOf(a.where) - WHERE_ORDER.indexOf(b.where) ||
      order(a.path ?? '', b.path ?? '') ||
      (a.output ?? -1) - (b.output ?? -1) ||
      a.line - b.line ||
      a.column - b.column ||
      order(a.rule, b.rule)
    );
  }

  /** Code-unit order, the same in every locale. */
  function order(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** First characters, never the whole: at most 4, at most a third. */
  function redact(secret: string): string {
    const chars = Array.from(secret.slice(0, 8));
    const shown = Math.max(1, Math.min(4, Math.floor(secret.length / 3)));
    return `${chars.slice(0, shown).join('')}…`;
  }
}
