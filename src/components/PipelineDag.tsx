import { ITranslator } from '@jupyterlab/translation';
import React, { useEffect, useMemo, useRef, useState } from 'react';

import type { StepStatus } from '../bridge/pipeline';
import { fitLayout, pathOf } from '../pipeline/layout';
import { UserText } from './UserText';

/**
 * Properties of the DAG.
 */
export interface IPipelineDagProps {
  /** Step names, in notebook order. */
  steps: readonly string[];
  edges: readonly (readonly [string, string])[];
  /** Each step's state in the run shown, if one is. */
  states?: Readonly<Record<string, StepStatus>>;
  /** Now, in seconds (for the duration of running steps). */
  now?: number;
  /** Select a step's cells. */
  onSelect: (step: string) => void;
  translator: ITranslator;
}

/**
 * The pipeline's DAG, laid out top to bottom by dagre: edges as SVG, steps
 * as buttons over it (so a long name ends in an ellipsis with the whole
 * name as its tooltip, and a step is reachable with Tab and Enter). With a
 * run, each step shows its state and duration.
 */
export function PipelineDag(props: IPipelineDagProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  // The width it has: the sidebar's, followed as the user resizes it.
  const host = useRef<HTMLDivElement>(null);
  const [available, setAvailable] = useState(0);
  useEffect(() => {
    const node = host.current;
    if (!node) {
      return;
    }
    const measure = () => setAvailable(node.clientWidth - Private.PADDING);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, []);
  const { layout, scale } = useMemo(
    () => fitLayout(props.steps, props.edges, Math.max(available, 0)),
    [
      props.steps.join('\n'),
      props.edges.map(e => e.join('→')).join('\n'),
      available
    ]
  );
  const stateLabel: Record<StepStatus['state'], string> = {
    queued: trans.__('queued'),
    running: trans.__('running'),
    cached: trans.__('cached'),
    done: trans.__('done'),
    failed: trans.__('failed'),
    cancelled: trans.__('cancelled'),
    skipped: trans.__('skipped')
  };
  return (
    <div
      ref={host}
      className="jp-mlops-Dag"
      role="group"
      aria-label={trans.__('Pipeline graph')}
    >
      <div
        className="jp-mlops-Dag-frame"
        style={{ width: layout.width * scale, height: layout.height * scale }}
      >
        <div
          className="jp-mlops-Dag-canvas"
          data-scale={scale.toFixed(2)}
          style={{
            width: layout.width,
            height: layout.height,
            transform: scale === 1 ? undefined : `scale(${scale})`
          }}
        >
          <svg
            className="jp-mlops-Dag-edges"
            width={layout.width}
            height={layout.height}
            aria-hidden="true"
          >
            <defs>
              <marker
                id="jp-mlops-Dag-arrow"
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M0 0 L10 5 L0 10 z" className="jp-mlops-Dag-head" />
              </marker>
            </defs>
            {layout.edges.map(edge => (
              <path
                key={`${edge.from}→${edge.to}`}
                d={pathOf(edge.points)}
                className="jp-mlops-Dag-edge"
                markerEnd="url(#jp-mlops-Dag-arrow)"
              />
            ))}
          </svg>
          {layout.nodes.map(node => {
            const status = props.states?.[node.name];
            const state = status?.state;
            const duration = Private.duration(status, props.now);
            const detail = state
              ? duration === null
                ? stateLabel[state]
                : `${stateLabel[state]} · ${duration}`
              : '';
            return (
              <button
                type="button"
                key={node.name}
                className={`jp-mlops-Dag-node${state ? ` jp-mod-${state}` : ''}`}
                data-step={node.name}
                data-state={state ?? ''}
                style={{
                  left: node.x - node.width / 2,
                  top: node.y - node.height / 2,
                  width: node.width,
                  height: node.height
                }}
                title={
                  detail
                    ? trans.__('%1 (%2): select its cells', node.name, detail)
                    : trans.__('%1: select its cells', node.name)
                }
                onClick={() => props.onSelect(node.name)}
              >
                <span className="jp-mlops-Dag-name">
                  <UserText text={node.name} />
                </span>
                {detail && <span className="jp-mlops-Dag-state">{detail}</span>}
              </button>
            );
          })}
        </div>
      </div>
    </div>
  );
}

namespace Private {
  /** The DAG's horizontal padding (style/pipeline.css: 12 px each side). */
  export const PADDING = 24;

  /**
   * How long a step ran ("1.2 s", "2 min 5 s"), or null before it started.
   */
  export function duration(
    status: StepStatus | undefined,
    now: number | undefined
  ): string | null {
    if (!status || status.started === null || status.state === 'cached') {
      return null;
    }
    const end = status.finished ?? now;
    if (end === undefined) {
      return null;
    }
    const seconds = Math.max(0, end - status.started);
    if (seconds < 10) {
      return `${seconds.toFixed(1)} s`;
    }
    if (seconds < 60) {
      return `${Math.round(seconds)} s`;
    }
    return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  }
}
