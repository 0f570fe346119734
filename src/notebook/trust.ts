/**
 * Notebook trust never travels through the store. A cell's
 * `metadata.trusted` is the lab's and the server's record that *this* user
 * ran it; stored, it would let anyone who can write a shared store (or hand
 * over an experiment) make their outputs' HTML and JavaScript run in
 * another user's lab: jupyter_server signs a notebook on save when every
 * code cell says `trusted: true`.
 */

/**
 * A copy of nbformat JSON without `metadata.trusted` on any cell, for
 * storing or restoring. The input (the lab's live model JSON) is not
 * changed; what is not a notebook is returned as it is.
 */
export function withoutCellTrust(notebook: unknown): unknown {
  if (!Private.isRecord(notebook) || !Array.isArray(notebook.cells)) {
    return notebook;
  }
  return {
    ...notebook,
    cells: notebook.cells.map(cell => {
      if (!Private.isRecord(cell) || !Private.isRecord(cell.metadata)) {
        return cell;
      }
      // A copy: the live model's metadata object must keep its trust.
      const metadata = { ...cell.metadata };
      delete metadata.trusted;
      return { ...cell, metadata };
    })
  };
}

namespace Private {
  export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}
