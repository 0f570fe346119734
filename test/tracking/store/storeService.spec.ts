import { describe, expect, it } from 'vitest';

import { BridgeService } from '../../../src/bridge/service';
import { ExperimentStoreService } from '../../../src/tracking/store/storeService';
import { IExperimentStore } from '../../../src/tracking/store/tokens';
import { UlidFactory } from '../../../src/util/ids';
import { serverSettings } from '../../support/client';
import { makeManifest } from '../fixtures';

const ids = new UlidFactory();
let counter = 0;

/**
 * A bridge on a store folder of its own, as the core plugin makes it.
 */
function bridgeOn(folder?: string): BridgeService {
  return new BridgeService({
    serverSettings: serverSettings(),
    store: folder ?? `.mlops-service-${process.pid}-${++counter}`
  });
}

function reasons(service: IExperimentStore): string[] {
  const heard: string[] = [];
  service.changed.connect((_, change) => heard.push(change.reason));
  return heard;
}

/**
 * Resolve once `heard` holds `count` entries (BroadcastChannel messages
 * arrive on a later turn).
 */
async function until(heard: unknown[], count: number): Promise<void> {
  for (let i = 0; i < 100 && heard.length < count; i++) {
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

describe('ExperimentStoreService', () => {
  it('should keep one store per bridge client and follow the store folder', async () => {
    const bridge = bridgeOn();
    const service = new ExperimentStoreService({ bridge, channel: null });
    const heard = reasons(service);
    const first = service.current;
    expect(service.current).toBe(first);
    expect(service.client).toBe(bridge.client);
    const saved = await first.save({
      manifest: makeManifest(ids.next()),
      files: []
    });

    // The storeDir setting changes: another folder, another store.
    await bridge.setStore(`${bridge.client.store}-moved`);
    expect(heard).toEqual(['bridge']);
    expect(service.current).not.toBe(first);
    expect(service.client).toBe(bridge.client);
    expect(await service.current.list()).toEqual([]);
    expect((await first.list()).map(entry => entry.ref)).toEqual([saved.ref]);
    service.dispose();
  });

  it('should tell this tab and the other tabs on the same store of a write', async () => {
    const folder = `.mlops-service-${process.pid}-${++counter}`;
    const channel = `test-store-channel-${process.pid}-${counter}`;
    const here = new ExperimentStoreService({
      bridge: bridgeOn(folder),
      channel
    });
    const there = new ExperimentStoreService({
      bridge: bridgeOn(folder),
      channel
    });
    const elsewhere = new ExperimentStoreService({
      bridge: bridgeOn(`${folder}-other`),
      channel
    });
    const heardHere = reasons(here);
    const heardThere = reasons(there);
    const heardElsewhere = reasons(elsewhere);

    here.notifyWritten();
    expect(heardHere).toEqual(['written']);
    await until(heardThere, 1);
    expect(heardThere).toEqual(['remote']);
    // Another store folder: not its news.
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(heardElsewhere).toEqual([]);

    // Disposed: it neither hears nor keeps the process alive.
    there.dispose();
    expect(there.isDisposed).toBe(true);
    here.notifyWritten();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(heardThere).toEqual(['remote']);
    for (const service of [here, elsewhere]) {
      service.dispose();
    }
  });
});
