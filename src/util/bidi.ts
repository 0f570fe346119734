/**
 * Bidirectional-text controls in user strings (experiment names, tags,
 * branches, notes, parameter and metric keys). A right-to-left override
 * makes `invoice\u202Etxt.exe` read as `invoiceexe.txt`; the panels show
 * every such control as a visible marker instead, as code editors do, and
 * isolate each user string from the text around it.
 */

/**
 * The bidi formatting characters of Unicode (UAX #9): the marks, the
 * embeddings and overrides with their pop, and the isolates with theirs.
 */
export const BIDI_CONTROLS: ReadonlyMap<string, string> = new Map([
  ['\u061C', 'ARABIC LETTER MARK'],
  ['\u200E', 'LEFT-TO-RIGHT MARK'],
  ['\u200F', 'RIGHT-TO-LEFT MARK'],
  ['\u202A', 'LEFT-TO-RIGHT EMBEDDING'],
  ['\u202B', 'RIGHT-TO-LEFT EMBEDDING'],
  ['\u202C', 'POP DIRECTIONAL FORMATTING'],
  ['\u202D', 'LEFT-TO-RIGHT OVERRIDE'],
  ['\u202E', 'RIGHT-TO-LEFT OVERRIDE'],
  ['\u2066', 'LEFT-TO-RIGHT ISOLATE'],
  ['\u2067', 'RIGHT-TO-LEFT ISOLATE'],
  ['\u2068', 'FIRST STRONG ISOLATE'],
  ['\u2069', 'POP DIRECTIONAL ISOLATE']
]);

/**
 * A run of a user string as it is shown: plain text, or the visible marker
 * of one bidi control.
 */
export interface ITextPart {
  /** The text to show: the user's own, or a marker such as `⟨U+202E⟩`. */
  text: string;
  /** For a marker: the control's code point (`U+202E`) and Unicode name. */
  control?: { code: string; name: string };
}

/**
 * Whether a string holds any bidi control.
 */
export function hasBidiControls(text: string): boolean {
  return Private.ONE.test(text);
}

/**
 * A user string split into plain runs and one marker per bidi control, in
 * order. Every control is one UTF-16 unit outside the surrogate range, so
 * surrogate pairs are never split; the scan is linear in the length.
 */
export function splitBidiControls(text: string): ITextPart[] {
  const parts: ITextPart[] = [];
  const pattern = new RegExp(Private.ONE.source, 'g');
  let start = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > start) {
      parts.push({ text: text.slice(start, match.index) });
    }
    const char = match[0];
    const code = `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    parts.push({
      text: `⟨${code}⟩`,
      control: { code, name: BIDI_CONTROLS.get(char) ?? '' }
    });
    start = match.index + char.length;
  }
  if (start < text.length) {
    parts.push({ text: text.slice(start) });
  }
  return parts;
}

/**
 * A user string with every bidi control replaced by its visible marker,
 * for the places that take plain text only: `title` and `aria-label`
 * attributes, tab labels, notifications, `<option>`s, canvas text.
 */
export function showBidiControls(text: string): string {
  return hasBidiControls(text)
    ? splitBidiControls(text)
        .map(part => part.text)
        .join('')
    : text;
}

/**
 * A placeholder to pass to `trans.__()` for argument `index` of a sentence
 * whose user strings are rendered as elements (see `splitSlots`). Private
 * use characters: neither translations nor the formatter touch them.
 */
export function slot(index: number): string {
  return `\uE000${index}\uE001`;
}

/**
 * A translated sentence built with `slot()` arguments, split into its own
 * text and the argument indexes, in the translation's order.
 */
export function splitSlots(template: string): (string | number)[] {
  const out: (string | number)[] = [];
  const pattern = /\uE000(\d{1,3})\uE001/g;
  let start = 0;
  for (
    let match = pattern.exec(template);
    match;
    match = pattern.exec(template)
  ) {
    if (match.index > start) {
      out.push(template.slice(start, match.index));
    }
    out.push(Number(match[1]));
    start = match.index + match[0].length;
  }
  if (start < template.length) {
    out.push(template.slice(start));
  }
  return out;
}

namespace Private {
  export const ONE = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
}
