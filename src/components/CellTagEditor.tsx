import { ITranslator } from '@jupyterlab/translation';
import React, { useState } from 'react';

import {
  checkStepName,
  EDITABLE_ROLES,
  EditableRole,
  readPipelineTags,
  writePipelineTags
} from '../notebook/tagEdit';
import { UserText } from './UserText';

/**
 * Properties of the cell-tag editor.
 */
export interface ICellTagEditorProps {
  /** The active cell's index, or null when none. */
  cell: number | null;
  cellType: string;
  tags: readonly string[];
  /** The pipeline's steps (names), for the name list and the parents. */
  steps: readonly string[];
  /** Write the cell's new tags. */
  onApply: (cell: number, tags: string[]) => void;
  translator: ITranslator;
}

/**
 * The active cell's place in the pipeline: its role, its step's name (a
 * list of existing steps, or a new one, validated as typed) and the
 * step's parents (checkboxes). Apply writes the tags; other tags stay.
 * Remounted (`key`) when the cell or its tags change.
 */
export function CellTagEditor(props: ICellTagEditorProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  if (props.cell === null) {
    return (
      <p className="jp-mlops-TagEditor-empty">
        {trans.__('Select a cell to tag it.')}
      </p>
    );
  }
  if (props.cellType !== 'code') {
    return (
      <p className="jp-mlops-TagEditor-empty">
        {trans.__(
          'Cell %1 is not code: only code cells are steps.',
          props.cell + 1
        )}
      </p>
    );
  }
  return (
    <Private.Editor
      key={`${props.cell}\n${props.tags.join('\n')}`}
      {...props}
      cell={props.cell}
    />
  );
}

namespace Private {
  export function Editor(
    props: ICellTagEditorProps & { cell: number }
  ): JSX.Element {
    const trans = props.translator.load('jupyterlab_mlops');
    const initial = readPipelineTags(props.tags);
    const [role, setRole] = useState<EditableRole>(initial.role);
    const [step, setStep] = useState(initial.step);
    const [prev, setPrev] = useState<string[]>(initial.prev);
    const check = checkStepName(step, props.steps);
    const next = writePipelineTags(props.tags, { role, step, prev });
    const changed = next.join('\n') !== props.tags.join('\n');
    const valid = role !== 'step' || check.ok;
    const labels: Record<EditableRole, string> = {
      none: trans.__('(no pipeline role: joins the step above)'),
      step: trans.__('step'),
      imports: trans.__('imports'),
      functions: trans.__('functions'),
      'pipeline-parameters': trans.__('pipeline parameters'),
      'pipeline-metrics': trans.__('pipeline metrics'),
      skip: trans.__('skip')
    };
    const apply = () => {
      if (valid && changed) {
        props.onApply(props.cell, next);
      }
    };
    const parents = props.steps.filter(name => name !== step);
    const listId = `jp-mlops-TagEditor-steps-${props.cell}`;
    return (
      <form
        className="jp-mlops-TagEditor"
        aria-label={trans.__('Tags of cell %1', props.cell + 1)}
        onSubmit={event => {
          event.preventDefault();
          apply();
        }}
      >
        <div className="jp-mlops-TagEditor-row">
          <label htmlFor={`${listId}-role`}>
            {trans.__('Cell %1', props.cell + 1)}
          </label>
          <select
            id={`${listId}-role`}
            className="jp-mod-styled"
            value={role}
            onChange={event => setRole(event.target.value as EditableRole)}
          >
            {EDITABLE_ROLES.map(option => (
              <option key={option} value={option}>
                {labels[option]}
              </option>
            ))}
          </select>
        </div>
        {role === 'step' && (
          <>
            <div className="jp-mlops-TagEditor-row">
              <label htmlFor={`${listId}-name`}>{trans.__('Name')}</label>
              <input
                id={`${listId}-name`}
                className="jp-mod-styled"
                list={listId}
                value={step}
                spellCheck={false}
                aria-invalid={!check.ok}
                onChange={event => setStep(event.target.value.trim())}
              />
              <datalist id={listId}>
                {props.steps.map(name => (
                  <option key={name} value={name} />
                ))}
              </datalist>
            </div>
            <p
              className={`jp-mlops-TagEditor-check${check.ok ? '' : ' jp-mod-error'}`}
              role={check.ok ? undefined : 'alert'}
            >
              {check.ok
                ? check.isNew
                  ? trans.__('A new step.')
                  : trans.__(
                      'Joins step %1 (Kale merges cells of one name).',
                      step
                    )
                : check.error}
            </p>
            {parents.length > 0 && (
              <fieldset className="jp-mlops-TagEditor-parents">
                <legend>{trans.__('Runs after')}</legend>
                {parents.map(name => (
                  <label key={name} title={name}>
                    <input
                      type="checkbox"
                      checked={prev.includes(name)}
                      onChange={event =>
                        setPrev(old =>
                          event.target.checked
                            ? [...old, name]
                            : old.filter(other => other !== name)
                        )
                      }
                    />{' '}
                    <UserText text={name} />
                  </label>
                ))}
              </fieldset>
            )}
          </>
        )}
        <div className="jp-mlops-TagEditor-actions">
          <button
            type="submit"
            className="jp-mlops-Button jp-mod-styled jp-mod-accept"
            disabled={!valid || !changed}
            title={next.join(', ') || trans.__('no tags')}
          >
            {trans.__('Apply')}
          </button>
          <code className="jp-mlops-TagEditor-preview" title={next.join(', ')}>
            <UserText text={next.join(' ')} />
          </code>
        </div>
      </form>
    );
  }
}
