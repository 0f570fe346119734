import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { slot } from '../util/bidi';
import { formatBytes } from '../util/format';
import { IDataRow, summarizeData } from '../tracking/compare/dataDiff';
import { ChangeBadge } from './ChangeBadge';
import { CompareHead } from './CompareHead';
import { UserMessage } from './UserMessage';
import { UserText } from './UserText';

/**
 * Properties of the data changes section.
 */
export interface IDataChangesProps {
  names: readonly string[];
  rows: readonly IDataRow[];
  onlyDifferences: boolean;
  translator: ITranslator;
}

/**
 * The data the experiments read, path by path (oldest first): each
 * experiment's short hash and size, and whether the path was added,
 * removed, changed or unchanged since the previous one. Text only.
 */
export function DataChanges(props: IDataChangesProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { names, rows } = props;
  const summary = summarizeData(rows);
  const first = names[0] ?? '';
  const last = names[names.length - 1] ?? '';
  return (
    <section className="jp-mlops-CompareSection jp-mlops-DataChanges">
      <h3>{trans.__('Data changes')}</h3>
      {rows.length === 0 ? (
        <p className="jp-mlops-Detail-empty">
          {props.onlyDifferences
            ? trans.__('The same data in every experiment.')
            : trans.__('None of these experiments recorded data files.')}
        </p>
      ) : (
        <>
          <p className="jp-mlops-CompareSection-summary">
            <UserMessage
              template={trans.__(
                'From %1 to %2: %3 added, %4 removed, %5 changed, %6 unchanged.',
                slot(0),
                slot(1),
                summary.added,
                summary.removed,
                summary.changed,
                summary.unchanged
              )}
              values={[first, last]}
            />
          </p>
          <div className="jp-mlops-CompareSection-scroll">
            <table className="jp-mlops-Detail-table jp-mlops-Compare-table">
              <CompareHead label={trans.__('Path')} names={names} />
              <tbody>
                {rows.map(row => (
                  <tr
                    key={row.path}
                    className={
                      row.differs
                        ? 'jp-mlops-Compare-row jp-mod-differs'
                        : 'jp-mlops-Compare-row'
                    }
                  >
                    <th scope="row" className="jp-mlops-DataChanges-path">
                      <UserText text={row.path} />
                    </th>
                    {row.versions.map((version, i) => {
                      const change = row.changes[i];
                      return (
                        <td key={i} data-change={change ?? undefined}>
                          {change !== null && (
                            <ChangeBadge
                              change={change}
                              translator={props.translator}
                            />
                          )}
                          {version === null ? (
                            <span className="jp-mlops-Compare-absent">—</span>
                          ) : (
                            <span className="jp-mlops-DataChanges-version">
                              <code title={version.sha256}>
                                {version.sha256.slice(0, 12)}
                              </code>{' '}
                              {formatBytes(version.size)}
                              {version.kind === 'dir'
                                ? ` ${trans.__('(folder)')}`
                                : ''}
                            </span>
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
