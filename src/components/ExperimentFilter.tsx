import { ITranslator } from '@jupyterlab/translation';
import React, { useMemo } from 'react';

import { hasBidiControls, showBidiControls } from '../util/bidi';
import {
  completions,
  IQueryFields,
  placeholderExamples
} from '../tracking/list/queryHelp';
import { IExperimentRow } from '../tracking/list/row';

/**
 * Properties of the filter box.
 */
export interface IExperimentFilterProps {
  query: string;
  onChange: (query: string) => void;
  rows: readonly IExperimentRow[];
  /** The rows' parameter and metric keys and tags. */
  fields: IQueryFields;
  translator: ITranslator;
}

/**
 * The filter box of the experiments: its placeholder names fields the
 * rows have, and a completion list (`<datalist>`) offers field names,
 * states and tags for the word being typed. Escape clears it.
 */
export function ExperimentFilter(props: IExperimentFilterProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const listId = useMemo(
    () => `jp-mlops-filter-${Math.random().toString(36).slice(2, 8)}`,
    []
  );
  const examples = useMemo(() => placeholderExamples(props.rows), [props.rows]);
  const options = useMemo(
    () => completions(props.query, props.fields),
    [props.query, props.fields]
  );
  return (
    <>
      <input
        type="search"
        className="jp-mlops-Search jp-mod-styled"
        placeholder={trans.__(
          'e.g. %1',
          // One example fits a 250 px sidebar; the title explains the rest.
          showBidiControls(examples[0])
        )}
        title={trans.__(
          'Examples: %1. Words must all match (name, note, tags, parameters); key>value compares a parameter or metric; OR gives alternatives; is:starred, is:failed, is:broken, tag:x, notebook:x, author:x; -word excludes.',
          showBidiControls(examples.join(', '))
        )}
        aria-label={trans.__('Filter experiments')}
        list={listId}
        autoComplete="off"
        spellCheck={false}
        value={props.query}
        onChange={event => props.onChange(event.currentTarget.value)}
      />
      <datalist id={listId} className="jp-mlops-FilterCompletions">
        {/* The browser shows a value as is: one with bidi controls (a
            field or tag from a shared store) is left out, not reversed. */}
        {options
          .filter(option => !hasBidiControls(option))
          .map(option => (
            <option key={option} value={option} />
          ))}
      </datalist>
    </>
  );
}
