import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { UserMessage } from '../components/UserMessage';
import { experimentsIcon } from '../icons';
import { slot } from '../util/bidi';
import { SnapshotStatusModel } from './snapshotStatusModel';

/**
 * The status bar item: the current notebook's last snapshot and its state.
 */
export class SnapshotStatus extends ReactWidget {
  /**
   * Create the item over its model; clicking it runs `onClick` (opens the
   * panel).
   */
  constructor(
    model: SnapshotStatusModel,
    trans: TranslationBundle,
    onClick: () => void
  ) {
    super();
    this._model = model;
    this._trans = trans;
    this._onClick = onClick;
    this.addClass('jp-mlops-SnapshotStatus');
    model.changed.connect(() => this.update(), this);
  }

  protected render(): JSX.Element | null {
    const trans = this._trans;
    const { state, name, time } = this._model.view;
    const hint = this._model.metricsChanged;
    // The experiment's name is a user string: isolated, controls visible.
    let text: JSX.Element | string;
    switch (state) {
      case 'none':
        text = trans.__('Experiments');
        break;
      case 'stored':
        text = trans.__('Experiment notebook (read-only)');
        break;
      case 'checking':
        text = trans.__('Reading snapshots…');
        break;
      case 'idle':
        text = trans.__('No snapshot yet');
        break;
      case 'saving':
        text = trans.__('Saving snapshot…');
        break;
      case 'saved':
        text = (
          <UserMessage
            template={trans.__('Snapshot %1 at %2', slot(0), slot(1))}
            values={[name, Private.time(time)]}
          />
        );
        break;
      case 'failed':
        text = trans.__('Snapshot failed at %1', Private.time(time));
        break;
    }
    return (
      <button
        type="button"
        className="jp-mlops-SnapshotStatus-button"
        data-state={state}
        data-metrics-changed={hint ? 'true' : undefined}
        title={
          (hint
            ? trans.__(
                'The kernel’s metric values differ from the last snapshot’s: a new snapshot would record them. '
              )
            : '') +
          (time === null
            ? trans.__('Open the Experiments panel')
            : trans.__(
                '%1 · Open the Experiments panel',
                time.toLocaleString()
              ))
        }
        onClick={this._onClick}
      >
        <experimentsIcon.react
          tag="span"
          className="jp-mlops-SnapshotStatus-icon"
        />
        <span className="jp-mlops-SnapshotStatus-text">{text}</span>
        {hint && (
          <span className="jp-mlops-SnapshotStatus-hint">
            {trans.__('metrics changed since last snapshot')}
          </span>
        )}
      </button>
    );
  }

  private _model: SnapshotStatusModel;
  private _trans: TranslationBundle;
  private _onClick: () => void;
}

namespace Private {
  /**
   * The time of day for today, else the date and time.
   */
  export function time(date: Date | null): string {
    if (date === null) {
      return '';
    }
    const today = new Date().toDateString() === date.toDateString();
    return today
      ? date.toLocaleTimeString(undefined, {
          hour: '2-digit',
          minute: '2-digit'
        })
      : date.toLocaleString(undefined, {
          dateStyle: 'medium',
          timeStyle: 'short'
        });
  }
}
