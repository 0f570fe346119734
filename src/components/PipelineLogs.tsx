import { ITranslator } from '@jupyterlab/translation';
import React, { useEffect, useRef, useState } from 'react';

import { PipelineRoutes, RunStatus } from '../bridge/pipeline';
import type { IBridgeClient } from '../bridge/tokens';
import { isMlopsError } from '../errors';
import type { INotebookPlace } from '../pipeline/tracebacks';
import { UserText } from './UserText';

/**
 * Properties of the logs view.
 */
export interface IPipelineLogsProps {
  client: () => Pick<IBridgeClient, 'serverSettings'>;
  notebook: string;
  run: string;
  /** Where a failed step's traceback points in the notebook, if it can say. */
  locate: (step: string, log: string) => INotebookPlace | null;
  /** Show a cell (and line) of the notebook. */
  onGoTo: (place: INotebookPlace) => void;
  translator: ITranslator;
  /** How often a running run is polled (ms). */
  pollMs?: number;
}

/** The most of one log the view keeps (its end). */
const MAX_LOG_CHARS = 2 * 1024 * 1024;

/**
 * A run's logs in a main-area tab: the steps with their states, and the
 * chosen step's log, streamed while it runs (polled from the bridge by
 * byte offset). A failed step shows its error and the cell it came from.
 */
export function PipelineLogs(props: IPipelineLogsProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const pollMs = props.pollMs ?? 1000;
  const [status, setStatus] = useState<RunStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [logs, setLogs] = useState<Record<string, string>>({});
  const offsets = useRef<Record<string, number>>({});
  const finished = useRef<Record<string, boolean>>({});

  // The run's status, polled while it runs.
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poll = async () => {
      try {
        const next = await PipelineRoutes.run(
          props.client(),
          props.notebook,
          props.run
        );
        if (stop) {
          return;
        }
        setStatus(next);
        setError(null);
        if (next.state === 'running') {
          timer = setTimeout(() => void poll(), pollMs);
        }
      } catch (reason) {
        if (!stop) {
          setError(isMlopsError(reason) ? reason.message : String(reason));
          timer = setTimeout(() => void poll(), pollMs * 3);
        }
      }
    };
    void poll();
    return () => {
      stop = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
  }, [props.notebook, props.run]);

  const steps = status ? Object.entries(status.steps) : [];
  const step =
    chosen ??
    steps.find(([, s]) => s.state === 'failed')?.[0] ??
    steps.find(([, s]) => s.state === 'running')?.[0] ??
    steps[0]?.[0] ??
    null;
  const stepState = step && status ? status.steps[step]?.state : undefined;

  // The chosen step's log, streamed until the step has ended and all is read.
  useEffect(() => {
    // Queued steps have no log yet (the effect runs again when the state
    // changes); cached and skipped ones never ran in this run.
    const hasLog =
      stepState === 'running' ||
      stepState === 'done' ||
      stepState === 'failed' ||
      stepState === 'cancelled';
    if (step === null || !hasLog) {
      return;
    }
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const read = async () => {
      if (finished.current[step]) {
        return;
      }
      try {
        const answer = await PipelineRoutes.log(
          props.client(),
          props.notebook,
          props.run,
          step,
          offsets.current[step] ?? 0
        );
        if (stop) {
          return;
        }
        offsets.current[step] = answer.offset;
        finished.current[step] = answer.eof;
        if (answer.text) {
          setLogs(old => ({
            ...old,
            [step]: ((old[step] ?? '') + answer.text).slice(-MAX_LOG_CHARS)
          }));
        }
        if (!answer.eof) {
          timer = setTimeout(() => void read(), answer.text ? 50 : pollMs);
        }
      } catch (reason) {
        if (stop) {
          return;
        }
        if (isMlopsError(reason, 'E_NOT_FOUND') && stepState !== 'running') {
          // Cancelled before it started: no log.
          finished.current[step] = true;
          return;
        }
        setError(isMlopsError(reason) ? reason.message : String(reason));
        timer = setTimeout(() => void read(), pollMs * 3);
      }
    };
    void read();
    return () => {
      stop = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
    };
  }, [props.notebook, props.run, step, stepState]);

  const text = step === null ? '' : (logs[step] ?? '');
  const place =
    step !== null && stepState === 'failed' ? props.locate(step, text) : null;
  return (
    <div className="jp-mlops-Logs" data-run={props.run}>
      <div className="jp-mlops-Logs-head">
        <strong>{trans.__('Run %1', props.run)}</strong>
        {status && (
          <span className={`jp-mlops-RunBar-state jp-mod-${status.state}`}>
            {status.state}
          </span>
        )}
      </div>
      {error && (
        <p className="jp-mlops-Notice jp-mod-error" role="alert">
          <UserText text={error} />
        </p>
      )}
      <div
        className="jp-mlops-Logs-steps"
        role="tablist"
        aria-label={trans.__('Steps')}
      >
        {steps.map(([name, s]) => (
          <button
            type="button"
            role="tab"
            key={name}
            aria-selected={name === step}
            className={`jp-mlops-Logs-step jp-mod-${s.state}`}
            data-step={name}
            onClick={() => setChosen(name)}
          >
            <UserText text={name} /> <span>{s.state}</span>
          </button>
        ))}
      </div>
      {place && (
        <p className="jp-mlops-Notice jp-mod-error jp-mlops-Logs-failure">
          {place.error && <UserText text={place.error} />}{' '}
          <button
            type="button"
            className="jp-mlops-LinkButton"
            onClick={() => props.onGoTo(place)}
          >
            {trans.__('Cell %1, line %2', place.cell + 1, place.line)}
          </button>
        </p>
      )}
      <pre
        className="jp-mlops-Logs-text"
        role="log"
        aria-live="polite"
        data-step={step ?? ''}
      >
        {text ||
          (stepState === 'queued'
            ? trans.__('Waiting for the steps before it.')
            : stepState === 'cached'
              ? trans.__(
                  'Replayed from the cache: this run did not execute it.'
                )
              : '')}
      </pre>
    </div>
  );
}
