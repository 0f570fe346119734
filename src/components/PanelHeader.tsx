import React from 'react';

import { showBidiControls } from '../util/bidi';
import { UserText } from './UserText';

/**
 * Properties of a panel header.
 */
export interface IPanelHeaderProps {
  title: string;
  /** What the panel shows: a notebook name, "All notebooks", a backend. */
  subtitle: string;
  children?: React.ReactNode;
}

/**
 * The title row of a side panel: its name, what it shows, and controls.
 */
export function PanelHeader(props: IPanelHeaderProps): JSX.Element {
  return (
    <header className="jp-mlops-PanelHeader">
      <div className="jp-mlops-PanelHeader-text">
        <h2 className="jp-mlops-PanelHeader-title">{props.title}</h2>
        <div
          className="jp-mlops-PanelHeader-subtitle"
          title={showBidiControls(props.subtitle)}
        >
          <UserText text={props.subtitle} />
        </div>
      </div>
      {props.children && (
        <div className="jp-mlops-PanelHeader-controls">{props.children}</div>
      )}
    </header>
  );
}
