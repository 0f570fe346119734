"""Confined file primitives on the store folder that change nothing: read, list, stat.

Every function takes a validated `Store` and a client path, confines the
path with `paths.locate`, then acts relative to a folder descriptor opened
by `dirfd.open_dir` (no symlink followed on the way). OS errors come out as
`MlopsError` with the codes of docs/bridge.md (`mapped_errors`, shared with
`store_write`, which holds the primitives that change the store).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from .dirfd import NOFOLLOW, open_dir, opened_dir
from .errors import MlopsError, from_os_error
from .paths import Store, locate

#: Names of files that exist only while an operation is in flight. `list`
#: hides them: a half-written temp file is nobody's business, and a reader
#: such as isomorphic-git must not mistake one for a ref.
TEMP_PREFIX = ".mlops-tmp-"
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


@contextlib.contextmanager
def mapped_errors(path: str, *, writing: bool = False) -> Iterator[None]:
    """Turn an OSError raised inside the block into the bridge's MlopsError.

    `writing` marks operations that change the store, where a permission
    error means the store is read-only for us (`E_READ_ONLY`).
    """
    try:
        yield
    except OSError as exc:
        raise from_os_error(exc, path, writing=writing) from exc


#: Largest file `read` returns unless told otherwise (`MlopsExtension.max_read_bytes`).
DEFAULT_MAX_READ_BYTES = 256 * 1024 * 1024


def read(store: Store, path: str, *, max_bytes: int = DEFAULT_MAX_READ_BYTES) -> bytes:
    """Return the content of the file at `path` (symlinks inside the store followed).

    A file above `max_bytes` is `E_ANSWER_TOO_LARGE`, checked before it is read.
    """
    target = locate(store, path)
    with mapped_errors(path), opened_dir(store, target.parent) as dir_fd:
        return _read_at_most(dir_fd, target.name, path, max_bytes, max_bytes)


def read_many(
    store: Store, paths: list[str], max_bytes: int
) -> list[tuple[str, bytes | MlopsError]]:
    """Read several files; each path gets its content or its own error.

    Each path is confined like `read`; the folders are opened once per
    request (git objects of one batch share 256 folders at most). At most
    `max_bytes` file bytes in all, in request order: a file that does not
    fit in what is left is `E_ANSWER_TOO_LARGE` without being read (the
    client asks for it again), and so is a file bigger than `max_bytes`.
    A later, smaller file may still fit.
    """
    results: list[tuple[str, bytes | MlopsError]] = []
    folders: dict[Path, int] = {}
    left = max_bytes
    try:
        for path in paths:
            try:
                target = locate(store, path)
                with mapped_errors(path):
                    dir_fd = folders.get(target.parent)
                    if dir_fd is None:
                        dir_fd = open_dir(store, target.parent)
                        folders[target.parent] = dir_fd
                    data = _read_at_most(dir_fd, target.name, path, left, max_bytes)
                left -= len(data)
                results.append((path, data))
            except MlopsError as err:
                results.append((path, err))
    finally:
        for dir_fd in folders.values():
            os.close(dir_fd)
    return results


def _read_at_most(dir_fd: int, name: str, path: str, left: int, max_bytes: int) -> bytes:
    # The size is checked before reading, and the read stops one byte past
    # the budget (a file growing meanwhile). O_NONBLOCK: opening a FIFO must
    # not hang the worker thread.
    flags = os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
    fd = os.open(name, flags, dir_fd=dir_fd)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise MlopsError("E_IO", f"not a regular file: {path!r}")
        data = handle.read(left + 1) if info.st_size <= left else b""
        size = max(info.st_size, len(data))
    if size > max_bytes:
        raise MlopsError(
            "E_ANSWER_TOO_LARGE",
            f"{path!r} is {size} bytes, more than one answer carries ({max_bytes})",
        )
    if size > left:
        raise MlopsError(
            "E_ANSWER_TOO_LARGE",
            f"{path!r} ({size} bytes) does not fit in this answer ({left} of {max_bytes} "
            "bytes left): ask for it in another request",
        )
    return data


def _entry_type(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "symlink"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    if entry.is_file(follow_symlinks=False):
        return "file"
    return "other"


def list_dir(store: Store, path: str) -> list[dict[str, str]]:
    """List a folder: `[{name, type}]` sorted by name, in-flight temp files hidden."""
    target = locate(store, path)
    with mapped_errors(path), opened_dir(store, target) as dir_fd:
        # scandir duplicates the descriptor; ours is closed by opened_dir.
        with os.scandir(dir_fd) as entries:
            listing = [
                {"name": entry.name, "type": _entry_type(entry)}
                for entry in entries
                if not entry.name.startswith(TEMP_PREFIX)
            ]
    return sorted(listing, key=lambda item: item["name"])


def _file_type(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "other"


def stat_path(store: Store, path: str, *, follow: bool = True) -> dict[str, object]:
    """Return the stat fields of `path`; without `follow` those of a symlink itself."""
    target = locate(store, path, follow=follow)
    with mapped_errors(path), opened_dir(store, target.parent) as dir_fd:
        info = os.stat(target.name, dir_fd=dir_fd, follow_symlinks=False)
    return {
        "type": _file_type(info.st_mode),
        "size": info.st_size,
        "mode": info.st_mode,
        "mtimeMs": info.st_mtime_ns / 1e6,
        "ctimeMs": info.st_ctime_ns / 1e6,
        "ino": info.st_ino,
        "dev": info.st_dev,
        "uid": info.st_uid,
        "gid": info.st_gid,
    }


def readlink(store: Store, path: str) -> str:
    """Return the target text of the symlink at `path`."""
    target = locate(store, path, follow=False)
    with mapped_errors(path), opened_dir(store, target.parent) as dir_fd:
        try:
            return os.readlink(target.name, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno == errno.EINVAL:
                raise MlopsError("E_IO", f"EINVAL (not a symbolic link) on {path!r}") from exc
            raise
