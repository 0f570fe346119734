import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import type { ISecretFinding } from '../notebook/secrets';
import { slot } from '../util/bidi';
import { UserMessage } from './UserMessage';

/**
 * Properties of the list of secrets a snapshot refused.
 */
export interface ISecretFindingsProps {
  findings: readonly ISecretFinding[];
  /** Show a finding's cell in its notebook; null when it is gone. */
  onGoTo: ((finding: ISecretFinding) => void) | null;
  trans: TranslationBundle;
}

/**
 * Every possible secret the scan found, redacted, where it is, and a "Go
 * to cell" button for those in a cell. The texts come from the notebook
 * (previews, file names): rendered as user strings.
 */
export function SecretFindings(props: ISecretFindingsProps): JSX.Element {
  const { findings, onGoTo, trans } = props;
  const place = (finding: ISecretFinding): string => {
    if (finding.cell === null) {
      return trans.__('%1, line %2', slot(0), finding.line);
    }
    return finding.where === 'output'
      ? trans.__(
          'Cell %1, output %2, line %3',
          finding.cell + 1,
          (finding.output ?? 0) + 1,
          finding.line
        )
      : trans.__('Cell %1, line %2', finding.cell + 1, finding.line);
  };
  return (
    <div className="jp-mlops-SecretFindings">
      <p>
        {trans.__(
          'Nothing was saved. Remove each secret from the notebook or load it from the environment (clear outputs that print one), then snapshot again.'
        )}
      </p>
      <ol className="jp-mlops-SecretFindings-list">
        {findings.map((finding, i) => (
          <li
            key={i}
            className="jp-mlops-SecretFindings-item"
            data-cell={finding.cell ?? undefined}
          >
            <span className="jp-mlops-SecretFindings-place">
              <UserMessage
                template={place(finding)}
                values={[finding.path ?? trans.__('a file')]}
              />
            </span>
            <span className="jp-mlops-SecretFindings-what">
              <UserMessage
                template={trans.__('%1 (%2)', slot(0), slot(1))}
                values={[finding.description, finding.preview]}
              />
            </span>
            {finding.cell !== null && (
              <button
                type="button"
                className="jp-mlops-Button jp-mod-styled"
                disabled={onGoTo === null}
                title={
                  onGoTo === null
                    ? trans.__('The notebook is closed')
                    : trans.__('Select this cell in the notebook')
                }
                onClick={() => onGoTo?.(finding)}
              >
                {trans.__('Go to cell')}
              </button>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
