import { nullTranslator } from '@jupyterlab/translation';
import React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { ColumnChooser } from '../../src/components/ColumnChooser';
import { CompareView } from '../../src/components/CompareView';
import { DataChanges } from '../../src/components/DataChanges';
import { EnvironmentChanges } from '../../src/components/EnvironmentChanges';
import { ExperimentDetail } from '../../src/components/ExperimentDetail';
import { ExperimentTable } from '../../src/components/ExperimentTable';
import { MetricCharts } from '../../src/components/MetricCharts';
import { NotebookDiff } from '../../src/components/NotebookDiff';
import { PanelHeader } from '../../src/components/PanelHeader';
import {
  compareExperiments,
  metricSeries
} from '../../src/tracking/compare/compare';
import { diffData } from '../../src/tracking/compare/dataDiff';
import { diffEnvironments } from '../../src/tracking/compare/envDiff';
import { IExperimentRow, rowOf } from '../../src/tracking/list/row';
import { Manifest } from '../../src/tracking/store/manifest';
import { diffNotebooks } from '../../src/tracking/compare/notebookDiff';
import { makeManifest } from './fixtures';

/**
 * Every place that renders a user string, rendered (React's server
 * renderer, no DOM) with strings full of bidi controls: none reaches the
 * markup raw, each shows as its marker, and the strings sit in `<bdi>`.
 */

const RAW = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
const RLO = '\u202E';
const NAME = `invoice${RLO}txt.exe`;

function hostile(id: string, over: Partial<Manifest['user']> = {}): Manifest {
  const base = makeManifest(id);
  return {
    ...base,
    notebook: { ...base.notebook, path: `nb${RLO}bk.ipynb` },
    parameters: { [`lr${RLO}x`]: `v\u2067al\u2069`, depth: 3 },
    metrics: { [`acc\u202Dy`]: 0.9, loss: 0.1 },
    data: [
      {
        path: `data/a\u200Fb.csv`,
        kind: 'file',
        sha256: 'c'.repeat(64),
        size: 10,
        stored: false,
        sources: ['code']
      }
    ],
    environment: {
      python: '3.11',
      platform: `linux\u202B`,
      packages: { [`pk\u2066g`]: '1.0' }
    },
    code: { commit: 'd'.repeat(40), branch: `main${RLO}niam`, dirty: false },
    user: {
      ...base.user,
      name: NAME,
      tags: [`t\u202Aag`, `x\u061Cy`],
      note: `note ${RLO} \u200E here`,
      ...over
    }
  };
}

function render(element: React.ReactElement): string {
  return renderToStaticMarkup(element);
}

function expectSafe(html: string): void {
  // data-* attributes are identifiers for code, never shown.
  const shown = html.replace(/ data-[a-z-]+="[^"]*"/g, '');
  expect(shown.match(RAW)?.[0]).toBeUndefined();
  expect(html).toContain('⟨U+202E⟩');
  expect(html).toMatch(/<span class="jp-mlops-BidiControl"/);
}

const actions = {
  update: () => undefined,
  restore: () => undefined,
  openReadOnly: () => undefined,
  remove: () => undefined
};

describe('user strings with bidi controls', () => {
  const a = hostile('01ARZ3NDEKTSV4RRFFQ69G5FAV');
  const b = hostile('01ARZ3NDEKTSV4RRFFQ69G5FAW', { name: `other${RLO}1` });
  const names = [a.user.name, b.user.name];

  it('should show them as markers, isolated, in the detail view', () => {
    const html = render(
      React.createElement(ExperimentDetail, {
        manifest: a,
        refName: 'refs/exps/x/01ARZ3NDEKTSV4RRFFQ69G5FAV',
        busy: false,
        actions,
        translator: nullTranslator
      })
    );
    expectSafe(html);
    for (const marker of ['U+202A', 'U+061C', 'U+200E', 'U+2067', 'U+202D']) {
      expect(html).toContain(`⟨${marker}⟩`);
    }
    expect(html).toContain('value="invoice⟨U+202E⟩txt.exe"');
    expect(html).toMatch(/<bdi class="jp-mlops-UserText">main/);
    expect(html).toMatch(/<th scope="row"><bdi class="jp-mlops-UserText">lr/);
  });

  it('should show them as markers, isolated, in the experiments table', () => {
    const rows: IExperimentRow[] = [a, b].map(m =>
      rowOf(
        {
          ref: `refs/exps/${m.notebook.slug}/${m.id}`,
          id: m.id,
          slug: m.notebook.slug,
          oid: 'e'.repeat(40)
        },
        m
      )
    );
    const html = render(
      React.createElement(ExperimentTable, {
        rows,
        columns: ['tags', `param:lr${RLO}x`, `metric:acc\u202Dy`],
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
    expectSafe(html);
    expect(html).toMatch(
      /jp-mlops-ExperimentTable-open"><bdi class="jp-mlops-UserText">invoice<span class="jp-mlops-BidiControl"[^>]*>⟨U\+202E⟩<\/span>txt\.exe<\/bdi>/
    );
  });

  it('should show them as markers, isolated, in the comparison', () => {
    const pair = [a, b];
    const cells = [
      { cellType: 'code', source: `x = 1${RLO}`, executionCount: 1 },
      { cellType: 'code', source: 'y = 2', executionCount: 2 }
    ];
    const html = [
      render(
        React.createElement(CompareView, {
          names,
          rows: compareExperiments(pair, { onlyDifferences: false }),
          onlyDifferences: false,
          onOnlyDifferencesChange: () => undefined,
          onExport: () => undefined,
          translator: nullTranslator
        })
      ),
      render(
        React.createElement(MetricCharts, {
          names,
          series: metricSeries(pair, { onlyDifferences: false }),
          onlyDifferences: false,
          translator: nullTranslator
        })
      ),
      render(
        React.createElement(DataChanges, {
          names,
          rows: diffData(pair, { onlyDifferences: false }),
          onlyDifferences: false,
          translator: nullTranslator
        })
      ),
      render(
        React.createElement(EnvironmentChanges, {
          names,
          diff: diffEnvironments(pair, { onlyDifferences: false }),
          onlyDifferences: false,
          translator: nullTranslator
        })
      ),
      render(
        React.createElement(NotebookDiff, {
          names,
          from: 0,
          to: 1,
          onPairChange: () => undefined,
          cells: diffNotebooks(cells.slice(1), cells),
          translator: nullTranslator
        })
      )
    ];
    for (const part of html) {
      expectSafe(part);
    }
  });

  it('should show them as markers in panel headers and the column chooser', () => {
    expectSafe(
      render(
        React.createElement(PanelHeader, {
          title: 'Experiments',
          subtitle: NAME
        })
      )
    );
    expectSafe(
      render(
        React.createElement(ColumnChooser, {
          columns: [],
          parameterKeys: [`lr${RLO}x`],
          metricKeys: [`acc${RLO}y`],
          onChange: () => undefined,
          translator: nullTranslator
        })
      )
    );
  });
});
