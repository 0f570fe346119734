import { LabIcon } from '@jupyterlab/ui-components';
import React from 'react';

/**
 * One call to action of an empty state.
 */
export interface IEmptyStateAction {
  label: string;
  onClick: () => void;
  primary?: boolean;
  disabled?: boolean;
}

/**
 * Properties of an empty state.
 */
export interface IEmptyStateProps {
  icon: LabIcon;
  title: string;
  children?: React.ReactNode;
  actions?: IEmptyStateAction[];
}

/**
 * What a panel shows when it has nothing yet: what goes here and how to get
 * it there.
 */
export function EmptyState(props: IEmptyStateProps): JSX.Element {
  return (
    <div className="jp-mlops-EmptyState" role="status">
      <props.icon.react className="jp-mlops-EmptyState-icon" tag="div" />
      <h3 className="jp-mlops-EmptyState-title">{props.title}</h3>
      <div className="jp-mlops-EmptyState-body">{props.children}</div>
      {props.actions && props.actions.length > 0 && (
        <div className="jp-mlops-EmptyState-actions">
          {props.actions.map(action => (
            <button
              key={action.label}
              type="button"
              className={
                action.primary
                  ? 'jp-mlops-Button jp-mod-styled jp-mod-accept'
                  : 'jp-mlops-Button jp-mod-styled'
              }
              disabled={action.disabled}
              onClick={action.onClick}
            >
              {action.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
