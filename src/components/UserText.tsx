import React from 'react';

import { splitBidiControls } from '../util/bidi';

/**
 * Properties of a user string.
 */
export interface IUserTextProps {
  text: string;
  /** More classes, after `jp-mlops-UserText`. */
  className?: string;
}

/**
 * A user string (name, tag, branch, note, parameter or metric key) as
 * text: isolated from the text around it (`<bdi>`), and with every bidi
 * control shown as a visible marker rather than obeyed, so a right-to-left
 * override cannot make `invoice\u202Etxt.exe` read as a text file.
 */
export function UserText(props: IUserTextProps): JSX.Element {
  const className = props.className
    ? `jp-mlops-UserText ${props.className}`
    : 'jp-mlops-UserText';
  return (
    <bdi className={className}>
      {splitBidiControls(props.text).map((part, i) =>
        part.control ? (
          <span
            key={i}
            className="jp-mlops-BidiControl"
            title={part.control.name}
          >
            {part.text}
          </span>
        ) : (
          <React.Fragment key={i}>{part.text}</React.Fragment>
        )
      )}
    </bdi>
  );
}
