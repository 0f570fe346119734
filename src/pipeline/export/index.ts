import type { ExportTarget } from '../../bridge/pipeline';
import type { PipelineIR } from '../ir';
import { exportAirflow } from './airflow';
import { exportDvc } from './dvc';
import { exportKfp } from './kfp';
import { exportLocal } from './local';

/**
 * Every target's exporter: a pure function of the IR to the files of
 * `pipelines/<name>/<target>/` (path → text).
 */
export const EXPORTERS: Partial<
  Record<ExportTarget, (ir: PipelineIR) => Record<string, string>>
> = {
  local: exportLocal,
  dvc: exportDvc,
  kfp: exportKfp,
  airflow: exportAirflow
};

/** The targets this build can export to, in the dialog's order. */
export function exportTargets(): ExportTarget[] {
  return (['local', 'dvc', 'kfp', 'airflow'] as const).filter(
    target => EXPORTERS[target] !== undefined
  );
}

/** Where a target's export of a notebook goes, from the Jupyter root. */
export function exportFolder(
  notebookPath: string,
  name: string,
  target: ExportTarget
): string {
  const parts = notebookPath.split('/');
  parts.pop();
  return [...parts, 'pipelines', name, target].join('/');
}

/** How to run an export, one shell line, from its folder. */
export const HOW_TO_RUN: Record<ExportTarget, string> = {
  local: 'python -m jupyterlab_mlops.run .',
  dvc: 'dvc repro',
  kfp: 'python pipeline.py --local',
  airflow: 'airflow dags test <dag id> (with this folder in the dags folder)'
};
