import { Dialog, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import type { Preflight } from '../bridge/registry';
import { UserText } from '../components/UserText';

/**
 * The two dialogs of a deploy or rollback: the preflight's checks, then the
 * confirmation of what will change. Only the second's button lets the
 * change happen (the preflight's token goes nowhere else).
 */

/** Show the checks; true to go on to the confirmation (only when they all pass). */
export async function preflightDialog(
  check: Preflight,
  trans: TranslationBundle
): Promise<boolean> {
  const body = ReactWidget.create(
    <div className="jp-mlops-Preflight">
      <ul className="jp-mlops-Preflight-checks">
        {check.checks.map(item => (
          <li key={item.id} className={item.ok ? 'jp-mod-ok' : 'jp-mod-failed'}>
            <span className="jp-mlops-Preflight-mark" aria-hidden="true">
              {item.ok ? '✓' : '✗'}
            </span>
            <strong>{Private.label(item.id, trans)}</strong>{' '}
            <span className="jp-mlops-Preflight-reason">
              {item.ok ? '' : trans.__('failed: ')}
              <UserText text={item.reason} />
            </span>
          </li>
        ))}
      </ul>
      {!check.ok && (
        <p className="jp-mlops-Notice jp-mod-error">
          {trans.__('Not deployable: fix what failed, then try again.')}{' '}
          <code>E_PREFLIGHT_FAILED</code>
        </p>
      )}
    </div>
  );
  const title =
    check.action === 'deploy'
      ? trans.__('Preflight: %1 version %2', check.model, check.change.to)
      : trans.__(
          'Preflight: roll %1 back to version %2',
          check.model,
          check.change.to
        );
  const result = await showDialog({
    title,
    body,
    buttons: check.ok
      ? [
          Dialog.cancelButton({ label: trans.__('Cancel') }),
          Dialog.okButton({ label: trans.__('Continue…') })
        ]
      : [Dialog.cancelButton({ label: trans.__('Close') })]
  });
  return check.ok && result.button.accept;
}

/** Show what will change; true only when the user confirms it. */
export async function confirmDialog(
  check: Preflight,
  trans: TranslationBundle
): Promise<boolean> {
  const inputs = Private.columns(check.signature?.inputs ?? null);
  const body = ReactWidget.create(
    <div className="jp-mlops-Confirm">
      <p>
        <strong>production</strong>:{' '}
        {check.change.from === null
          ? trans.__('(none)')
          : trans.__('version %1', check.change.from)}{' '}
        → <strong>{trans.__('version %1', check.change.to)}</strong>
      </p>
      <p>
        {trans.__(
          'Endpoint: a scoring server on 127.0.0.1 (a free port); the one serving now keeps serving until the new one answers.'
        )}
      </p>
      <p className="jp-mlops-Confirm-signature">
        {trans.__('Signature (inputs):')}{' '}
        {inputs.length === 0
          ? trans.__('none recorded')
          : inputs.slice(0, 20).map(([name, type]) => (
              <span key={name} className="jp-mlops-Confirm-column">
                <UserText text={name} /> <small>{type}</small>
              </span>
            ))}
        {inputs.length > 20 && ` … (+${inputs.length - 20})`}
      </p>
      <p>
        {trans.__('The change is recorded in the audit log under your name.')}
      </p>
    </div>
  );
  const label =
    check.action === 'deploy'
      ? trans.__('Deploy version %1', check.change.to)
      : trans.__('Roll back to version %1', check.change.to);
  const result = await showDialog({
    title: trans.__('Confirm: %1', check.model),
    body,
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.warnButton({ label })
    ],
    defaultButton: 0
  });
  return result.button.accept;
}

namespace Private {
  export function label(id: string, trans: TranslationBundle): string {
    const labels: Record<string, string> = {
      lineage: trans.__('Lineage'),
      metric: trans.__('Metric gate'),
      files: trans.__('Files'),
      flavor: trans.__('Flavor'),
      environment: trans.__('Serving environment'),
      audit: trans.__('Audit log'),
      approval: trans.__('Approval'),
      secrets: trans.__('Secret scan')
    };
    return labels[id] ?? id;
  }

  /** The (name, type) of each input column of an MLflow signature, or none. */
  export function columns(inputs: string | null): [string, string][] {
    if (inputs === null) {
      return [];
    }
    try {
      const parsed = JSON.parse(inputs) as unknown;
      if (!Array.isArray(parsed)) {
        return [];
      }
      return parsed.map((column: { name?: unknown; type?: unknown }, index) => [
        typeof column.name === 'string' ? column.name : `#${index}`,
        typeof column.type === 'string' ? column.type : '?'
      ]);
    } catch {
      return [];
    }
  }
}
