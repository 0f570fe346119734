"""Confined changes to the store folder: atomic write, mkdir, rm.

Like `store_fs`, every function takes a validated `Store` and a client path,
confines the path with `paths.locate`, then acts relative to a folder
descriptor opened by `dirfd.open_dir` (no symlink followed on the way). A
caller that already located and checked the path passes it as `target`, and
a `guard` that looks at the folder once it is open. A failing operation
leaves no temp file and removes the folders it created.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from .dirfd import NOFOLLOW, opened_dir, rollback
from .errors import MlopsError
from .paths import Store, locate
from .store_fs import TEMP_PREFIX, mapped_errors

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

#: Called with the descriptor of the folder an operation acts in and the
#: name it acts on, before it acts (see `store_layout.guard_folder`).
Guard = Callable[[int, str], None]


def _store_root_error(path: str, verb: str) -> MlopsError:
    return MlopsError("E_STORE_ROOT", f"cannot {verb} the store folder itself ({path!r})")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _link_no_clobber(dir_fd: int, src: str, dst: str) -> None:
    # link(2) fails with EEXIST when dst exists: an atomic "create or fail".
    try:
        os.link(src, dst, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
            raise
        # No hard links on this file system: check then rename (racy, best we can).
        try:
            os.stat(dst, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            os.replace(src, dst, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            return
        raise FileExistsError(errno.EEXIST, "already exists") from None
    os.unlink(src, dir_fd=dir_fd)


def write_atomic_at(dir_fd: int, name: str, data: bytes, exclusive: bool) -> None:
    # A fixed-length temp name: the target's own name may already be 255 bytes.
    tmp = f"{TEMP_PREFIX}{secrets.token_hex(8)}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC
    fd = os.open(tmp, flags, 0o666, dir_fd=dir_fd)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if exclusive:
            _link_no_clobber(dir_fd, tmp, name)
        else:
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        # Best effort: the error to report is the one that got us here (a
        # full disk, say), not a failure to clean up after it.
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
    # Make the rename itself durable, not only the file's content.
    os.fsync(dir_fd)


def write(
    store: Store,
    path: str,
    data: bytes,
    *,
    exclusive: bool = False,
    parents: bool = False,
    follow: bool = True,
    target: Path | None = None,
    guard: Guard | None = None,
) -> int:
    """Write `data` to `path` atomically and return its size.

    Readers see the old content or the new one, never a mix. With `exclusive`
    an existing target is `E_EXISTS`; with `parents` missing folders are made.
    Without `follow` a symlink at the final name is replaced, not followed.
    `target` is the real path a caller already located and checked (so the
    path cannot resolve elsewhere in between); `guard` looks at the folder
    once it is open.
    """
    if target is None:
        target = locate(store, path, follow=follow)
    if target == store.path:
        raise _store_root_error(path, "write")
    created: list[Path] = []
    try:
        with mapped_errors(path, writing=True):
            with opened_dir(store, target.parent, created=created, parents=parents) as dir_fd:
                if guard is not None:
                    guard(dir_fd, target.name)
                write_atomic_at(dir_fd, target.name, data, exclusive)
    except BaseException:
        rollback(created)
        raise
    return len(data)


def mkdir(
    store: Store,
    path: str,
    *,
    parents: bool = False,
    target: Path | None = None,
    guard: Guard | None = None,
) -> None:
    """Create the folder `path`; `E_EXISTS` if anything is there already.

    `""` creates the store folder itself (it is also made by any write).
    `target` and `guard` as for `write`.
    """
    if target is None:
        target = locate(store, path, follow=False)
    created: list[Path] = []
    try:
        with mapped_errors(path, writing=True):
            with opened_dir(store, target.parent, created=created, parents=parents) as dir_fd:
                if guard is not None:
                    guard(dir_fd, target.name)
                os.mkdir(target.name, 0o777, dir_fd=dir_fd)
    except BaseException:
        rollback(created)
        raise


def _rmtree(dir_fd: int, name: str, target: Path) -> None:
    if sys.version_info >= (3, 11):
        shutil.rmtree(name, dir_fd=dir_fd)
    else:  # pragma: no cover - Python 3.10 has no dir_fd here
        shutil.rmtree(target)


def rm(
    store: Store,
    path: str,
    *,
    recursive: bool = False,
    target: Path | None = None,
    guard: Guard | None = None,
) -> None:
    """Remove a file, a symlink itself, an empty folder, or with `recursive` a tree.

    `target` and `guard` as for `write`.
    """
    if target is None:
        target = locate(store, path, follow=False)
    if target == store.path:
        raise _store_root_error(path, "remove")
    with mapped_errors(path, writing=True), opened_dir(store, target.parent) as dir_fd:
        if guard is not None:
            guard(dir_fd, target.name)
        info = os.stat(target.name, dir_fd=dir_fd, follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode):
            os.unlink(target.name, dir_fd=dir_fd)
        elif recursive:
            _rmtree(dir_fd, target.name, target)
        else:
            os.rmdir(target.name, dir_fd=dir_fd)
