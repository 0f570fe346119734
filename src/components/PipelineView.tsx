import { ITranslator } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import React from 'react';

import { CommandIDs } from '../commands';
import { pipelineIcon } from '../icons';
import type { IDataflow } from '../pipeline/dataflow';
import type { IPipelineGraph } from '../pipeline/graph';
import type { RunStatus } from '../bridge/pipeline';
import { IMlopsBridge } from '../tokens';
import { BridgeNotice } from './BridgeNotice';
import { CellTagEditor, ICellTagEditorProps } from './CellTagEditor';
import { EmptyState } from './EmptyState';
import { PanelHeader } from './PanelHeader';
import { PipelineDag } from './PipelineDag';
import { IPipelineRunBarProps, PipelineRunBar } from './PipelineRunBar';
import { StepList } from './StepList';

/**
 * Properties of the Pipeline panel.
 */
export interface IPipelineViewProps {
  bridge: IMlopsBridge;
  notebookName: string | null;
  /** The steps of the followed notebook, or null when none is open. */
  graph: IPipelineGraph | null;
  /** What flows between the steps (null when no notebook is open). */
  flow: IDataflow | null;
  /** Select these cells of the notebook (a step's, a problem's). */
  onSelectCells: (cells: number[]) => void;
  /** Add a tag to a cell (the fix of a missing `prev:`). */
  onAddTag: (cell: number, tag: string) => void;
  /** Run, export and the shown run (everything but the translator). */
  runBar: Omit<IPipelineRunBarProps, 'translator'>;
  /** The active cell's tag editor (everything but the translator). */
  tagEditor: Omit<ICellTagEditorProps, 'translator'>;
  /** Now, in seconds (durations of running steps). */
  now: number;
  commands: CommandRegistry;
  translator: ITranslator;
}

/**
 * The Pipeline panel: the steps the followed notebook's cell tags define.
 */
export function PipelineView(props: IPipelineViewProps): JSX.Element {
  const trans = props.translator.load('jupyterlab_mlops');
  const openDemo = {
    label: trans.__('Open the demo notebook'),
    onClick: () => void props.commands.execute(CommandIDs.openDemo)
  };
  let body: JSX.Element;
  if (props.graph === null) {
    body = (
      <EmptyState
        icon={pipelineIcon}
        title={trans.__('No notebook open')}
        actions={[{ ...openDemo, primary: true }]}
      >
        <p>
          {trans.__(
            'Open a notebook to see the pipeline its cell tags define.'
          )}
        </p>
      </EmptyState>
    );
  } else if (props.graph.steps.length === 0) {
    body = (
      <>
        <EmptyState
          icon={pipelineIcon}
          title={trans.__('No pipeline steps in this notebook')}
          actions={[{ ...openDemo, primary: true }]}
        >
          <p>
            {trans.__(
              'Tag cells the Kubeflow Kale way and each step becomes a reproducible pipeline step:'
            )}
          </p>
          <ul className="jp-mlops-TagHelp">
            <li>
              <code>step:NAME</code> {trans.__('starts a step')}
            </li>
            <li>
              <code>prev:NAME</code> {trans.__('runs it after another step')}
            </li>
            <li>
              <code>imports</code>, <code>functions</code>,{' '}
              <code>pipeline-parameters</code>, <code>pipeline-metrics</code>,{' '}
              <code>skip</code>
            </li>
          </ul>
          <p>
            {trans.__(
              'Tag the active cell below, or in the property inspector (the gear icon at the right).'
            )}
          </p>
        </EmptyState>
        <details className="jp-mlops-TagEditor-section" open>
          <summary>{trans.__('Tag the active cell')}</summary>
          <CellTagEditor {...props.tagEditor} translator={props.translator} />
        </details>
      </>
    );
  } else {
    const shown: RunStatus | null = props.runBar.shown;
    const graph = props.graph;
    body = (
      <>
        <PipelineRunBar {...props.runBar} translator={props.translator} />
        <PipelineDag
          steps={graph.steps.map(step => step.name)}
          edges={graph.edges}
          states={shown?.steps}
          now={props.now}
          onSelect={name => {
            const step = graph.steps.find(s => s.name === name);
            if (step) {
              props.onSelectCells(step.cells);
            }
          }}
          translator={props.translator}
        />
        <details className="jp-mlops-TagEditor-section" open>
          <summary>{trans.__('Tag the active cell')}</summary>
          <CellTagEditor {...props.tagEditor} translator={props.translator} />
        </details>
        <StepList
          graph={props.graph}
          flow={props.flow}
          onSelectCells={props.onSelectCells}
          onAddTag={props.onAddTag}
          translator={props.translator}
        />
      </>
    );
  }
  return (
    <div className="jp-mlops-Panel">
      <PanelHeader
        title={trans.__('Pipeline')}
        subtitle={props.notebookName ?? trans.__('No notebook open')}
      />
      <BridgeNotice bridge={props.bridge} translator={props.translator} />
      {body}
    </div>
  );
}
