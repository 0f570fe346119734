import React from 'react';

import { splitSlots } from '../util/bidi';
import { UserText } from './UserText';

/**
 * Properties of a sentence holding user strings.
 */
export interface IUserMessageProps {
  /** The translated sentence, built with `slot(i)` for argument i. */
  template: string;
  /** The user strings, by argument index. */
  values: readonly string[];
}

/**
 * A translated sentence whose arguments are user strings, each rendered as
 * a `UserText` (isolated, bidi controls visible):
 * `<UserMessage template={trans.__('%1 on %2', slot(0), slot(1))} values={[commit, branch]} />`.
 */
export function UserMessage(props: IUserMessageProps): JSX.Element {
  return (
    <>
      {splitSlots(props.template).map((part, i) =>
        typeof part === 'number' ? (
          <UserText key={i} text={props.values[part] ?? ''} />
        ) : (
          <React.Fragment key={i}>{part}</React.Fragment>
        )
      )}
    </>
  );
}
