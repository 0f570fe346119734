import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { syncIcon } from '../icons';
import type { SyncState } from '../tracking/sync/storeSync';

/**
 * The Sync button of the Experiments panel's header.
 */
export function SyncButton(props: {
  state: SyncState;
  onSync: () => void;
  translator: ITranslator;
}): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const syncing = props.state.kind === 'syncing';
  // An icon with its name for assistive technology and a tooltip: the
  // toolbar must fit the sidebar's default width.
  return (
    <button
      type="button"
      className={`jp-mlops-Button jp-mod-styled jp-mlops-SyncButton${syncing ? ' jp-mod-syncing' : ''}`}
      disabled={syncing}
      aria-busy={syncing}
      aria-label={syncing ? trans.__('Syncing') : trans.__('Sync')}
      title={trans.__(
        'Sync: push your new experiments to the team’s git remote and fetch everyone else’s (never forced)'
      )}
      onClick={props.onSync}
    >
      <syncIcon.react tag="span" className="jp-mlops-SyncButton-icon" />
    </button>
  );
}
