import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { slot } from '../util/bidi';
import { IQueryFields, IUnknownField } from '../tracking/list/queryHelp';
import { UserMessage } from './UserMessage';
import { UserText } from './UserText';

/**
 * Properties of the no-match message.
 */
export interface INoMatchesProps {
  query: string;
  /** Fields the query names that no experiment has. */
  unknown: readonly IUnknownField[];
  fields: IQueryFields;
  onClear: () => void;
  translator: ITranslator;
}

/**
 * What the list shows when the filter hides every experiment: the query,
 * each field it names that no experiment has (with what it probably
 * meant), the fields there are, and a way back.
 */
export function NoMatches(props: INoMatchesProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const known = [...props.fields.parameters, ...props.fields.metrics];
  return (
    <div className="jp-mlops-NoMatches" role="status">
      <p className="jp-mlops-NoMatches-title">
        <UserMessage
          template={trans.__('No experiment matches “%1”.', slot(0))}
          values={[props.query.trim()]}
        />
      </p>
      {props.unknown.map(({ field, suggestions }) => (
        <p key={field} className="jp-mlops-NoMatches-unknown">
          {field.endsWith(':') ? (
            <UserMessage
              template={
                suggestions.length > 0
                  ? trans.__(
                      '“%1” is no filter word (tag:, author:, notebook:, is:). Did you mean %2?',
                      slot(0),
                      slot(1)
                    )
                  : trans.__(
                      '“%1” is no filter word (tag:, author:, notebook:, is:); compare a field with =, <, >.',
                      slot(0)
                    )
              }
              values={[field, suggestions.join(', ')]}
            />
          ) : suggestions.length > 0 ? (
            <UserMessage
              template={trans.__(
                'No experiment has the field “%1”. Did you mean %2?',
                slot(0),
                slot(1)
              )}
              values={[field, suggestions.join(', ')]}
            />
          ) : (
            <UserMessage
              template={trans.__('No experiment has the field “%1”.', slot(0))}
              values={[field]}
            />
          )}
        </p>
      ))}
      {props.unknown.length > 0 && known.length > 0 && (
        <p className="jp-mlops-NoMatches-known">
          {trans.__('Fields: ')}
          {known.slice(0, 12).map((key, i) => (
            <React.Fragment key={key}>
              {i > 0 && ', '}
              <code>
                <UserText text={key} />
              </code>
            </React.Fragment>
          ))}
          {known.length > 12 && trans.__(' and %1 more', known.length - 12)}
        </p>
      )}
      <button
        type="button"
        className="jp-mlops-Button jp-mod-styled"
        onClick={props.onClear}
      >
        {trans.__('Clear the filter')}
      </button>
    </div>
  );
}
