"""Walking a data folder for hashing: sorted, confined, never through a symlink.

Each folder is opened from the Jupyter root one component at a time with
`O_NOFOLLOW` (`dirfd.open_dir`), listed, and closed before the next one, so
the walk holds one descriptor at a time however deep the tree, and a folder
swapped for a symlink during the walk is refused instead of followed.

Symlinks found inside a folder are skipped (counted in `skipped`), whatever
they point to: a folder's hash covers the regular files really in it. A
symlink named directly in a request is followed, once, if its realpath stays
inside the root.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .dirfd import open_dir
from .errors import MlopsError
from .paths import Store

#: Folders never hashed as data: version control, Jupyter and Python caches.
SKIP_NAMES = frozenset({".git", ".ipynb_checkpoints", "__pycache__"})

#: Deepest folder nesting walked (a bind mount inside itself never ends).
MAX_DEPTH = 255

#: What a cache entry is checked against: (size, mtime_ns, inode, ctime_ns).
Sig = tuple[int, int, int, int]


@dataclass(slots=True)
class Folder:
    """A folder met by the walk: its real path and its path below the walked folder."""

    real: Path
    rel: str


@dataclass(slots=True)
class FilePlan:
    """A regular file to hash: where it is, its size when listed, its cached hash."""

    folder: Folder
    name: str
    size: int
    sha: str | None

    @property
    def rel(self) -> str:
        """Path below the walked folder, as written in the manifest."""
        return f"{self.folder.rel}/{self.name}" if self.folder.rel else self.name


class Budget:
    """How many more files one request may cover."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, path: str) -> None:
        """Count one more file for the client path `path`, or refuse it."""
        if self.left <= 0:
            raise MlopsError(
                "E_TOO_MANY_FILES",
                f"{path!r} takes the request over {self.limit} files; hash fewer at once",
            )
        self.left -= 1


def signature(info: os.stat_result) -> Sig:
    """The fields a cache entry is validated by."""
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


def cache_key(root: Path, folder: Path, name: str) -> str:
    """The cache key of a file: its real path relative to the Jupyter root.

    Relative, so the cache file names no server path and survives a move of
    the whole project (where the inode check then decides).
    """
    return str((folder / name).relative_to(root))


#: Looks a file up in the cache: (cache key, signature) → SHA-256 or None.
Lookup = Callable[[str, Sig], "str | None"]


def _sort_key(name: str, is_dir: bool) -> bytes:
    # Sorting each folder's names with "/" after folder names lists files in
    # the order of their full relative paths, byte by byte: "a.txt" < "a/b".
    raw = os.fsencode(name)
    return raw + b"/" if is_dir else raw


def _scan(
    area: Store,
    folder: Folder,
    depth: int,
    *,
    path: str,
    store: Path,
    budget: Budget,
    lookup: Lookup,
) -> tuple[list[tuple[bytes, Folder | FilePlan, int]], int]:
    items: list[tuple[bytes, Folder | FilePlan, int]] = []
    skipped = 0
    fd = open_dir(area, folder.real)
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                name = entry.name
                if name in SKIP_NAMES:
                    continue
                rel = f"{folder.rel}/{name}" if folder.rel else name
                if entry.is_dir(follow_symlinks=False):
                    child = folder.real / name
                    if child == store:
                        continue
                    if depth + 1 > MAX_DEPTH:
                        raise MlopsError(
                            "E_PATH_TOO_LONG", f"{path!r} nests deeper than {MAX_DEPTH} folders"
                        )
                    items.append((_sort_key(name, True), Folder(child, rel), depth + 1))
                elif entry.is_file(follow_symlinks=False):
                    # The one stat an unchanged file costs (fstatat on our descriptor).
                    info = entry.stat(follow_symlinks=False)
                    if not stat.S_ISREG(info.st_mode):  # replaced since listed
                        skipped += 1
                        continue
                    budget.take(path)
                    sha = lookup(cache_key(area.root, folder.real, name), signature(info))
                    plan = FilePlan(folder, name, info.st_size, sha)
                    items.append((_sort_key(name, False), plan, depth))
                else:
                    # Symlinks, FIFOs, sockets, devices: not data we may read.
                    skipped += 1
    finally:
        os.close(fd)
    items.sort(key=lambda item: item[0])
    return items, skipped


#: Most folders one walk lists (each is opened from the root: a tree of
#: 50,000 empty folders 250 deep kept a job busy for 45 s).
MAX_FOLDERS = 20_000


def walk(
    area: Store,
    top: Path,
    path: str,
    *,
    store: Path,
    budget: Budget,
    lookup: Lookup,
    check: Callable[[], None] | None = None,
) -> tuple[list[FilePlan], int]:
    """List the regular files below the real folder `top`, sorted by relative path.

    Skips `SKIP_NAMES`, the store folder `store`, and anything that is not a
    regular file or a folder (counted in the second value). Each file is
    looked up in the cache as it is listed. Raises `OSError` or `MlopsError`
    (`E_TOO_MANY_FILES`, `E_PATH_TOO_LONG`) for the client path `path`.
    `check` runs before each folder is listed (it raises when the job was
    cancelled), so a cancel stops a walk of empty folders too.
    """
    files: list[FilePlan] = []
    skipped = 0
    folders = 0
    # Depth-first, next item last: popping a folder replaces it with its
    # sorted content, so files come out in global sorted order.
    stack: list[tuple[bytes, Folder | FilePlan, int]] = [(b"", Folder(top, ""), 0)]
    while stack:
        _, item, depth = stack.pop()
        if isinstance(item, FilePlan):
            files.append(item)
            continue
        if check is not None:
            check()
        folders += 1
        if folders > MAX_FOLDERS:
            raise MlopsError(
                "E_TOO_MANY_FILES",
                f"{path!r} holds more than {MAX_FOLDERS} folders; hash a smaller folder",
            )
        items, count = _scan(
            area, item, depth, path=path, store=store, budget=budget, lookup=lookup
        )
        skipped += count
        stack.extend(reversed(items))
    return files, skipped
