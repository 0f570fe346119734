import { spawnSync } from 'node:child_process';
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmdirSync,
  writeSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Small real file systems (tmpfs) for disk-full and read-only tests: the
 * kernel's own ENOSPC and EROFS, no mock. Mounting needs root (or
 * CAP_SYS_ADMIN); `mountUnavailable()` says why it cannot be done.
 */

const PAGE = 4096;

function run(...args: string[]): { ok: boolean; stderr: string } {
  const done = spawnSync(args[0], args.slice(1), {
    encoding: 'utf8',
    timeout: 30_000
  });
  return {
    ok: done.status === 0,
    stderr: (done.stderr ?? String(done.error ?? '')).trim()
  };
}

let probed: string | null | undefined;

/**
 * Why a tmpfs cannot be mounted here, or null when it can (probed once).
 */
export function mountUnavailable(): string | null {
  if (probed === undefined) {
    const where = mkdtempSync(join(tmpdir(), 'mlops-mount-probe-'));
    const mounted = run(
      'mount',
      '-t',
      'tmpfs',
      '-o',
      'size=4k',
      'tmpfs',
      where
    );
    if (mounted.ok) {
      run('umount', where);
      probed = null;
    } else {
      probed = `cannot mount a tmpfs here: ${mounted.stderr || 'mount failed'}`;
    }
    rmdirSync(where);
  }
  return probed;
}

/**
 * Mount a fresh tmpfs of `size` (e.g. `512k`) at `where`, creating it.
 */
export function mountTmpfs(where: string, size: string, inodes = 4096): void {
  mkdirSync(where, { recursive: true });
  const mounted = run(
    'mount',
    '-t',
    'tmpfs',
    '-o',
    `size=${size},nr_inodes=${inodes}`,
    'tmpfs',
    where
  );
  if (!mounted.ok) {
    throw new Error(`mount tmpfs at ${where} failed: ${mounted.stderr}`);
  }
}

/**
 * Make the tmpfs at `where` read-only (writes then fail with EROFS).
 */
export function remountReadOnly(where: string): void {
  const done = run('mount', '-o', 'remount,ro', where);
  if (!done.ok) {
    throw new Error(`remount,ro of ${where} failed: ${done.stderr}`);
  }
}

/**
 * Unmount `where` (lazily if it is still busy) and remove the folder.
 */
export function unmount(where: string): void {
  if (!run('umount', where).ok) {
    run('umount', '-l', where);
  }
  try {
    rmdirSync(where);
  } catch {
    // Left for the owner of the parent folder to remove.
  }
}

/**
 * One file that takes all free space of a file system, and gives back
 * exactly `pages` pages of it on demand.
 */
export class Filler {
  /**
   * Create the filler file at `path` (on the file system to fill).
   */
  constructor(readonly path: string) {
    this._fd = openSync(path, 'wx');
  }

  /**
   * Grow the file until the file system has no block left.
   */
  fill(): void {
    const chunk = Buffer.alloc(PAGE);
    let position = fstatSync(this._fd).size;
    for (;;) {
      try {
        position += writeSync(this._fd, chunk, 0, PAGE, position);
      } catch (reason) {
        if ((reason as NodeJS.ErrnoException).code === 'ENOSPC') {
          return;
        }
        throw reason;
      }
    }
  }

  /**
   * Fill the disk, then free exactly `pages` pages.
   */
  leave(pages: number): void {
    this.fill();
    const size = fstatSync(this._fd).size;
    ftruncateSync(this._fd, Math.max(0, size - pages * PAGE));
  }

  /**
   * Close the file (it stays; unmounting removes it).
   */
  close(): void {
    closeSync(this._fd);
  }

  private _fd: number;
}
