import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { IExperimentRow } from '../tracking/list';

/**
 * Properties of the experiment table.
 */
export interface IExperimentTableProps {
  rows: readonly IExperimentRow[];
  /** Show the notebook of each row (the "all notebooks" view). */
  showNotebook: boolean;
  onStar: (row: IExperimentRow) => void;
  onOpen: (row: IExperimentRow) => void;
  selected: ReadonlySet<string>;
  onSelect: (row: IExperimentRow, selected: boolean) => void;
  translator: ITranslator;
}

/**
 * The experiments as a compact table for a narrow sidebar: star, name with
 * the most common metrics under it, and time. Every user string is
 * rendered as text.
 */
export function ExperimentTable(props: IExperimentTableProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const metricKeys = Private.metricKeys(props.rows, 3);
  return (
    <table
      className="jp-mlops-ExperimentTable"
      aria-label={trans.__('Experiments')}
    >
      <thead>
        <tr>
          <th scope="col" aria-label={trans.__('Select')} />
          <th scope="col" aria-label={trans.__('Starred')} />
          <th scope="col">{trans.__('Name')}</th>
          <th scope="col">{trans.__('Created')}</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(row => (
          <tr
            key={row.ref}
            className={
              row.broken
                ? 'jp-mlops-ExperimentTable-row jp-mod-broken'
                : 'jp-mlops-ExperimentTable-row'
            }
            data-ref={row.ref}
          >
            <td>
              <input
                type="checkbox"
                className="jp-mlops-ExperimentTable-select"
                aria-label={trans.__('Select %1 for comparison', row.name)}
                checked={props.selected.has(row.ref)}
                disabled={row.broken !== undefined}
                onChange={event =>
                  props.onSelect(row, event.currentTarget.checked)
                }
              />
            </td>
            <td>
              <button
                type="button"
                className="jp-mlops-StarButton"
                aria-pressed={row.starred}
                aria-label={row.starred ? trans.__('Unstar') : trans.__('Star')}
                disabled={row.broken !== undefined}
                onClick={() => props.onStar(row)}
              >
                {row.starred ? '★' : '☆'}
              </button>
            </td>
            <td
              className="jp-mlops-ExperimentTable-name"
              title={row.notebookPath || row.ref}
            >
              <button
                type="button"
                className="jp-mlops-LinkButton jp-mlops-ExperimentTable-open"
                disabled={row.broken !== undefined}
                onClick={() => props.onOpen(row)}
              >
                {row.name}
              </button>
              {metricKeys.some(key => key in row.metrics) && (
                <span className="jp-mlops-ExperimentTable-metrics">
                  {metricKeys
                    .filter(key => key in row.metrics)
                    .map(
                      key => `${key} ${Private.formatNumber(row.metrics[key])}`
                    )
                    .join(' · ')}
                </span>
              )}
              {props.showNotebook && row.notebookPath && (
                <span className="jp-mlops-ExperimentTable-notebook">
                  {row.notebookPath}
                </span>
              )}
              {row.broken && (
                <span className="jp-mlops-ExperimentTable-broken">
                  {trans.__('Unreadable: %1', row.broken.message)}{' '}
                  <code>{row.broken.code}</code>
                </span>
              )}
            </td>
            <td
              className="jp-mlops-ExperimentTable-date"
              title={
                row.createdAt
                  ? new Date(row.createdAt).toLocaleString()
                  : undefined
              }
            >
              {row.createdAt ? Private.formatDate(row.createdAt) : '—'}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

namespace Private {
  /**
   * The most common metric keys, at most `count`.
   */
  export function metricKeys(
    rows: readonly IExperimentRow[],
    count: number
  ): string[] {
    const seen = new Map<string, number>();
    for (const row of rows) {
      for (const key of Object.keys(row.metrics)) {
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
    }
    return [...seen.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, count)
      .map(([key]) => key);
  }

  export function formatNumber(value: number | undefined): string {
    if (value === undefined) {
      return '—';
    }
    return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  }

  /**
   * Time of day for today's experiments, the date for older ones: the
   * column stays narrow; the full time is in the cell's title.
   */
  export function formatDate(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) {
      return iso;
    }
    const today = new Date().toDateString() === date.toDateString();
    return today
      ? date.toLocaleTimeString(undefined, {
          hour: '2-digit',
          minute: '2-digit'
        })
      : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  }
}
