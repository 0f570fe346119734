/**
 * The panel benchmark (bench/RESULTS.md, "Experiments panel with 10,000
 * experiments"): the UI tests' set-up (Debian's Chromium, a real
 * JupyterLab) on its own port and root, so it never meets their server.
 *
 *   cd ui-tests && npx playwright test -c playwright.bench.config.js
 */
const fs = require('fs');
const os = require('os');
const path = require('path');

// Set before the UI tests' configuration reads them.
process.env.MLOPS_GALATA_PORT = process.env.MLOPS_BENCH_PORT || '8899';
if (!process.env.MLOPS_BENCH_ROOT) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-bench-'));
  process.env.MLOPS_BENCH_ROOT = root;
  // Only the runner's process gets here (its workers inherit the variable):
  // the seeded stores (1.7 GB at 100,000 experiments) go when it ends.
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
}
process.env.JUPYTERLAB_GALATA_ROOT_DIR = process.env.MLOPS_BENCH_ROOT;

const ui = require('./playwright.config.js');

module.exports = {
  ...ui,
  testDir: './bench',
  testMatch: '*.bench.ts',
  // Not test-results/: the UI tests' screenshots stay where they are.
  outputDir: 'bench-results',
  timeout: 20 * 60 * 1000,
  retries: 0,
  reporter: [['list']],
  use: { ...ui.use, viewport: { width: 1280, height: 800 } },
  webServer: { ...ui.webServer, reuseExistingServer: false }
};
