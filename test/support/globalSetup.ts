import type { TestProject } from 'vitest/node';

import { startServer } from './server';

/**
 * Start one real jupyter_server with the extension for the run; specs find
 * it through the injected `jupyterServer` value.
 */
export default async function setup(
  project: TestProject
): Promise<() => Promise<void>> {
  const server = await startServer();
  project.provide('jupyterServer', {
    baseUrl: server.baseUrl,
    token: server.token,
    rootDir: server.rootDir
  });
  return () => server.stop();
}

declare module 'vitest' {
  // The name is vitest's own.
  // eslint-disable-next-line @typescript-eslint/naming-convention
  export interface ProvidedContext {
    jupyterServer: { baseUrl: string; token: string; rootDir: string };
  }
}
