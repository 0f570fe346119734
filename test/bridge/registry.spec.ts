import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { RegistryRoutes } from '../../src/bridge/registry';
import { isolatedClient } from '../support/client';

/**
 * The typed client of the registry routes against the run's real
 * jupyter_server: a version from a staging folder, an alias, the audit log.
 */

const MLMODEL =
  'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    pickled_model: model.pkl\n';

describe('RegistryRoutes', () => {
  it('should register, alias and audit through the server', async () => {
    const client = isolatedClient('registry');
    expect(await RegistryRoutes.models(client)).toEqual({ models: [] });
    const staging = await RegistryRoutes.staging(client);
    writeFileSync(join(staging.path, 'MLmodel'), MLMODEL);
    writeFileSync(join(staging.path, 'model.pkl'), 'x');
    const version = await RegistryRoutes.register(client, {
      model: 'Wine <img src=x onerror=alert(1)>',
      staging: staging.id,
      source: 'kernel',
      lineage: null
    });
    expect(version).toMatchObject({ version: 1, state: 'ok', lineage: null });
    expect(version.flavors).toEqual(['python_function', 'sklearn']);
    const alias = await RegistryRoutes.setAlias(
      client,
      'Wine <img src=x onerror=alert(1)>',
      'champion',
      1
    );
    expect(alias).toMatchObject({ from: null, to: 1 });
    const model = await RegistryRoutes.model(
      client,
      'Wine <img src=x onerror=alert(1)>'
    );
    expect(model.aliases).toEqual({ champion: 1 });
    const { models } = await RegistryRoutes.models(client);
    expect(models.map(m => [m.name, m.latest])).toEqual([
      ['Wine <img src=x onerror=alert(1)>', 1]
    ]);
    const audit = await RegistryRoutes.audit(client);
    expect(audit.verification).toEqual({ ok: true, count: 2, problems: [] });
    expect(audit.entries.map(e => e.action)).toEqual(['alias', 'register']);
  });

  it('should fail with the server code on bad input', async () => {
    const client = isolatedClient('registry-bad');
    await expect(
      RegistryRoutes.register(client, {
        model: '../x',
        staging: '0'.repeat(32),
        source: 'kernel',
        lineage: null
      })
    ).rejects.toMatchObject({ code: 'E_BAD_REQUEST' });
    await expect(RegistryRoutes.model(client, 'nobody')).rejects.toMatchObject({
      code: 'E_NOT_FOUND'
    });
  });
});
