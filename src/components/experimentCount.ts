import type { TranslationBundle } from '@jupyterlab/translation';

/**
 * The count above an experiment table: "N experiments", or "K of N
 * experiments" when a filter hides some. While only the newest rows of a
 * large list are loaded (`total` not null: its first paint), N is the
 * whole list's count, and a filter speaks of the newest rows it saw.
 */
export function experimentCount(
  trans: TranslationBundle,
  shown: number,
  rows: number,
  total: number | null
): string {
  if (shown === rows) {
    return trans._n('%1 experiment', '%1 experiments', total ?? rows);
  }
  if (total !== null) {
    return trans.__('%1 of the newest %2 experiments', shown, rows);
  }
  return trans.__('%1 of %2 experiments', shown, rows);
}
