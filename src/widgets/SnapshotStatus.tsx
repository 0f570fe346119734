import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { UserMessage } from '../components/UserMessage';
import { experimentsIcon } from '../icons';
import { slot } from '../util/bidi';

/**
 * The status bar item: the last snapshot and its state.
 */
export class SnapshotStatus extends ReactWidget {
  /**
   * Create the item; clicking it runs `onClick` (opens the panel).
   */
  constructor(trans: TranslationBundle, onClick: () => void) {
    super();
    this._trans = trans;
    this._onClick = onClick;
    this.addClass('jp-mlops-SnapshotStatus');
  }

  /**
   * Show the state of the current or last snapshot.
   */
  set(state: SnapshotStatus.State, name = ''): void {
    this._state = state;
    this._name = name;
    this._time = new Date();
    this.update();
  }

  protected render(): JSX.Element | null {
    const trans = this._trans;
    // The experiment's name is a user string: isolated, controls visible.
    let text: JSX.Element | string;
    switch (this._state) {
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
            values={[this._name, Private.time(this._time)]}
          />
        );
        break;
      case 'failed':
        text = trans.__('Snapshot failed at %1', Private.time(this._time));
        break;
    }
    return (
      <button
        type="button"
        className="jp-mlops-SnapshotStatus-button"
        data-state={this._state}
        title={trans.__('Open the Experiments panel')}
        onClick={this._onClick}
      >
        <experimentsIcon.react
          tag="span"
          className="jp-mlops-SnapshotStatus-icon"
        />
        <span className="jp-mlops-SnapshotStatus-text">{text}</span>
      </button>
    );
  }

  private _trans: TranslationBundle;
  private _onClick: () => void;
  private _state: SnapshotStatus.State = 'idle';
  private _name = '';
  private _time = new Date();
}

/**
 * A namespace for SnapshotStatus statics.
 */
export namespace SnapshotStatus {
  /**
   * What the item shows.
   */
  export type State = 'idle' | 'saving' | 'saved' | 'failed';
}

namespace Private {
  export function time(date: Date): string {
    return date.toLocaleTimeString(undefined, {
      hour: '2-digit',
      minute: '2-digit'
    });
  }
}
