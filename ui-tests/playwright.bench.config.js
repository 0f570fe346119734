/**
 * The panel benchmark (bench/RESULTS.md, "Experiments panel with 10,000
 * experiments"): a real JupyterLab in Debian's Chromium on its own port and
 * root, so it never meets the UI tests' server.
 *
 *   cd ui-tests && npx playwright test -c playwright.bench.config.js
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

const port = process.env.MLOPS_BENCH_PORT || '8899';
process.env.MLOPS_GALATA_PORT = port;
if (!process.env.MLOPS_BENCH_ROOT) {
  process.env.MLOPS_BENCH_ROOT = fs.mkdtempSync(
    path.join(os.tmpdir(), 'mlops-bench-')
  );
}
process.env.JUPYTERLAB_GALATA_ROOT_DIR = process.env.MLOPS_BENCH_ROOT;

module.exports = {
  testDir: './bench',
  testMatch: '*.bench.ts',
  // Not test-results/: the UI tests' screenshots stay where they are.
  outputDir: 'bench-results',
  timeout: 20 * 60 * 1000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    viewport: { width: 1280, height: 800 },
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
    reuseExistingServer: false
  }
};
