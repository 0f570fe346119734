/**
 * Where a restored notebook goes: next to the original, named after the
 * experiment, never over an existing file.
 */
export async function restorePath(
  notebookPath: string,
  experimentName: string,
  exists: (path: string) => Promise<boolean>
): Promise<string> {
  const slash = notebookPath.lastIndexOf('/');
  const folder = slash >= 0 ? notebookPath.slice(0, slash + 1) : '';
  const base = notebookPath.slice(slash + 1).replace(/\.ipynb$/i, '');
  const safeName =
    experimentName.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') ||
    'restored';
  for (let n = 1; n < 1000; n++) {
    const candidate = `${folder}${base}.${safeName}${n === 1 ? '' : `-${n}`}.ipynb`;
    if (!(await exists(candidate))) {
      return candidate;
    }
  }
  throw new RangeError(`No free name next to ${notebookPath}`);
}
