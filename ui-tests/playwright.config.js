/**
 * galata configuration: a real JupyterLab started from this folder's
 * jupyter_server_test_config.py, driven by Debian's Chromium.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// MLOPS_GALATA_PORT lets several checkouts run their UI tests at once.
const port = process.env.MLOPS_GALATA_PORT || '8888';

// The server's root, known to the tests so they can seed experiment stores
// with the git CLI (the workers and the server inherit it).
if (!process.env.JUPYTERLAB_GALATA_ROOT_DIR) {
  const fs = require('fs');
  const os = require('os');
  const path = require('path');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'galata-mlops-'));
  process.env.JUPYTERLAB_GALATA_ROOT_DIR = root;
  // Only the runner's process gets here (its workers inherit the variable).
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
}

// Specs that need a server of their own, each run by a phase of
// scripts/test.sh: the compatibility smoke test on the oldest supported
// JupyterLab (MLOPS_COMPAT=1) and the Notebook 7 spec on a `jupyter
// notebook` server (MLOPS_NOTEBOOK=1). The main run has the rest.
const ownServer = {
  compat: '**/compat.spec.ts',
  notebook: '**/notebook7.spec.ts'
};
const mode = process.env.MLOPS_NOTEBOOK
  ? 'notebook'
  : process.env.MLOPS_COMPAT
    ? 'compat'
    : 'main';

module.exports = {
  ...baseConfig,
  ...(mode === 'main'
    ? { testIgnore: Object.values(ownServer) }
    : { testMatch: [ownServer[mode]] }),
  timeout: 120000,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
    // Notebook 7's pages are at the root (/tree, /notebooks), not /lab.
    ...(mode === 'notebook' ? { appPath: '' } : {}),
    // Playwright cannot download its own browsers or ffmpeg here.
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: `jupyter ${mode === 'notebook' ? 'notebook' : 'lab'} --config jupyter_server_test_config.py`,
    url: `http://localhost:${port}/${mode === 'notebook' ? 'tree' : 'lab'}`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
