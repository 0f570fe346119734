import { useMemo } from 'react';

import { filterRows } from '../tracking/list/filter';
import {
  IQueryFields,
  IUnknownField,
  queryFields,
  unknownFields
} from '../tracking/list/queryHelp';
import { IExperimentRow } from '../tracking/list/row';
import { ISort, sortRows } from '../tracking/list/rows';

/**
 * What a list of experiments shows for a query and a sort order: the rows
 * (filtered, then sorted), the fields the rows have, and the fields the
 * query names that none has. Each is computed again only when its inputs
 * change (10,000 rows).
 */
export function useShownRows(
  rows: readonly IExperimentRow[],
  query: string,
  sort: ISort
): {
  shown: IExperimentRow[];
  fields: IQueryFields;
  unknown: IUnknownField[];
} {
  const fields = useMemo(() => queryFields(rows), [rows]);
  const shown = useMemo(
    () => sortRows(filterRows(rows, query), sort),
    // The sort is compared by value: a new object of the same order
    // does not sort again.
    [rows, query, sort.key, sort.descending]
  );
  const unknown = useMemo(() => unknownFields(query, fields), [query, fields]);
  return { shown, fields, unknown };
}
