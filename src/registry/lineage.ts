import type { Lineage } from '../bridge/registry';
import type { Manifest } from '../tracking/store/manifest';
import { pinnedRequirements } from '../util/requirements';

/**
 * A model version's lineage from the experiment it came from: the
 * experiment's id and ref, the notebook and its content hash, each data
 * file's hash, the parameters, the metrics and the pinned requirements.
 * A version without an experiment has none ("no lineage", which the deploy
 * gate refuses by default).
 */
export function lineageOf(
  manifest: Manifest,
  ref: string,
  pipelineRun?: string
): Lineage {
  const dataHashes: Record<string, string> = {};
  for (const item of manifest.data) {
    dataHashes[item.path] = item.sha256;
  }
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(manifest.metrics)) {
    if (Number.isFinite(value)) {
      metrics[name] = value;
    }
  }
  return {
    experiment: { id: manifest.id, ref },
    notebook: manifest.notebook.path,
    notebookHash: manifest.notebook.contentHash,
    dataHashes,
    params: { ...manifest.parameters },
    metrics,
    requirements: pinnedRequirements(manifest.environment.packages).text,
    ...(pipelineRun !== undefined && { pipelineRun })
  };
}

/** What is missing for the lineage to be complete (the deploy gate's first check). */
export function lineageGaps(lineage: Lineage | null | undefined): string[] {
  if (!lineage || !lineage.experiment) {
    return ['no snapshot'];
  }
  const gaps: string[] = [];
  if (!lineage.notebookHash) {
    gaps.push('no notebook hash');
  }
  if (Object.keys(lineage.dataHashes ?? {}).length === 0) {
    gaps.push('no data hashes');
  }
  if (!lineage.requirements) {
    gaps.push('no pinned environment');
  }
  return gaps;
}

/**
 * The newest finished pipeline run that reproduced experiment `ref` (the
 * runner checked its metrics against that snapshot's): the run a version
 * registered with that experiment's lineage came from; null when none.
 */
export function reproducingRun(
  runs: readonly {
    run: string;
    state: string;
    started: number;
    reproduction?: { state: string; experiment: string | null };
  }[],
  ref: string
): string | null {
  let best: { run: string; started: number } | null = null;
  for (const run of runs) {
    if (
      run.state === 'done' &&
      run.reproduction?.state === 'reproduced' &&
      run.reproduction.experiment === ref &&
      (best === null || run.started > best.started)
    ) {
      best = run;
    }
  }
  return best?.run ?? null;
}
