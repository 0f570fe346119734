import React from 'react';

import { UserText } from './UserText';

/**
 * Properties of a key/value table.
 */
export interface IKeyValueTableProps {
  title: string;
  values: Readonly<Record<string, unknown>>;
  empty: string;
}

/**
 * A titled two-column table of names and values, rendered as user text.
 */
export function KeyValueTable(props: IKeyValueTableProps): JSX.Element {
  const entries = Object.entries(props.values);
  return (
    <div>
      <h3>{props.title}</h3>
      {entries.length === 0 ? (
        <p className="jp-mlops-Detail-empty">{props.empty}</p>
      ) : (
        <table className="jp-mlops-Detail-table">
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <th scope="row">
                  <UserText text={key} />
                </th>
                <td>
                  <UserText text={value === null ? 'None' : String(value)} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
