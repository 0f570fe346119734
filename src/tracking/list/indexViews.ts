import { parseExperimentRef } from '../store/refs';
import { IExperimentRow } from './row';
import { isIndexedRowShape } from './rowCheck';

/**
 * The packed views of the experiment index (rowCache.ts): each view (one
 * notebook's rows, or all notebooks') is stored as one JSON string, and a
 * large one also as its head, its newest rows and its count.
 */

/**
 * A cached row: the panel's row plus the commit it describes.
 */
export type IIndexedRow = IExperimentRow & { oid: string };

/**
 * Rows in a view's head (its newest), painted first with the view's count:
 * enough to fill a tall table while the rest loads.
 */
export const HEAD_ROWS = 60;

/**
 * Views whose rows a window keeps after listing them (the notebooks a
 * user switches between).
 */
export const REMEMBERED_VIEWS = 3;

/**
 * Whether a stored value has the row's shape (a corrupt entry is dropped
 * and read again from its ref).
 */
/**
 * Whether a cached value is a row: checked by hand (rowCheck.ts), as
 * zod took as long as parsing 100,000 rows.
 */
export function isRow(value: unknown): value is IIndexedRow {
  return isIndexedRowShape(value);
}

/**
 * The key of a view in the packed store.
 */
export function viewKey(slug?: string): string {
  return slug ?? '*';
}

/**
 * The keys of the views (and heads) that may hold these rows or refs:
 * their notebooks' and all notebooks'; null: any view may.
 */
export function viewsHolding(
  rows: readonly IIndexedRow[],
  refs: readonly string[]
): string[] | null {
  const slugs = new Set<string | undefined>([undefined]);
  rows.forEach(row => slugs.add(row.slug));
  for (const ref of refs) {
    const parsed = parseExperimentRef(ref);
    if (parsed) {
      slugs.add(parsed.slug);
    } else {
      // Not a ref the lab writes: no telling whose view holds it.
      return null;
    }
  }
  return [...slugs].flatMap(slug => [viewKey(slug), headKey(slug)]);
}

/**
 * The key of a view's head (its newest rows and count) in the packed store.
 */
export function headKey(slug?: string): string {
  return `head:${viewKey(slug)}`;
}

/**
 * Views whose rows a window keeps after listing them (the notebooks a
 * user switches between).
 */

/**
 * A view's head; null when it is not one.
 */
export function unpackHead(
  json: string
): { rows: IIndexedRow[]; count: number } | null {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value !== 'object' || value === null) {
      return null;
    }
    const { rows, count } = value as { rows?: unknown; count?: unknown };
    return Array.isArray(rows) &&
      rows.every(isRow) &&
      Number.isSafeInteger(count) &&
      (count as number) >= rows.length
      ? { rows, count: count as number }
      : null;
  } catch {
    return null;
  }
}

/**
 * Rows from a packed view; null when it is not a list of rows.
 */
export function unpack(json: string): IIndexedRow[] | null {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every(isRow) ? value : null;
  } catch {
    return null;
  }
}

/**
 * The heads a view's write leaves, `[key, JSON or null to delete]`: its
 * own, and when it is all notebooks' view, each notebook's (a notebook
 * first shown after a rebuild of all then paints at once).
 */
export function headsOf(
  slug: string | undefined,
  sorted: readonly IIndexedRow[]
): [string, string | null][] {
  const views = new Map<string | undefined, IIndexedRow[]>([
    [slug, [...sorted]]
  ]);
  if (slug === undefined) {
    for (const row of sorted) {
      const rows = views.get(row.slug) ?? [];
      rows.push(row);
      views.set(row.slug, rows);
    }
  }
  return [...views].map(([view, rows]) => [
    headKey(view),
    rows.length > HEAD_ROWS
      ? JSON.stringify({ count: rows.length, rows: rows.slice(0, HEAD_ROWS) })
      : null
  ]);
}
