import React from 'react';

import { UserText } from './UserText';

/**
 * The header row of a comparison table: the label column, then one column
 * per experiment (oldest first). Names are rendered as user text.
 */
export function CompareHead(props: {
  label: string;
  names: readonly string[];
  /** The baseline column, marked when given. */
  baseline?: number;
  baselineLabel?: string;
}): JSX.Element {
  return (
    <thead>
      <tr>
        <th scope="col">{props.label}</th>
        {props.names.map((name, i) => (
          <th
            scope="col"
            key={i}
            className={i === props.baseline ? 'jp-mod-baseline' : undefined}
          >
            <UserText text={name} />
            {i === props.baseline && (
              <span className="jp-mlops-CompareHead-baseline">
                {props.baselineLabel}
              </span>
            )}
          </th>
        ))}
      </tr>
    </thead>
  );
}
