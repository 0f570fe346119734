import { z } from 'zod';

import { postBridge, requestBridge } from './request';
import type { IBridgeClient } from './tokens';

/**
 * The MLflow tracking mirror's routes (docs/bridge.md, "Tracking mirror"):
 * queue a snapshot to become an MLflow run (once, through the server's
 * outbox), and ask where it stands. The server holds the MLflow URI and
 * token; the run's link it answers has no credentials.
 */

const mirrorState = z.object({
  state: z.enum(['none', 'pending', 'done', 'failed']),
  runUrl: z.string().nullable(),
  lastError: z.object({ code: z.string(), message: z.string() }).nullable()
});

const queued = z
  .object({
    key: z.string(),
    kind: z.literal('snapshot'),
    state: z.enum(['pending', 'done', 'failed'])
  })
  .passthrough();

/** Where a snapshot's MLflow run stands. */
export type MirrorState = z.infer<typeof mirrorState>;

type Client = Pick<IBridgeClient, 'serverSettings' | 'store'>;

export const TrackingRoutes = {
  /** Queue the snapshot `ref` for MLflow (again: the same entry). */
  mirror(client: Client, ref: string) {
    return postBridge(client, 'tracking/mirror', queued, { ref });
  },

  /** Where the snapshot `ref` stands on MLflow, with the run's link once there. */
  state(client: Client, ref: string) {
    const query = new URLSearchParams({ ref });
    if (client.store) {
      query.set('store', client.store);
    }
    return requestBridge(client, `tracking/mirror?${query}`, mirrorState, {
      method: 'GET'
    });
  }
};
