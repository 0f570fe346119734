import { nullTranslator } from '@jupyterlab/translation';
import React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { SyncNotice } from '../../src/components/SyncNotice';
import { MlopsError } from '../../src/errors';
import type { SyncState } from '../../src/tracking/sync/storeSync';

/**
 * The Sync button and notice of the Experiments panel, rendered without a
 * DOM (React's server renderer), in each state.
 */

function notice(state: SyncState): string {
  return renderToStaticMarkup(
    React.createElement(SyncNotice, {
      state,
      onSync: () => undefined,
      onDismiss: () => undefined,
      translator: nullTranslator
    })
  );
}

const result = {
  remote: 'https://example.com/<team>.git',
  pushed: 3,
  fetched: 12,
  upToDate: 0,
  keptDeleted: 0,
  changedMeanwhile: 0,
  conflicts: [],
  rejected: []
};

describe('SyncNotice', () => {
  it('should show nothing before a sync', () => {
    expect(notice({ kind: 'idle' })).toBe('');
  });

  it('should show a bar while it runs', () => {
    const html = notice({ kind: 'syncing' });
    expect(html).toContain('<progress');
    expect(html).toContain('role="status"');
  });

  it('should say what was pushed and fetched, the remote as text', () => {
    const html = notice({ kind: 'done', result });
    expect(html).toContain('Pushed 3, fetched 12');
    expect(html).toContain('&lt;team&gt;');
    expect(html).not.toContain('<team>');
    expect(html).not.toContain('jp-mod-warning');
  });

  it('should warn when something needs the user’s eye', () => {
    const html = notice({
      kind: 'done',
      result: {
        ...result,
        conflicts: ['refs/exps/nb/01JD0000000000000000000001']
      }
    });
    expect(html).toContain('jp-mod-warning');
    expect(html).toContain('edited here and on the remote');
  });

  it('should show the error with its code, Retry and Dismiss', () => {
    const html = notice({
      kind: 'failed',
      error: new MlopsError('E_REMOTE_AUTH', 'refused <b>x</b>')
    });
    expect(html).toContain('role="alert"');
    expect(html).toContain('E_REMOTE_AUTH');
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(html).toContain('Retry');
    expect(html).toContain('aria-label="Dismiss"');
  });
});
