import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { slot } from '../util/bidi';
import { IEnvironmentDiff, IEnvRow } from '../tracking/compare/envDiff';
import { ChangeBadge } from './ChangeBadge';
import { CompareHead } from './CompareHead';
import { UserMessage } from './UserMessage';
import { UserText } from './UserText';

/**
 * Properties of the environment changes section.
 */
export interface IEnvironmentChangesProps {
  names: readonly string[];
  diff: IEnvironmentDiff;
  onlyDifferences: boolean;
  translator: ITranslator;
}

/**
 * Python, platform, kernel and packages across the experiments (oldest
 * first), with what was added, removed, upgraded or downgraded since the
 * previous experiment whose environment was captured. Text only.
 */
export function EnvironmentChanges(
  props: IEnvironmentChangesProps
): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { names, diff } = props;
  const missing = names.filter((_, i) => !diff.captured[i]);
  const runtimeLabel: Record<string, string> = {
    python: trans.__('Python'),
    platform: trans.__('Platform'),
    kernel: trans.__('Kernel')
  };
  const row = (r: IEnvRow, label: string, key: string) => (
    <tr
      key={key}
      className={
        r.differs
          ? 'jp-mlops-Compare-row jp-mod-differs'
          : 'jp-mlops-Compare-row'
      }
    >
      <th scope="row">
        <UserText text={label} />
      </th>
      {r.values.map((value, i) => {
        const change = r.changes[i];
        return (
          <td key={i} data-change={change ?? undefined}>
            {change !== null && change !== 'same' && (
              <ChangeBadge change={change} translator={props.translator} />
            )}
            {value === null ? (
              <span className="jp-mlops-Compare-absent">—</span>
            ) : (
              <UserText text={value} />
            )}
          </td>
        );
      })}
    </tr>
  );
  const rows = diff.runtime.length + diff.packages.length;
  return (
    <section className="jp-mlops-CompareSection jp-mlops-EnvChanges">
      <h3>{trans.__('Environment changes')}</h3>
      {missing.length > 0 && (
        <p className="jp-mlops-Notice jp-mod-warning" role="note">
          <UserMessage
            template={trans.__(
              'Not captured for %1: no kernel answered when the snapshot was taken.',
              missing.map((_, i) => slot(i)).join(', ')
            )}
            values={missing}
          />
        </p>
      )}
      {diff.steps.length > 0 && (
        <ul className="jp-mlops-CompareSection-summary jp-mlops-EnvChanges-steps">
          {diff.steps.map(step => (
            <li key={`${step.from}-${step.to}`}>
              <UserMessage
                template={trans.__(
                  '%1 → %2: %3 added, %4 removed, %5 upgraded, %6 downgraded, %7 changed',
                  slot(0),
                  slot(1),
                  step.added,
                  step.removed,
                  step.upgraded,
                  step.downgraded,
                  step.changed
                )}
                values={[names[step.from] ?? '', names[step.to] ?? '']}
              />
            </li>
          ))}
        </ul>
      )}
      {rows === 0 ? (
        <p className="jp-mlops-Detail-empty">
          {props.onlyDifferences
            ? trans.__('The same environment in every experiment.')
            : trans.__('No environment recorded.')}
        </p>
      ) : (
        <div className="jp-mlops-CompareSection-scroll">
          <table className="jp-mlops-Detail-table jp-mlops-Compare-table">
            <CompareHead label={trans.__('Name')} names={names} />
            <tbody>
              {diff.runtime.map(r =>
                row(r, runtimeLabel[r.key] ?? r.key, `runtime:${r.key}`)
              )}
              {diff.packages.length > 0 && (
                <tr className="jp-mlops-Compare-section">
                  <th colSpan={names.length + 1}>
                    {trans.__('Packages (%1)', diff.packages.length)}
                  </th>
                </tr>
              )}
              {diff.packages.map(r => row(r, r.key, `package:${r.key}`))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
