/**
 * What the uPlot charts of the Compare tab share: the theme's colours and
 * font read from the `--jp-*` variables when drawn, a width, and the
 * number format of axes and legends.
 */

/**
 * The theme's colours and font for a chart, read now.
 */
export interface IChartTheme {
  text: string;
  grid: string;
  background: string;
  font: string;
  /** Line colours, one per series in turn (then again, dashed). */
  lines: string[];
}

/**
 * Read the chart colours of the current theme from `node`'s CSS variables.
 */
export function chartTheme(node: HTMLElement): IChartTheme {
  const style = getComputedStyle(node);
  const read = (name: string, fallback: string) =>
    style.getPropertyValue(name).trim() || fallback;
  // uPlot scales the first number of the font by the pixel ratio, so the
  // size must be in px (the theme gives em): the small UI size.
  const base = parseFloat(style.fontSize);
  const size = Math.round((Number.isFinite(base) ? base : 13) * 0.85);
  return {
    text: read('--jp-ui-font-color2', '#616161'),
    grid: read('--jp-border-color2', '#e0e0e0'),
    background: read('--jp-layout-color1', '#ffffff'),
    font: `${size}px ${read('--jp-ui-font-family', 'sans-serif')}`,
    // Distinct hues in both themes (the dark theme lightens each).
    lines: [
      read('--jp-brand-color1', '#1976d2'),
      read('--jp-warn-color1', '#f57c00'),
      read('--jp-success-color1', '#388e3c'),
      read('--jp-error-color1', '#d32f2f'),
      read('--jp-mirror-editor-meta-color', '#a2f'),
      read('--jp-info-color1', '#0097a7')
    ]
  };
}

/**
 * The width a chart can take in `node` (at least 160 px).
 */
export function chartWidth(node: HTMLElement): number {
  return Math.max(160, Math.floor(node.clientWidth));
}

/**
 * A number for a legend or an axis: up to 4 significant digits, `—` for
 * none.
 */
export function formatChartNumber(value: number | null | undefined): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return '—';
  }
  const abs = Math.abs(value);
  return abs !== 0 && (abs >= 1e6 || abs < 1e-3)
    ? value.toExponential(2)
    : String(Number(value.toPrecision(4)));
}
