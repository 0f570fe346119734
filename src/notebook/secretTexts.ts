import { z } from 'zod';

/**
 * The texts of a cell output that the secret scan reads (`secrets.ts`),
 * narrowed with zod from untrusted nbformat JSON: stream text, the
 * traceback (or `ename: evalue`), and every non-binary MIME bundle entry
 * (JSON values pretty-printed). ANSI colour codes are stripped. Image,
 * audio, video and PDF data are not text and are skipped.
 */
export function outputTexts(output: unknown): string[] {
  const parsed = Private.output.safeParse(output);
  if (!parsed.success) {
    return [];
  }
  const { text, traceback, ename, evalue, data } = parsed.data;
  const texts: string[] = [];
  if (text !== null) {
    texts.push(text);
  }
  if (traceback.length > 0) {
    texts.push(traceback.join('\n'));
  } else if (evalue !== null) {
    texts.push(`${ename ?? 'Error'}: ${evalue}`);
  }
  for (const mime of Object.keys(data).sort()) {
    if (Private.SKIPPED_MIME.test(mime)) {
      continue;
    }
    const raw = data[mime];
    const value =
      typeof raw === 'object' && raw !== null && mime.endsWith('json')
        ? Private.json(raw)
        : Private.multiline.parse(raw);
    if (value !== null) {
      texts.push(value);
    }
  }
  return texts.map(value => value.replace(Private.ANSI, ''));
}

namespace Private {
  export const ANSI = new RegExp(
    String.fromCharCode(27) + '\\[[0-9;?]*[A-Za-z]',
    'g'
  );
  export const SKIPPED_MIME =
    /^(?:image|audio|video)\/|^application\/(?:pdf|octet)/;

  /**
   * nbformat's multiline string (one string or a list of strings); null
   * for anything else.
   */
  export const multiline = z
    .union([z.string(), z.array(z.string()).transform(lines => lines.join(''))])
    .nullable()
    .catch(null);

  const text = z.string().nullable().catch(null).default(null);

  /**
   * Any output type: the fields that can hold text, each read as absent
   * when it has the wrong type.
   */
  export const output = z.object({
    text: multiline.default(null),
    traceback: z
      .array(z.unknown())
      .transform(lines => lines.filter(line => typeof line === 'string'))
      .catch([])
      .default([]),
    ename: text,
    evalue: text,
    data: z.record(z.string(), z.unknown()).catch({}).default({})
  });

  /** Pretty JSON; null for what cannot be serialized (cycles, BigInt). */
  export function json(value: object): string | null {
    try {
      return JSON.stringify(value, null, 1);
    } catch {
      return null;
    }
  }
}
