"""Confined file primitives on the store folder (read, atomic write, list, …).

Every function takes a validated `Store` and a client path, confines the
path with `paths.locate`, then acts relative to a folder descriptor opened
by `dirfd.open_dir` (no symlink followed on the way). OS errors come out as
`MlopsError` with the codes of docs/bridge.md; a failing operation leaves
no temp file and removes the folders it created.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from .dirfd import NOFOLLOW, open_dir, opened_dir, rollback
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


def _store_root_error(path: str, verb: str) -> MlopsError:
    return MlopsError("E_STORE_ROOT", f"cannot {verb} the store folder itself ({path!r})")


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


#: Called with the descriptor of the folder an operation acts in and the
#: name it acts on, before it acts (see `store_layout.guard_folder`).
Guard = Callable[[int, str], None]


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
