// Run a TypeScript module in a plain node process, transformed by vite (the
// transformer vitest itself uses): Node 20 cannot run TypeScript, and no tsx
// is installed. The module does its work at import (top-level await).
//
//   node test/support/runTs.mjs <module.ts>
import { runnerImport } from 'vite';

await runnerImport(process.argv[2], { logLevel: 'error' });
