"""Small real file systems for the disk-full and read-only tests.

The tests mount a tmpfs of a few pages (and a few inodes) inside the Jupyter
root, so "disk full" is the kernel's own ENOSPC and "read-only" its own
EROFS. Root ignores file modes, so `chmod` cannot stand in for either.
Mounting needs CAP_SYS_ADMIN: without it the tests skip, saying so.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

_DENIED = ("permission denied", "must be superuser", "operation not permitted", "only root")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=30)


@contextlib.contextmanager
def tmpfs(where: Path, *, size: str = "256k", inodes: int = 64) -> Iterator[Path]:
    """Mount a fresh tmpfs at `where` (created if missing); always unmount it."""
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("mount/umount are not installed: cannot make a small real file system")
    where.mkdir(parents=True, exist_ok=True)
    done = _run(
        "mount", "-t", "tmpfs", "-o", f"size={size},nr_inodes={inodes}", "tmpfs", str(where)
    )
    if done.returncode != 0:
        if os.geteuid() != 0 or any(text in done.stderr.lower() for text in _DENIED):
            pytest.skip(f"mounting a tmpfs is not permitted here: {done.stderr.strip()}")
        pytest.fail(f"mount failed: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if _run("umount", str(where)).returncode != 0:
            # Busy (a descriptor still open somewhere): detach it now, the
            # kernel frees it when its last user goes.
            _run("umount", "-l", str(where))


def remount_read_only(where: Path) -> None:
    """Turn the tmpfs at `where` read-only (the kernel then answers EROFS)."""
    done = _run("mount", "-o", "remount,ro", str(where))
    if done.returncode != 0:
        pytest.fail(f"remount,ro failed: {done.stderr.strip()}")


def fill_blocks(folder: Path) -> Path:
    """Write one file in `folder` until the file system has no block left."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        chunk = b"\0" * 4096
        while True:
            os.write(fd, chunk)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)
    return filler


def fill_inodes(folder: Path) -> list[Path]:
    """Create empty files in `folder` until the file system has no inode left."""
    made: list[Path] = []
    while True:
        path = folder / f"inode-{len(made)}"
        try:
            path.touch(exist_ok=False)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
            return made
        made.append(path)
