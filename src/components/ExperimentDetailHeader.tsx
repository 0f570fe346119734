import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { Manifest } from '../tracking/store/manifest';

/**
 * What the detail view can ask its host to do.
 */
export interface IExperimentActions {
  update: (change: Partial<Manifest['user']>) => void;
  restore: () => void;
  /** Open the stored notebook in JupyterLab's viewer, read-only. */
  openReadOnly: () => void;
  remove: () => void;
  /** Register one of its model files (the Models panel's dialog asks). */
  registerModel?: (path: string) => void;
}

/**
 * Properties of the detail view's header.
 */
export interface IExperimentDetailHeaderProps {
  /** The name in the field (bidi controls shown as markers). */
  name: string;
  onNameChange: (name: string) => void;
  /** Save the name in the field (on blur, Enter included). */
  onNameSave: () => void;
  /** Put the saved name back in the field (Escape). */
  onNameReset: () => void;
  starred: boolean;
  busy: boolean;
  actions: IExperimentActions;
  translator: ITranslator;
}

/**
 * The head of one experiment: its editable name and star, then opening,
 * restoring and deleting it.
 */
export function ExperimentDetailHeader(
  props: IExperimentDetailHeaderProps
): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const { actions, busy, starred } = props;
  return (
    <header className="jp-mlops-Detail-header">
      <input
        className="jp-mlops-Detail-name jp-mod-styled"
        aria-label={trans.__('Experiment name')}
        value={props.name}
        maxLength={200}
        onChange={event => props.onNameChange(event.currentTarget.value)}
        onBlur={props.onNameSave}
        onKeyDown={event => {
          if (event.key === 'Enter') {
            event.currentTarget.blur();
          } else if (event.key === 'Escape') {
            props.onNameReset();
          }
        }}
      />
      <button
        type="button"
        className="jp-mlops-StarButton"
        aria-pressed={starred}
        aria-label={starred ? trans.__('Unstar') : trans.__('Star')}
        disabled={busy}
        onClick={() => actions.update({ starred: !starred })}
      >
        {starred ? '★' : '☆'}
      </button>
      <span className="jp-mlops-Detail-spacer" />
      <button
        type="button"
        className="jp-mlops-Button jp-mod-styled"
        disabled={busy}
        title={trans.__(
          'Open the notebook as this experiment saved it, read-only (not the workspace file)'
        )}
        onClick={actions.openReadOnly}
      >
        {trans.__('Open notebook (read-only)')}
      </button>
      <button
        type="button"
        className="jp-mlops-Button jp-mod-styled jp-mod-accept"
        disabled={busy}
        onClick={actions.restore}
      >
        {trans.__('Restore as new notebook')}
      </button>
      <button
        type="button"
        className="jp-mlops-Button jp-mod-styled jp-mod-warn"
        disabled={busy}
        onClick={actions.remove}
      >
        {trans.__('Delete')}
      </button>
    </header>
  );
}
