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
  process.env.JUPYTERLAB_GALATA_ROOT_DIR = fs.mkdtempSync(
    path.join(os.tmpdir(), 'galata-mlops-')
  );
}

module.exports = {
  ...baseConfig,
  // The compatibility smoke test runs in the compat phase of
  // scripts/test.sh (MLOPS_COMPAT=1), on a fresh server of the oldest
  // supported JupyterLab; the main run's panels, snapshot and audit specs
  // cover the newest one.
  ...(process.env.MLOPS_COMPAT
    ? { testMatch: ['**/compat.spec.ts'] }
    : { testIgnore: ['**/compat.spec.ts'] }),
  timeout: 120000,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never' }]],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${port}`,
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
    command: 'jupyter lab --config jupyter_server_test_config.py',
    url: `http://localhost:${port}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
