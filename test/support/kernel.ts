import { KernelManager, ServerConnection } from '@jupyterlab/services';
import { inject } from 'vitest';
import WebSocket from 'ws';

/**
 * Settings for kernels of the run's jupyter_server (Node 20 has no
 * WebSocket of its own: `ws` stands in).
 */
export function kernelServerSettings(): ServerConnection.ISettings {
  const server = inject('jupyterServer');
  return ServerConnection.makeSettings({
    baseUrl: server.baseUrl,
    wsUrl: server.baseUrl.replace(/^http/, 'ws'),
    token: server.token,
    appendToken: true,
    WebSocket: WebSocket as unknown as typeof globalThis.WebSocket
  });
}

/**
 * Start a real python3 kernel through the run's jupyter_server.
 */
export async function startKernel(): Promise<{
  kernel: Awaited<ReturnType<KernelManager['startNew']>>;
  stop: () => Promise<void>;
}> {
  const serverSettings = kernelServerSettings();
  const manager = new KernelManager({ serverSettings });
  const kernel = await manager.startNew({ name: 'python3' });
  return {
    kernel,
    stop: async () => {
      await kernel.shutdown();
      manager.dispose();
    }
  };
}
