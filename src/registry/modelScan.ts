import {
  ISecretFinding,
  ISecretScanCell,
  scanNotebook,
  scanText
} from '../notebook/secrets';

/**
 * The deploy preflight's secret scan: the model's files (its text files,
 * and the strings inside its pickle) and the notebook it came from (the
 * experiment's own copy), with the scanner snapshots use. A finding blocks
 * the deploy.
 */

/** Most bytes of one model file read for the scan. */
export const MAX_SCANNED_BYTES = 8 * 1024 * 1024;

/** A model file's bytes as scannable text (a pickle's strings stay in place). */
export function fileText(bytes: Uint8Array): string {
  const cut = bytes.subarray(0, MAX_SCANNED_BYTES);
  // latin1 keeps every byte, so strings inside binary data read as written.
  return new TextDecoder('latin1').decode(cut);
}

/** Findings in the model's files (path → bytes) and its notebook's cells. */
export function scanModel(
  files: readonly { path: string; bytes: Uint8Array }[],
  notebookCells: readonly ISecretScanCell[] | null
): ISecretFinding[] {
  const findings: ISecretFinding[] = [];
  for (const file of files) {
    for (const found of scanText(fileText(file.bytes), {
      cell: null,
      where: 'file',
      path: file.path
    })) {
      findings.push(found);
    }
  }
  if (notebookCells) {
    for (const found of scanNotebook(notebookCells)) {
      findings.push(found);
    }
  }
  return findings;
}

/** The preflight check the scan makes: `{id: 'secrets', ok, reason}`. */
export function secretsCheck(
  findings: readonly ISecretFinding[],
  scanned: { files: number; notebook: boolean }
): { id: string; ok: boolean; reason: string } {
  if (findings.length === 0) {
    const notebook = scanned.notebook ? ' and its notebook' : '';
    return {
      id: 'secrets',
      ok: true,
      reason: `none in ${scanned.files} model files${notebook}`
    };
  }
  const [first] = findings;
  const place =
    first.cell !== null
      ? `notebook cell ${first.cell + 1}, line ${first.line}`
      : `${first.path ?? 'a file'}, line ${first.line}`;
  const more = findings.length > 1 ? ` (+${findings.length - 1} more)` : '';
  return {
    id: 'secrets',
    ok: false,
    reason: `${first.description} (${first.preview}) in ${place}${more}`
  };
}
