import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { DataChange } from '../tracking/compare/dataDiff';
import { EnvChange } from '../tracking/compare/envDiff';

/**
 * Properties of a change badge.
 */
export interface IChangeBadgeProps {
  change: DataChange | EnvChange;
  translator: ITranslator;
}

/**
 * A short word, with a symbol, for what changed since the previous
 * experiment (added, removed, changed, upgraded, …).
 */
export function ChangeBadge(props: IChangeBadgeProps): JSX.Element | null {
  const trans = props.translator.load('jupyterlab_mlops');
  const text: Record<DataChange | EnvChange, string> = {
    added: trans.__('+ added'),
    removed: trans.__('− removed'),
    changed: trans.__('≠ changed'),
    upgraded: trans.__('↑ upgraded'),
    downgraded: trans.__('↓ downgraded'),
    unchanged: trans.__('= unchanged'),
    same: trans.__('= same'),
    unknown: trans.__('? not captured')
  };
  return (
    <span className={`jp-mlops-Change jp-mod-${props.change}`}>
      {text[props.change]}
    </span>
  );
}
