import { nullTranslator } from '@jupyterlab/translation';
import React from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';

import { CompareView } from '../../src/components/CompareView';
import { SkippedParameters } from '../../src/components/SkippedParameters';
import { SortControl } from '../../src/components/SortControl';
import { compareMetrics } from '../../src/tracking/compare/baseline';
import { ICompareRow } from '../../src/tracking/compare/compare';

/**
 * The comparison table against a baseline, the skipped parameter lines and
 * the sort menu, rendered without a DOM (React's server renderer): what
 * they show, and that user strings stay text.
 */

const HOSTILE = '<img src=x onerror=alert(1)>';

describe('CompareView with a baseline', () => {
  const rows: ICompareRow[] = [
    { section: 'parameter', key: 'depth', values: [2, 5], differs: true },
    { section: 'metric', key: 'accuracy', values: [0.9, 0.95], differs: true },
    { section: 'metric', key: 'val_loss', values: [0.3, 0.35], differs: true },
    { section: 'metric', key: HOSTILE, values: [1, null], differs: true }
  ];
  const render = (baseline: number) =>
    renderToStaticMarkup(
      React.createElement(CompareView, {
        names: ['older', `newer${HOSTILE}`],
        rows,
        onlyDifferences: false,
        onOnlyDifferencesChange: () => undefined,
        onExport: () => undefined,
        translator: nullTranslator,
        metrics: compareMetrics(
          rows
            .filter(row => row.section === 'metric')
            .map(row => ({
              key: row.key,
              values: row.values.map(v => (typeof v === 'number' ? v : null))
            })),
          baseline
        ),
        baseline,
        onBaselineChange: () => undefined
      })
    );

  it('should show each change against the baseline, coloured by direction', () => {
    const html = render(0);
    expect(html).toContain(
      'jp-mlops-MetricCell-delta jp-mod-better" title="Better than the baseline">+0.05 (+5.56 %)'
    );
    // Loss went up: worse.
    expect(html).toContain(
      'jp-mlops-MetricCell-delta jp-mod-worse" title="Worse than the baseline">+0.05 (+16.7 %)'
    );
    // The best accuracy (higher) and the best loss (lower) are marked.
    expect(html.match(/jp-mlops-MetricCell-best/g)).toHaveLength(2);
    expect(html).toContain('class="jp-mod-baseline"');
    // The baseline picker lists the runs; the parameter row has no deltas.
    expect(html).toContain('<option value="0" selected="">older</option>');
    expect(html.match(/jp-mlops-MetricCell-delta/g)).toHaveLength(2);
  });

  it('should keep user strings as text', () => {
    const html = render(1);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // A metric only one run has: no change to show, a dash for the other.
    expect(html).toContain('<td>—</td>');
  });
});

describe('SkippedParameters', () => {
  it('should list each line with its place and reason, as text', () => {
    const html = renderToStaticMarkup(
      React.createElement(SkippedParameters, {
        skipped: [
          { cell: 0, line: 1, text: 'import os', reason: 'not-an-assignment' },
          { cell: 2, line: 4, text: HOSTILE, reason: 'not-a-literal' }
        ],
        translator: nullTranslator
      })
    );
    expect(html).toContain(
      '2 lines of the parameters cells were not read as parameters'
    );
    expect(html).toContain('<td>3</td><td>4</td>');
    expect(html).toContain('the value is not a literal');
    expect(html).not.toContain('<img');
  });

  it('should show nothing when every line was read', () => {
    expect(
      renderToStaticMarkup(
        React.createElement(SkippedParameters, {
          skipped: [],
          translator: nullTranslator
        })
      )
    ).toBe('');
  });
});

describe('SortControl', () => {
  it('should offer every field, and the current one even when rows lack it', () => {
    const html = renderToStaticMarkup(
      React.createElement(SortControl, {
        sort: { key: 'metric:gone\u202Eexe', descending: true },
        onChange: () => undefined,
        parameterKeys: ['max_depth'],
        metricKeys: ['accuracy'],
        translator: nullTranslator
      })
    );
    for (const label of [
      'Date',
      'Name',
      'Metric: accuracy',
      'Parameter: max_depth'
    ]) {
      expect(html).toContain(`>${label}</option>`);
    }
    // The fallback label shows the bidi control as a marker, not as a flip.
    expect(html).toContain(
      'value="metric:gone\u202Eexe" selected="">gone⟨U+202E⟩exe</option>'
    );
  });
});
