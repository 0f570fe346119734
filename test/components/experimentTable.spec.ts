import { nullTranslator } from '@jupyterlab/translation';
import React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import {
  ExperimentTable,
  IExperimentTableProps,
  ROW_HEIGHT
} from '../../src/components/ExperimentTable';
import { IExperimentRow } from '../../src/tracking/list/row';

/**
 * The experiments table rendered without a DOM (React's server renderer):
 * before it is laid out, the virtualizer renders a sidebar's worth of rows
 * at their estimated heights.
 */

function row(n: number): IExperimentRow {
  const id = `01K${String(n).padStart(4, '0')}`;
  return {
    ref: `refs/exps/nb-00000000/${id}`,
    id,
    slug: 'nb-00000000',
    name: `run-${n}`,
    createdAt: '2026-11-23T12:00:00Z',
    notebookPath: 'examples/wine.ipynb',
    parameters: { depth: n },
    metrics: { acc: n / 1000 },
    starred: n === 1,
    tags: []
  };
}

function render(over: Partial<IExperimentTableProps> = {}): string {
  return renderToStaticMarkup(
    React.createElement(ExperimentTable, {
      rows: Array.from({ length: 1000 }, (_, n) => row(n)),
      columns: ['param:depth'],
      sort: { key: 'created', descending: true },
      onSort: () => undefined,
      showNotebook: false,
      onStar: () => undefined,
      onOpen: () => undefined,
      selected: new Set([row(2).ref]),
      onSelect: () => undefined,
      translator: nullTranslator,
      ...over
    })
  );
}

describe('the experiments table', () => {
  it('should render only the first rows, at their estimated places', () => {
    const html = render();
    const rows = html.match(/role="row"/g) ?? [];
    // The header and a sidebar's worth of rows, not a thousand.
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(30);
    expect(html).toContain('aria-rowcount="1001"');
    expect(html).toContain(`height:${1000 * ROW_HEIGHT}px`);
    expect(html).toMatch(
      /data-index="0" style="[^"]*transform:translateY\(0px\)/
    );
    expect(html).toMatch(
      new RegExp(
        `data-index="3" style="[^"]*transform:translateY\\(${3 * ROW_HEIGHT}px\\)`
      )
    );
    expect(html).not.toContain('run-999');
  });

  it('should show the header, the summary, the columns and the selection', () => {
    const html = render();
    expect(html).toContain('jp-mlops-ExperimentTable-header');
    expect(html).toContain('data-field="param:depth"');
    expect(html).toMatch(
      /jp-mlops-ExperimentTable-metrics"><bdi class="jp-mlops-UserText">acc<\/bdi> 0\.001<\/span>/
    );
    expect(html).toMatch(
      /class="jp-mlops-ExperimentTable-row jp-mod-selected"[^>]*aria-selected="true"[^>]*data-ref="refs\/exps\/nb-00000000\/01K0002"/
    );
    expect(html).toMatch(/class="jp-mlops-ExperimentTable-row jp-mod-active"/);
  });

  it('should render no rows and no active row when there are none', () => {
    const html = render({ rows: [] });
    expect(html.match(/role="row"/g)).toHaveLength(1);
    expect(html).not.toContain('aria-activedescendant');
    expect(html).toContain('style="height:0;');
  });
});

describe('ExperimentTable authors', () => {
  const compact = (authors: (string | undefined)[]) =>
    renderToStaticMarkup(
      React.createElement(ExperimentTable, {
        rows: authors.map((author, n) => ({ ...row(n), author })),
        columns: [],
        compact: true,
        sort: { key: 'created', descending: true },
        onSort: () => undefined,
        showNotebook: false,
        onStar: () => undefined,
        onOpen: () => undefined,
        selected: new Set<string>(),
        onSelect: () => undefined,
        translator: nullTranslator
      })
    );

  it('should name no author while the list holds one (or none)', () => {
    expect(compact(['alice', 'alice', undefined])).not.toContain(
      'jp-mlops-ExperimentTable-author'
    );
  });

  it('should name each row’s author once there are several', () => {
    const html = compact(['alice', 'Bob <b>', undefined]);
    expect(html.match(/jp-mlops-ExperimentTable-author"/g)).toHaveLength(2);
    expect(html).toContain('Bob &lt;b&gt;');
  });
});
