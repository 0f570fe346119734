import { Dialog } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';
import { z } from 'zod';

import { SecretFindings } from '../components/SecretFindings';
import { isMlopsError } from '../errors';
import type { ISecretFinding } from '../notebook/secrets';
import { showBidiControls } from '../util/bidi';

/**
 * The findings of an `E_SECRET_FOUND` error (`data.findings`), or null for
 * any other error.
 */
export function secretFindingsOf(reason: unknown): ISecretFinding[] | null {
  if (!isMlopsError(reason) || reason.code !== 'E_SECRET_FOUND') {
    return null;
  }
  const parsed = Private.data.safeParse(reason.data);
  return parsed.success && parsed.data.findings.length > 0
    ? parsed.data.findings
    : null;
}

/**
 * One line for a notification: where the first finding is, what it is, and
 * how many more there are (the dialog lists them all).
 */
export function secretSummary(
  findings: readonly ISecretFinding[],
  trans: TranslationBundle
): string {
  const [first] = findings;
  if (!first) {
    return '';
  }
  const place =
    first.cell === null
      ? trans.__(
          '%1, line %2',
          first.path === undefined
            ? trans.__('A file')
            : showBidiControls(first.path),
          first.line
        )
      : first.where === 'output'
        ? trans.__('Cell %1 output, line %2', first.cell + 1, first.line)
        : trans.__('Cell %1, line %2', first.cell + 1, first.line);
  const more = findings.length - 1;
  return more === 0
    ? trans.__('Not saved: %1: %2', place, first.description)
    : trans._n(
        'Not saved: %2: %3, and %1 more',
        'Not saved: %2: %3, and %1 more',
        more,
        place,
        first.description
      );
}

/**
 * Show every finding in a dialog, each cell's with a "Go to cell" button
 * that closes the dialog and shows the cell (and line) in `panel`.
 */
export function showSecretFindings(options: {
  panel: NotebookPanel;
  findings: readonly ISecretFinding[];
  trans: TranslationBundle;
  /** Bring the notebook's tab to the front. */
  activate: (panel: NotebookPanel) => void;
}): Promise<void> {
  const { panel, findings, trans } = options;
  const dialog: Dialog<unknown> = new Dialog({
    title: trans._n(
      'The snapshot found %1 possible secret',
      'The snapshot found %1 possible secrets',
      findings.length
    ),
    body: ReactWidget.create(
      <SecretFindings
        findings={findings}
        trans={trans}
        onGoTo={
          panel.isDisposed
            ? null
            : finding => {
                dialog.resolve(0);
                options.activate(panel);
                void goToFinding(panel, finding);
              }
        }
      />
    ),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
  dialog.addClass('jp-mlops-SecretFindingsDialog');
  return dialog.launch().then(() => undefined);
}

/**
 * Select a finding's cell, scroll it into view and, for a cell's source,
 * put the cursor on the finding's line.
 */
export async function goToFinding(
  panel: NotebookPanel,
  finding: ISecretFinding
): Promise<void> {
  const notebook = panel.content;
  const cell = finding.cell === null ? null : notebook.widgets[finding.cell];
  if (!cell || finding.cell === null) {
    return;
  }
  notebook.mode = 'command';
  notebook.activeCellIndex = finding.cell;
  notebook.deselectAll();
  await notebook.scrollToCell(cell, 'center');
  if (finding.where === 'source') {
    const line = Math.max(0, finding.line - 1);
    const column = Math.max(0, finding.column - 1);
    cell.editor?.setCursorPosition({ line, column });
    cell.editor?.focus();
  } else {
    notebook.node.focus();
  }
}

namespace Private {
  const finding = z.object({
    rule: z.string(),
    description: z.string(),
    cell: z.number().int().nonnegative().nullable(),
    line: z.number().int().positive(),
    column: z.number().int().positive(),
    where: z.enum(['source', 'output', 'file']),
    output: z.number().int().nonnegative().optional(),
    path: z.string().optional(),
    preview: z.string()
  });

  export const data = z.object({ findings: z.array(finding) });
}
