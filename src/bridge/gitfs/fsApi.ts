/**
 * The file system API that isomorphic-git binds to, and the error mapping
 * and path rule shared by the bridge adapter (`BridgeGitFs`, gitfs.ts) and
 * its write batch (`GitWriteBatch`, writeBatch.ts). The adapter creates
 * batches; a batch takes what it shares with the adapter from here, never
 * from gitfs.ts.
 */

import { isMlopsError } from '../../errors';

/**
 * The subset of node's `Stats` isomorphic-git reads.
 */
export interface IStats {
  type: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  size: number;
  ino: number;
  dev: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  ctimeMs: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/**
 * The promise file system API of isomorphic-git (docs/fs.md there).
 */
export interface IPromiseApi {
  readFile(
    path: string,
    options?: string | { encoding?: string }
  ): Promise<Uint8Array | string>;
  writeFile(
    path: string,
    data: Uint8Array | string,
    options?: string | { encoding?: string; mode?: number }
  ): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  stat(path: string): Promise<IStats>;
  lstat(path: string): Promise<IStats>;
  readlink(path: string): Promise<string>;
  symlink(target: string, path: string): Promise<void>;
}

/**
 * An error with a node-style `code` (`ENOENT`, …), which is what
 * isomorphic-git branches on; `cause` keeps the bridge's error.
 */
export class FsError extends Error {
  constructor(code: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'FsError';
    this.code = code;
  }

  /**
   * The node-style error code.
   */
  readonly code: string;
}

/**
 * Map a bridge failure to the error isomorphic-git understands.
 */
export function toFsError(
  reason: unknown,
  method: string,
  path: string
): FsError {
  if (isMlopsError(reason)) {
    const code = Private.NODE_CODES[reason.code] ?? reason.code;
    return new FsError(
      code,
      `${code}: ${method} '${path}': ${reason.message}`,
      reason
    );
  }
  return new FsError(
    'EIO',
    `EIO: ${method} '${path}': ${String(reason)}`,
    reason
  );
}

/**
 * A path of the adapter relative to the store folder: `/a/b` → `a/b`;
 * `/` → `` (the store folder itself).
 */
export function relative(path: string): string {
  if (typeof path !== 'string') {
    throw new FsError('EINVAL', `EINVAL: not a path: ${String(path)}`);
  }
  return path
    .split('/')
    .filter(part => part !== '' && part !== '.')
    .join('/');
}

namespace Private {
  export const NODE_CODES: Record<string, string> = {
    E_NOT_FOUND: 'ENOENT',
    E_EXISTS: 'EEXIST',
    E_NOT_A_DIRECTORY: 'ENOTDIR',
    E_IS_A_DIRECTORY: 'EISDIR',
    E_NOT_EMPTY: 'ENOTEMPTY'
  };
}
