import { ReactWidget } from '@jupyterlab/ui-components';
import { LabIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { ISignal } from '@lumino/signaling';
import React from 'react';

/**
 * A right-sidebar panel that renders a React view and re-renders it when any
 * of the given signals fires.
 */
export class SidePanel extends ReactWidget {
  /**
   * Create a panel.
   */
  constructor(options: SidePanel.IOptions) {
    super();
    this.id = options.id;
    this.title.icon = options.icon;
    this.title.caption = options.caption;
    this.addClass('jp-mlops-SidePanel');
    this._render = options.render;
    this._onShow = options.onShow ?? null;
    for (const signal of options.signals) {
      signal.connect(this._onChange, this);
    }
    this._signals = options.signals;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    for (const signal of this._signals) {
      signal.disconnect(this._onChange, this);
    }
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._onShow?.();
  }

  protected render(): JSX.Element {
    return <React.Fragment>{this._render()}</React.Fragment>;
  }

  private _onChange(): void {
    // Hidden panels do not render; they catch up when shown.
    this.update();
  }

  private _render: () => JSX.Element;
  private _onShow: (() => void) | null;
  private _signals: ISignal<unknown, unknown>[];
}

/**
 * A namespace for SidePanel statics.
 */
export namespace SidePanel {
  /**
   * Options of a side panel.
   */
  export interface IOptions {
    id: string;
    icon: LabIcon;
    caption: string;
    render: () => JSX.Element;
    signals: ISignal<unknown, unknown>[];
    /** Called each time the panel is shown (e.g. to refresh). */
    onShow?: () => void;
  }
}
