import { ITranslator } from '@jupyterlab/translation';
import React from 'react';

import type { RunStatus } from '../bridge/pipeline';
import type { MlopsError } from '../errors';
import {
  describeReproduction,
  formatMetric,
  IReproduction
} from '../pipeline/reproduce';
import { UserText } from './UserText';

/**
 * Properties of the run bar.
 */
export interface IPipelineRunBarProps {
  /** Runs, newest first. */
  runs: readonly RunStatus[];
  /** The run the DAG shows. */
  shown: RunStatus | null;
  busy: 'exporting' | 'starting' | 'cancelling' | null;
  error: MlopsError | null;
  /** Why the pipeline cannot run now (errors in its tags), if so. */
  blocked: string | null;
  /** The `local` export is older than the notebook. */
  stale: boolean;
  /** The reproducibility check of the shown run. */
  reproduction: IReproduction | null;
  onRun: () => void;
  onRunWith: () => void;
  onCancel: (run: string) => void;
  onExport: () => void;
  /** Export again every target exported before (when stale). */
  onReexport: () => void;
  onLogs: (run: string) => void;
  onShowRun: (run: string) => void;
  translator: ITranslator;
}

/**
 * Run, cancel, export; the shown run's state, metrics and reproducibility;
 * the last runs (a click shows one in the DAG).
 */
export function PipelineRunBar(props: IPipelineRunBarProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const shown = props.shown;
  const running = shown?.state === 'running';
  const busyLabel = {
    exporting: trans.__('Exporting…'),
    starting: trans.__('Starting…'),
    cancelling: trans.__('Cancelling…')
  };
  const stateLabel: Record<RunStatus['state'], string> = {
    running: trans.__('running'),
    done: trans.__('done'),
    failed: trans.__('failed'),
    cancelled: trans.__('cancelled'),
    interrupted: trans.__('interrupted')
  };
  const counts = shown ? Private.counts(shown) : null;
  return (
    <div className="jp-mlops-RunBar">
      <div className="jp-mlops-RunBar-actions">
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled jp-mod-accept"
          disabled={props.blocked !== null || props.busy !== null || running}
          title={props.blocked ?? trans.__('Run the pipeline locally')}
          onClick={props.onRun}
        >
          {props.busy && props.busy !== 'cancelling'
            ? busyLabel[props.busy]
            : trans.__('Run')}
        </button>
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled"
          disabled={props.blocked !== null || props.busy !== null || running}
          title={trans.__(
            'Run with other parameter values, or without the cache'
          )}
          onClick={props.onRunWith}
        >
          {trans.__('Run…')}
        </button>
        {running && shown && (
          <button
            type="button"
            className="jp-mlops-Button jp-mod-styled jp-mod-warn"
            disabled={props.busy === 'cancelling'}
            onClick={() => props.onCancel(shown.run)}
          >
            {props.busy === 'cancelling'
              ? busyLabel.cancelling
              : trans.__('Cancel')}
          </button>
        )}
        <button
          type="button"
          className="jp-mlops-Button jp-mod-styled"
          disabled={props.blocked !== null || props.busy !== null}
          title={
            props.blocked ?? trans.__('Export to local, DVC, KFP or Airflow')
          }
          onClick={props.onExport}
        >
          {trans.__('Export…')}
        </button>
      </div>
      {props.blocked && (
        <p className="jp-mlops-RunBar-blocked">
          <UserText text={props.blocked} />
        </p>
      )}
      {props.stale && !props.blocked && (
        <p className="jp-mlops-Notice jp-mod-warning jp-mlops-RunBar-stale">
          {trans.__('The exported pipeline is older than the notebook.')}{' '}
          <button
            type="button"
            className="jp-mlops-LinkButton"
            disabled={props.busy !== null}
            onClick={props.onReexport}
          >
            {trans.__('Re-export')}
          </button>
        </p>
      )}
      {props.error && (
        <p className="jp-mlops-Notice jp-mod-error" role="alert">
          <UserText text={props.error.message} />{' '}
          <code>{props.error.code}</code>
        </p>
      )}
      {shown && counts && (
        <div
          className={`jp-mlops-RunBar-run jp-mod-${shown.state}`}
          data-run={shown.run}
          data-state={shown.state}
        >
          <div className="jp-mlops-RunBar-summary">
            <strong>{stateLabel[shown.state]}</strong>
            <span>
              {trans.__(
                '%1 of %2 steps done, %3 cached',
                counts.done,
                counts.total,
                counts.cached
              )}
              {counts.failed > 0 &&
                ` · ${trans.__('%1 failed', counts.failed)}`}
            </span>
            <button
              type="button"
              className="jp-mlops-LinkButton"
              onClick={() => props.onLogs(shown.run)}
            >
              {trans.__('Logs')}
            </button>
          </div>
          {shown.metrics && Object.keys(shown.metrics).length > 0 && (
            <div className="jp-mlops-RunBar-metrics">
              {Object.entries(shown.metrics).map(([name, value]) => (
                <span key={name} title={String(value)}>
                  <UserText text={name} /> {formatMetric(value)}
                </span>
              ))}
            </div>
          )}
          {props.reproduction && shown.state === 'done' && (
            <div
              className={`jp-mlops-RunBar-repro jp-mod-${props.reproduction.state}`}
              data-reproduction={props.reproduction.state}
              title={trans.__(
                'Run metrics against the notebook’s latest snapshot, tolerance %1',
                props.reproduction.tolerance
              )}
            >
              {describeReproduction(props.reproduction)}
            </div>
          )}
        </div>
      )}
      {props.runs.length > 1 && (
        <details className="jp-mlops-RunBar-history">
          <summary>{trans.__('Earlier runs (%1)', props.runs.length)}</summary>
          <ul>
            {props.runs.slice(0, 20).map(run => (
              <li key={run.run}>
                <button
                  type="button"
                  className="jp-mlops-LinkButton"
                  aria-current={run.run === shown?.run}
                  onClick={() => props.onShowRun(run.run)}
                >
                  {new Date(run.started * 1000).toLocaleString()}
                </button>{' '}
                <span className={`jp-mlops-RunBar-state jp-mod-${run.state}`}>
                  {stateLabel[run.state]}
                </span>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

namespace Private {
  export function counts(run: RunStatus) {
    const steps = Object.values(run.steps);
    const of = (state: string) => steps.filter(s => s.state === state).length;
    return {
      total: steps.length,
      done: of('done') + of('cached'),
      cached: of('cached'),
      failed: of('failed')
    };
  }
}
