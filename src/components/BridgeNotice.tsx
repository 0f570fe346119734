import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { IMlopsBridge } from '../tokens';

/**
 * Properties of the bridge notice.
 */
export interface IBridgeNoticeProps {
  bridge: IMlopsBridge;
  translator: ITranslator;
}

/**
 * A line under the header: where the store is, or why the server extension
 * cannot be reached, with a retry.
 */
export function BridgeNotice(props: IBridgeNoticeProps): JSX.Element | null {
  const trans = props.translator.load('jupyterlab_mlops');
  const { status, error } = props.bridge;
  if (error) {
    return (
      <div className="jp-mlops-Notice jp-mod-error" role="alert">
        <span>
          {error.message} <code>{error.code}</code>
        </span>
        <button
          type="button"
          className="jp-mlops-LinkButton"
          onClick={() => void props.bridge.refresh()}
        >
          {trans.__('Retry')}
        </button>
      </div>
    );
  }
  if (!status) {
    return (
      <div className="jp-mlops-Notice">
        {trans.__('Connecting to the server…')}
      </div>
    );
  }
  return (
    <div className="jp-mlops-Notice" title={trans.__('Store folder')}>
      {status.storeExists
        ? trans.__('Store: %1', status.storeDir)
        : trans.__('Store: %1 (created on first snapshot)', status.storeDir)}
    </div>
  );
}
