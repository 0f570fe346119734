import React from 'react';

/**
 * A progress bar with its words (index rebuilds of thousands of rows).
 */
export function Progress(props: {
  done: number;
  total: number;
  label: string;
}): JSX.Element {
  return (
    <div className="jp-mlops-Progress" role="status">
      <progress value={props.done} max={props.total} aria-label={props.label} />
      <span>{props.label}</span>
    </div>
  );
}
