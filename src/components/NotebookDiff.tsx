import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { showBidiControls } from '../util/bidi';
import { ICellDiff } from '../tracking/compare/notebookDiff';
import { UserText } from './UserText';

/**
 * Properties of the notebook diff.
 */
export interface INotebookDiffProps {
  /** The experiments' names, oldest first. */
  names: readonly string[];
  /** Indexes into `names` of the two notebooks diffed. */
  from: number;
  to: number;
  onPairChange: (from: number, to: number) => void;
  cells: readonly ICellDiff[];
  translator: ITranslator;
}

/**
 * The source diff of two experiments' notebooks, cell by cell; runs of
 * unchanged cells are folded into one line. Text only; bidi controls in
 * the code show as markers (the "Trojan Source" reordering cannot hide).
 */
export function NotebookDiff(props: INotebookDiffProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const blocks: JSX.Element[] = [];
  let same = 0;
  const flush = (key: string) => {
    if (same > 0) {
      blocks.push(
        <div key={key} className="jp-mlops-Diff-same">
          {trans._n('%1 unchanged cell', '%1 unchanged cells', same)}
        </div>
      );
      same = 0;
    }
  };
  props.cells.forEach((cell, index) => {
    if (cell.status === 'same') {
      same += 1;
      return;
    }
    flush(`same-${index}`);
    const where =
      cell.status === 'added'
        ? trans.__('added as cell %1', (cell.after ?? 0) + 1)
        : cell.status === 'removed'
          ? trans.__('cell %1 removed', (cell.before ?? 0) + 1)
          : trans.__(
              'cell %1 → %2',
              (cell.before ?? 0) + 1,
              (cell.after ?? 0) + 1
            );
    blocks.push(
      <div
        key={`cell-${index}`}
        className={`jp-mlops-Diff-cell jp-mod-${cell.status}`}
      >
        <div className="jp-mlops-Diff-cellHeader">
          <UserText text={cell.cellType} /> · {where}
        </div>
        <pre className="jp-mlops-Diff-lines">
          {cell.lines.map((line, i) => (
            <div
              key={i}
              className={`jp-mlops-Diff-line jp-mod-${line.op === '+' ? 'add' : line.op === '-' ? 'del' : 'ctx'}`}
            >
              {line.op} <UserText text={line.text} />
            </div>
          ))}
        </pre>
      </div>
    );
  });
  flush('same-end');
  return (
    <section className="jp-mlops-Diff">
      <h3>{trans.__('Notebook code')}</h3>
      <div className="jp-mlops-Diff-pair">
        <label>
          {trans.__('From')}
          <select
            className="jp-mod-styled"
            value={props.from}
            onChange={event =>
              props.onPairChange(Number(event.currentTarget.value), props.to)
            }
          >
            {props.names.map((name, i) => (
              <option key={i} value={i}>
                {showBidiControls(name)}
              </option>
            ))}
          </select>
        </label>
        <span aria-hidden="true">→</span>
        <label>
          {trans.__('To')}
          <select
            className="jp-mod-styled"
            value={props.to}
            onChange={event =>
              props.onPairChange(props.from, Number(event.currentTarget.value))
            }
          >
            {props.names.map((name, i) => (
              <option key={i} value={i}>
                {showBidiControls(name)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {props.cells.every(cell => cell.status === 'same') ? (
        <p className="jp-mlops-Detail-empty">
          {trans.__('Same code in every cell.')}
        </p>
      ) : (
        blocks
      )}
    </section>
  );
}
