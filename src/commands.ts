/**
 * Command ids of the extension: `mlops:verb-noun`.
 */
export namespace CommandIDs {
  export const openExperiments = 'mlops:open-experiments';
  export const openPipeline = 'mlops:open-pipeline';
  export const openModels = 'mlops:open-models';
  export const snapshot = 'mlops:snapshot-experiment';
  export const openExperiment = 'mlops:open-experiment';
  export const openExperimentToSide = 'mlops:open-experiment-to-side';
  export const compare = 'mlops:compare-experiments';
  export const compareWithPrevious = 'mlops:compare-with-previous';
  export const compareWithBest = 'mlops:compare-with-best';
  export const openExperimentNotebook = 'mlops:open-experiment-notebook';
  export const restoreExperiment = 'mlops:restore-experiment';
  export const refreshStatus = 'mlops:refresh-status';
  export const openDemo = 'mlops:open-demo';
  export const openExperimentsTable = 'mlops:open-experiments-table';
  export const syncExperiments = 'mlops:sync-experiments';
  export const runPipeline = 'mlops:run-pipeline';
  export const runPipelineWith = 'mlops:run-pipeline-with';
  export const cancelPipeline = 'mlops:cancel-pipeline';
  export const exportPipeline = 'mlops:export-pipeline';
  export const showPipelineLogs = 'mlops:show-pipeline-logs';
  export const checkPipelineVariables = 'mlops:check-pipeline-variables';
  export const registerModel = 'mlops:register-model';
  export const registerExperimentModel = 'mlops:register-experiment-model';
  export const refreshModels = 'mlops:refresh-models';
  export const deployModel = 'mlops:deploy-model';
}
