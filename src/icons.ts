import { LabIcon } from '@jupyterlab/ui-components';

// `jp-icon3` fills follow the theme (dark in light themes, light in dark).

/**
 * A flask: experiments.
 */
export const experimentsIcon = new LabIcon({
  name: 'jupyterlab-mlops:experiments',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M9 2h6v2h-1v5.3l5.6 9.7A2 2 0 0 1 17.9 22H6.1a2 2 0 0 1-1.7-3L10 9.3V4H9V2zm3 9.2L8.7 17h6.6L12 11.2z"/>
</svg>`
});

/**
 * Three connected nodes: the pipeline DAG.
 */
export const pipelineIcon = new LabIcon({
  name: 'jupyterlab-mlops:pipeline',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <rect x="2" y="3" width="7" height="5" rx="1"/>
    <rect x="15" y="3" width="7" height="5" rx="1"/>
    <rect x="8.5" y="16" width="7" height="5" rx="1"/>
    <path d="M5 8h1.5v3.25h11V8H19v4.75h-6.25V16h-1.5v-3.25H5z"/>
  </g>
</svg>`
});

/**
 * A cube: models in the registry.
 */
export const modelsIcon = new LabIcon({
  name: 'jupyterlab-mlops:models',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M12 2 3 7v10l9 5 9-5V7l-9-5zm0 2.3L18.6 8 12 11.7 5.4 8 12 4.3zM5 9.7l6 3.3v6.6l-6-3.3V9.7zm8 9.9V13l6-3.3v6.6l-6 3.3z"/>
</svg>`
});

/**
 * A camera shutter: take a snapshot.
 */
export const snapshotIcon = new LabIcon({
  name: 'jupyterlab-mlops:snapshot',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M9 3 7.2 5H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2h-3.2L15 3H9zm3 5a5 5 0 1 1 0 10 5 5 0 0 1 0-10zm0 2a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"/>
</svg>`
});

/**
 * Two arrows chasing each other: Sync with the team's git remote.
 */
export const syncIcon = new LabIcon({
  name: 'jupyterlab-mlops:sync',
  svgstr: `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M12 4a8 8 0 0 1 7.4 5H22l-3.5 4L15 9h2.2A6 6 0 0 0 6.3 8.4L4.6 7.4A8 8 0 0 1 12 4zm-6.5 7L9 15H6.8a6 6 0 0 0 10.9.6l1.7 1A8 8 0 0 1 4.6 15H2l3.5-4z"/>
</svg>`
});
