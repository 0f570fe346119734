import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import { formatNumber } from '../util/format';
import { IMetricComparison } from '../tracking/compare/baseline';
import { ICompareRow } from '../tracking/compare/compare';
import { BaselinePicker } from './BaselinePicker';
import { CompareHead } from './CompareHead';
import { MetricCell } from './MetricCell';
import { UserText } from './UserText';

/**
 * Properties of the comparison table.
 */
export interface ICompareViewProps {
  names: readonly string[];
  rows: readonly ICompareRow[];
  onlyDifferences: boolean;
  onOnlyDifferencesChange: (only: boolean) => void;
  onExport: () => void;
  translator: ITranslator;
  /** More toolbar content (after the buttons). */
  children?: React.ReactNode;
  /** The metrics against the baseline; metric rows show deltas and best. */
  metrics?: readonly IMetricComparison[];
  /** The baseline column, and how to choose another. */
  baseline?: number;
  onBaselineChange?: (column: number) => void;
}

/**
 * Experiments side by side: the rows it is given (the widget passes
 * parameters and metrics; data and environment have sections of their
 * own), differing rows marked; rendered as text.
 */
export function CompareView(props: ICompareViewProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const sectionTitle: Record<ICompareRow['section'], string> = {
    parameter: trans.__('Parameters'),
    metric: trans.__('Metrics'),
    data: trans.__('Data (SHA-256)'),
    environment: trans.__('Environment'),
    package: trans.__('Packages')
  };
  let lastSection: string | null = null;
  const metrics = new Map((props.metrics ?? []).map(m => [m.key, m]));
  return (
    <div className="jp-mlops-Compare">
      <div className="jp-mlops-Compare-toolbar">
        <label className="jp-mlops-Toggle">
          <input
            type="checkbox"
            checked={props.onlyDifferences}
            onChange={event =>
              props.onOnlyDifferencesChange(event.currentTarget.checked)
            }
          />
          {trans.__('Only differences')}
        </label>
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled"
          onClick={props.onExport}
        >
          {trans.__('Export CSV')}
        </button>
        {props.onBaselineChange &&
          props.baseline !== undefined &&
          props.names.length > 1 && (
            <BaselinePicker
              names={props.names}
              baseline={props.baseline}
              onChange={props.onBaselineChange}
              translator={props.translator}
            />
          )}
        {props.children}
      </div>
      {props.rows.length === 0 ? (
        <p className="jp-mlops-Detail-empty">
          {props.onlyDifferences
            ? trans.__('No differences in parameters or metrics.')
            : trans.__('Nothing to compare.')}
        </p>
      ) : (
        <table className="jp-mlops-Detail-table jp-mlops-Compare-table">
          <CompareHead
            label={trans.__('Name')}
            names={props.names}
            baseline={props.metrics ? props.baseline : undefined}
            baselineLabel={trans.__('baseline')}
          />
          <tbody>
            {props.rows.flatMap(row => {
              const out: JSX.Element[] = [];
              const metric =
                row.section === 'metric' ? metrics.get(row.key) : undefined;
              if (row.section !== lastSection) {
                lastSection = row.section;
                out.push(
                  <tr
                    key={`section-${row.section}`}
                    className="jp-mlops-Compare-section"
                  >
                    <th colSpan={props.names.length + 1}>
                      {sectionTitle[row.section]}
                    </th>
                  </tr>
                );
              }
              out.push(
                <tr
                  key={`${row.section}:${row.key}`}
                  className={
                    row.differs
                      ? 'jp-mlops-Compare-row jp-mod-differs'
                      : 'jp-mlops-Compare-row'
                  }
                >
                  <th scope="row">
                    <UserText text={row.key} />
                  </th>
                  {metric
                    ? Private.metricCells(metric, props)
                    : row.values.map((value, i) => (
                        <td key={i}>
                          {value === null ? (
                            '—'
                          ) : (
                            <UserText
                              text={
                                typeof value === 'number'
                                  ? formatNumber(value)
                                  : String(value)
                              }
                            />
                          )}
                        </td>
                      ))}
                </tr>
              );
              return out;
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

namespace Private {
  /**
   * The cells of one metric row: value, best mark and delta per column.
   */
  export function metricCells(
    metric: IMetricComparison,
    props: ICompareViewProps
  ): JSX.Element[] {
    return metric.values.map((value, column) => (
      <MetricCell
        key={column}
        value={value}
        delta={metric.deltas[column] ?? null}
        best={metric.best.includes(column)}
        translator={props.translator}
      />
    ));
  }
}
