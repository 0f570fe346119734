import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import React, { useState } from 'react';

import { CommandIDs } from '../commands';
import { experimentsIcon } from '../icons';
import { IMlopsBridge } from '../tokens';
import { BridgeNotice } from './BridgeNotice';
import { EmptyState } from './EmptyState';
import { PanelHeader } from './PanelHeader';

/**
 * Properties of the Experiments panel.
 */
export interface IExperimentsViewProps {
  bridge: IMlopsBridge;
  /** The file name of the notebook the panel follows, if any. */
  notebookName: string | null;
  commands: CommandRegistry;
  translator: ITranslator;
}

/**
 * The Experiments panel: experiments of the current notebook (or of all),
 * with snapshot as the call to action.
 */
export function ExperimentsView(props: IExperimentsViewProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const [allNotebooks, setAllNotebooks] = useState(false);
  const subtitle = allNotebooks
    ? trans.__('All notebooks')
    : (props.notebookName ?? trans.__('No notebook open'));
  return (
    <div className="jp-mlops-Panel">
      <PanelHeader title={trans.__('Experiments')} subtitle={subtitle}>
        <label className="jp-mlops-Toggle">
          <input
            type="checkbox"
            checked={allNotebooks}
            onChange={event => setAllNotebooks(event.currentTarget.checked)}
          />
          {trans.__('All notebooks')}
        </label>
      </PanelHeader>
      <BridgeNotice bridge={props.bridge} translator={props.translator} />
      <EmptyState
        icon={experimentsIcon}
        title={
          allNotebooks || props.notebookName === null
            ? trans.__('No experiments in this project yet')
            : trans.__('No experiments for this notebook yet')
        }
        actions={[
          {
            label: trans.__('Snapshot notebook'),
            primary: true,
            disabled: props.notebookName === null,
            onClick: () => void props.commands.execute(CommandIDs.snapshot)
          },
          {
            label: trans.__('Open the demo notebook'),
            onClick: () => void props.commands.execute(CommandIDs.openDemo)
          }
        ]}
      >
        <p>
          {trans.__(
            'A snapshot records the notebook as it is, its parameters, metrics, data hashes and environment, so you can list, compare and restore it later.'
          )}
        </p>
        {props.notebookName === null && (
          <p>{trans.__('Open a notebook to take its first snapshot.')}</p>
        )}
      </EmptyState>
    </div>
  );
}
