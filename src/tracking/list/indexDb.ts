import { DBSchema, IDBPDatabase, openDB } from 'idb';

import type { IIndexedRow } from './indexViews';

/**
 * The IndexedDB database of the experiment index (rowCache.ts).
 */

/**
 * Bumped whenever the row shape changes: older caches are dropped.
 */
export const INDEX_SCHEMA_VERSION = 4;

/**
 * The stores: rows by ref, the schema version, the packed views.
 */
export interface IIndexSchema extends DBSchema {
  rows: { key: string; value: IIndexedRow; indexes: { slug: string } };
  meta: { key: string; value: { key: string; schemaVersion: number } };
  /**
   * The rows of one view (a slug, or `*` for all notebooks) as one JSON
   * string: reading 10,000 rows as one string is several times faster
   * than as 10,000 objects; and a large view's head (`head:<view>`).
   * Dropped when their rows change.
   */
  packed: { key: string; value: { key: string; json: string } };
}

/**
 * Open the database; a cache of another schema version is emptied.
 */
export async function openIndex(
  name: string
): Promise<IDBPDatabase<IIndexSchema>> {
  const db = await openDB<IIndexSchema>(name, 2, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        const rows = database.createObjectStore('rows', { keyPath: 'ref' });
        rows.createIndex('slug', 'slug');
        database.createObjectStore('meta', { keyPath: 'key' });
      }
      if (oldVersion < 2) {
        database.createObjectStore('packed', { keyPath: 'key' });
      }
    }
  });
  const meta = await db.get('meta', 'schema');
  if (meta?.schemaVersion !== INDEX_SCHEMA_VERSION) {
    const tx = db.transaction(['rows', 'meta', 'packed'], 'readwrite');
    await Promise.all([
      tx.objectStore('rows').clear(),
      tx.objectStore('packed').clear(),
      tx
        .objectStore('meta')
        .put({ key: 'schema', schemaVersion: INDEX_SCHEMA_VERSION }),
      tx.done
    ]);
  }
  return db;
}
