"""Opening folders by walking from the Jupyter root without following symlinks.

`paths.locate` checks confinement with `realpath`; the operations then use
the resulting real path. Walking it one component at a time with
`O_NOFOLLOW` (and acting relative to the folder's descriptor with the
`dir_fd=` variants of `os` calls) means a folder swapped for a symlink after
the check is refused instead of followed out of the store.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from .errors import MlopsError
from .paths import Store

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _is_link(name: str, dir_fd: int) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


def _may_create(store: Store, directory: Path, current: Path, parents: bool) -> bool:
    if parents:
        # The store folder, the folders above it, and folders inside it.
        return store.path.is_relative_to(current) or current.is_relative_to(store.path)
    # Without `parents` only the store folder (and what leads to it) is made
    # on first use, and only when the operation needs nothing below it: a
    # request bound to fail must not create the store on its way.
    return store.path.is_relative_to(directory) and store.path.is_relative_to(current)


def open_dir(
    store: Store,
    directory: Path,
    *,
    created: list[Path] | None = None,
    parents: bool = False,
) -> int:
    """Open `directory` (a real path inside the root) and return its descriptor.

    Each component is opened with `O_NOFOLLOW`. When `created` is a list,
    missing folders are made and recorded in `created` so that a failing
    operation can `rollback` them: with `parents` any folder up to
    `directory`, without it only the store folder and the folders leading to
    it (when `directory` is the store or above it). The caller closes the
    descriptor.
    """
    fd = os.open(store.root, _DIR_FLAGS)
    current = store.root
    try:
        for part in directory.relative_to(store.root).parts:
            current = current / part
            try:
                child = os.open(part, _DIR_FLAGS | NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if created is None or not _may_create(store, directory, current, parents):
                    raise
                try:
                    os.mkdir(part, 0o777, dir_fd=fd)
                    created.append(current)
                except FileExistsError:
                    # Another writer made it meanwhile: use theirs (and do
                    # not roll it back, it is not ours).
                    pass
                child = os.open(part, _DIR_FLAGS | NOFOLLOW, dir_fd=fd)
            except NotADirectoryError:
                # O_DIRECTORY|O_NOFOLLOW on a symlink fails with ENOTDIR.
                if _is_link(part, fd):
                    raise MlopsError(
                        "E_PATH_OUTSIDE_ROOT", "a symbolic link appeared in the path"
                    ) from None
                raise
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def opened_dir(
    store: Store,
    directory: Path,
    *,
    created: list[Path] | None = None,
    parents: bool = False,
) -> Iterator[int]:
    """Context manager around `open_dir` that closes the descriptor."""
    fd = open_dir(store, directory, created=created, parents=parents)
    try:
        yield fd
    finally:
        os.close(fd)


def rollback(created: list[Path]) -> None:
    """Remove the folders a failed operation created, newest first.

    Best effort: a folder someone else filled meanwhile stays.
    """
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            os.rmdir(folder)
    created.clear()
