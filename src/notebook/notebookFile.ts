import { withoutCellTrust } from './trust';

/**
 * The notebook file an experiment stores: the notebook without cell trust
 * (see trust.ts), as `JSON.stringify(notebook, null, 1)` and a newline, in
 * UTF-8. Synchronous: for notebooks of ordinary size.
 */
export function notebookFile(notebook: unknown): Uint8Array {
  return new TextEncoder().encode(
    `${JSON.stringify(withoutCellTrust(notebook), null, 1)}\n`
  );
}

/**
 * The same bytes as `notebookFile`, built a cell at a time with a pause
 * whenever a slice of work took `sliceMs`: a notebook of tens of MB (image
 * outputs) never holds the page for long, where one `JSON.stringify` of it
 * froze the UI for ~400 ms.
 *
 * The layout is JSON.stringify's own: each top-level value and each cell
 * is stringified with one space of indent, then indented by its depth
 * (JSON text has no raw newline inside strings, so every newline in it is
 * layout).
 */
export async function notebookFileInSlices(
  notebook: unknown,
  sliceMs = 8
): Promise<Uint8Array> {
  const copy = withoutCellTrust(notebook);
  if (!Private.isPlainRecord(copy) || !Array.isArray(copy.cells)) {
    return notebookFile(notebook);
  }
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [encoder.encode('{')];
  let sliceStart = performance.now();
  const pause = async () => {
    if (performance.now() - sliceStart >= sliceMs) {
      await new Promise(resolve => setTimeout(resolve, 0));
      sliceStart = performance.now();
    }
  };
  let fields = 0;
  for (const [key, value] of Object.entries(copy)) {
    const head = `${fields === 0 ? '' : ','}\n ${JSON.stringify(key)}: `;
    if (key === 'cells' && Array.isArray(value) && value.length > 0) {
      parts.push(encoder.encode(`${head}[`));
      for (let i = 0; i < value.length; i++) {
        // As in an array: what JSON cannot carry is null.
        const cell = JSON.stringify(value[i], null, 1) ?? 'null';
        parts.push(
          encoder.encode(
            `${i === 0 ? '' : ','}\n  ${cell.replace(/\n/g, '\n  ')}`
          )
        );
        await pause();
      }
      parts.push(encoder.encode('\n ]'));
    } else {
      const json = JSON.stringify(value, null, 1);
      if (json === undefined) {
        continue; // As in an object: the key is left out.
      }
      parts.push(encoder.encode(`${head}${json.replace(/\n/g, '\n ')}`));
    }
    fields += 1;
  }
  parts.push(encoder.encode(fields === 0 ? '}\n' : '\n}\n'));
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

namespace Private {
  /**
   * An object JSON.stringify walks key by key (no `toJSON` of its own).
   */
  export function isPlainRecord(
    value: unknown
  ): value is Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return false;
    }
    const proto = Object.getPrototypeOf(value);
    return (
      (proto === Object.prototype || proto === null) && !('toJSON' in value)
    );
  }
}
