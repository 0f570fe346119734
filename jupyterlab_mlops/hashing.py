"""Streaming SHA-256 of data files and folders inside the Jupyter root.

A request is hashed in two passes so that progress has a total from the
start: `plan_path` resolves each path (realpath confinement, as for store
paths), walks folders without following any symlink and looks every file up
in the cache (one `stat` per file); `hash_target` then reads only what the
cache did not know, 1 MiB at a time into one reusable buffer, checking the
cancel flag before every chunk.

A folder's hash is the SHA-256 of its manifest: one line
`relpath\\0size\\0sha256\\n` per regular file below it, sorted by the UTF-8
bytes of `relpath`, so it depends on names and contents only (not on
creation order, timestamps or permissions).

A request may also capture small files (`capture_max_bytes`): the bytes are
kept as they are hashed, from the one descriptor, so what the client keeps
is exactly what the hash covers (never a file swapped in after the hash).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .dirfd import NOFOLLOW, open_dir
from .errors import MlopsError, from_os_error
from .hash_walk import Budget, FilePlan, Folder, Sig, cache_key, signature, walk
from .paths import Store, locate, validate_path

CHUNK_SIZE = 1 << 20

# A write in the same clock tick as the stat we cache would leave size and
# timestamps unchanged ("racy git"). Files changed this recently before their
# read started are hashed but not cached; whole-second timestamps mean a
# coarse file system, where the tick is up to 2 s.
RACY_NS = 20_000_000
COARSE_RACY_NS = 2_000_000_000

#: Largest `captureMaxBytes` a request may ask for: bytes kept per file.
MAX_CAPTURE_FILE_BYTES = 8 * 1024 * 1024
#: Most bytes one job keeps over all its files; files past it are hashed only.
MAX_CAPTURE_JOB_BYTES = 32 * 1024 * 1024

_FILE_FLAGS = os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


class Cancelled(Exception):
    """Raised inside a hashing job once its client has cancelled it."""


class Cache(Protocol):
    """What hashing needs of the hash cache (see `hash_cache.HashCache`)."""

    def get(self, key: str, sig: Sig) -> str | None:
        """The cached SHA-256 of `key` if it was computed for `sig`."""

    def put(self, key: str, sig: Sig, sha: str) -> None:
        """Remember the SHA-256 of `key` as computed for `sig`."""


@dataclass
class Progress:
    """Progress of one job, written by its worker and read by status requests."""

    cancel: threading.Event = field(default_factory=threading.Event)
    bytes_done: int = 0
    bytes_total: int = 0
    current_path: str = ""

    def check(self) -> None:
        """Raise `Cancelled` if the job was cancelled."""
        if self.cancel.is_set():
            raise Cancelled


@dataclass
class Target:
    """One requested path, planned: a file or a folder and the files to hash.

    `path` is the request's string, `name` the same path normalized (`.`
    components dropped), which `currentPath` shows.
    """

    path: str
    name: str
    kind: str
    files: list[FilePlan]
    skipped: int = 0

    @property
    def size(self) -> int:
        """Total size of the files, as planned."""
        return sum(entry.size for entry in self.files)


@dataclass
class Capture:
    """What a job still keeps of the files named in its request."""

    max_file: int
    left: int

    def fits(self, size: int) -> bool:
        """Whether a file of `size` bytes is to be kept."""
        return size <= self.max_file and size <= self.left


def root_area(root_dir: str | os.PathLike[str]) -> Store:
    """The Jupyter root as a confinement area for `paths.locate` and `dirfd`."""
    root = Path(os.path.realpath(root_dir))
    return Store(root=root, path=root, name="")


def read_chunk(reader: io.RawIOBase, view: memoryview) -> int:
    """Read the next chunk into `view`; 0 at the end (a seam for the tests)."""
    return reader.readinto(view) or 0


def sha256_stream(
    reader: io.RawIOBase,
    buf: bytearray,
    progress: Progress | None = None,
    *,
    keep: bytearray | None = None,
    keep_max: int = 0,
) -> tuple[str, int]:
    """SHA-256 and length of everything `reader` yields, read into `buf` chunk by chunk.

    With `keep`, the bytes hashed are appended to it as long as they total
    at most `keep_max`; past that it is emptied and left alone (check the
    length returned against `len(keep)`).
    """
    digest = hashlib.sha256()
    view = memoryview(buf)
    total = 0
    while True:
        if progress is not None:
            progress.check()
        count = read_chunk(reader, view)
        if not count:
            return digest.hexdigest(), total
        # hashlib releases the GIL for large updates: other jobs and the
        # server's own threads keep running.
        digest.update(view[:count])
        total += count
        if keep is not None and total <= keep_max:
            keep += view[:count]
        elif keep:
            keep.clear()  # the file grew past the limit while we read it
        if progress is not None:
            progress.bytes_done += count


def _confine(area: Store, path: str) -> Path:
    try:
        return locate(area, path)
    except MlopsError as err:
        if err.code == "E_PATH_OUTSIDE_ROOT":
            raise MlopsError(err.code, f"path {path!r} resolves outside the Jupyter root") from None
        raise
    except RecursionError:
        # Python 3.11's realpath recurses once per symlink: a long chain.
        raise MlopsError("E_PATH_OUTSIDE_ROOT", f"too many symbolic links in {path!r}") from None


def plan_path(
    area: Store, path: str, *, store: Path, cache: Cache, budget: Budget, progress: Progress
) -> Target:
    """Confine `path` to the root and list what must be hashed for it.

    Raises `MlopsError` for a path that breaks the path rules, escapes the
    root, is missing, is neither a file nor a folder, or holds too many files;
    `Cancelled` when the job is cancelled during a long walk.
    """

    def lookup(key: str, sig: Sig) -> str | None:
        progress.check()
        return cache.get(key, sig)

    real = _confine(area, path)
    name = validate_path(path)
    try:
        # realpath just resolved every component: this stat sees what the
        # walk and the reads will see (they refuse any symlink swapped in).
        info = os.stat(real, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode):
            budget.take(path)
            sha = cache.get(cache_key(area.root, real.parent, real.name), signature(info))
            entry = FilePlan(Folder(real.parent, ""), real.name, info.st_size, sha)
            return Target(path, name, "file", [entry])
        if stat.S_ISDIR(info.st_mode):
            files, skipped = walk(
                area,
                real,
                path,
                store=store,
                budget=budget,
                lookup=lookup,
                check=progress.check,
            )
            return Target(path, name, "dir", files, skipped)
    except OSError as exc:
        raise from_os_error(exc, path) from exc
    raise MlopsError("E_IO", f"not a regular file or folder: {path!r}")


class _DirFds:
    """The descriptor of the folder last read from, reused for its next file."""

    def __init__(self, area: Store) -> None:
        self.area = area
        self.path: Path | None = None
        self.fd = -1

    def get(self, path: Path) -> int:
        if path != self.path:
            self.close()
            self.fd = open_dir(self.area, path)
            self.path = path
        return self.fd

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        self.fd, self.path = -1, None


def _racy(info: os.stat_result, started_ns: int) -> bool:
    coarse = info.st_mtime_ns % 1_000_000_000 == 0 and info.st_ctime_ns % 1_000_000_000 == 0
    margin = COARSE_RACY_NS if coarse else RACY_NS
    return max(info.st_mtime_ns, info.st_ctime_ns) > started_ns - margin


def _hash_file(
    area: Store,
    entry: FilePlan,
    cache: Cache,
    progress: Progress,
    buf: bytearray,
    dirs: _DirFds,
    capture: Capture | None = None,
) -> tuple[str, int, bool, bytes | None]:
    """SHA-256, size, cache hit, and (when `capture` takes it) the bytes hashed."""
    wanted = capture is not None and capture.fits(entry.size)
    # A captured file is read even when cached: its bytes must be the ones hashed.
    if entry.sha is not None and not wanted:
        progress.bytes_done += entry.size
        progress.check()
        return entry.sha, entry.size, True, None
    started = time.time_ns()
    fd = os.open(entry.name, _FILE_FLAGS, dir_fd=dirs.get(entry.folder.real))
    with io.FileIO(fd, "rb", closefd=True) as reader:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise MlopsError("E_IO", f"not a regular file: {entry.name!r}")
        progress.bytes_total += before.st_size - entry.size
        with contextlib.suppress(AttributeError, OSError):
            # Doubles the kernel's read-ahead on a cold file (Linux; a hint only).
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        keep = bytearray() if capture is not None and capture.fits(before.st_size) else None
        keep_max = min(capture.max_file, capture.left) if capture is not None else 0
        sha, size = sha256_stream(reader, buf, progress, keep=keep, keep_max=keep_max)
        after = os.fstat(fd)
    # A file that changed while we read it hashed to a mix of versions:
    # answer it, but do not let the cache repeat it.
    if signature(before) == signature(after) and not _racy(after, started):
        cache.put(cache_key(area.root, entry.folder.real, entry.name), signature(after), sha)
    if keep is None or capture is None or len(keep) != size:
        return sha, size, False, None
    capture.left -= size
    return sha, size, False, bytes(keep)


def hash_target(
    area: Store,
    target: Target,
    cache: Cache,
    progress: Progress,
    buf: bytearray,
    capture: Capture | None = None,
) -> dict[str, Any]:
    """Hash a planned path and return its result entry.

    `cached` is true when no byte had to be read (every file came from the
    cache). A file (never a folder's) that `capture` takes gets `data`, the
    base64 of exactly the bytes hashed. Raises `MlopsError` when a file
    fails, `Cancelled` when cancelled.
    """
    dirs = _DirFds(area)
    try:
        if target.kind == "file":
            progress.current_path = target.name
            sha, size, hit, kept = _hash_file(
                area, target.files[0], cache, progress, buf, dirs, capture
            )
            result: dict[str, Any] = {
                "path": target.path,
                "kind": "file",
                "sha256": sha,
                "size": size,
                "cached": hit,
            }
            if kept is not None:
                result["data"] = base64.b64encode(kept).decode("ascii")
            return result
        manifest = hashlib.sha256()
        total, all_hit = 0, True
        for entry in target.files:
            rel = entry.rel
            progress.current_path = f"{target.name}/{rel}" if target.name else rel
            sha, size, hit, _ = _hash_file(area, entry, cache, progress, buf, dirs)
            manifest.update(b"%s\0%d\0%s\n" % (os.fsencode(rel), size, sha.encode("ascii")))
            total += size
            all_hit = all_hit and hit
    except OSError as exc:
        raise from_os_error(exc, progress.current_path) from exc
    finally:
        dirs.close()
    return {
        "path": target.path,
        "kind": "dir",
        "sha256": manifest.hexdigest(),
        "size": total,
        "files": len(target.files),
        "skipped": target.skipped,
        "cached": all_hit,
    }


def hash_paths(
    area: Store,
    paths: list[str],
    *,
    store: Path,
    cache: Cache,
    progress: Progress,
    max_files: int,
    capture_max_bytes: int = 0,
) -> list[dict[str, Any]]:
    """Hash every path; return one result or `{path, error}` per path, in order.

    `store` (a real path) is left out of folder walks. At most `max_files`
    files are covered over all paths; the path that goes beyond gets
    `E_TOO_MANY_FILES`. Files named in `paths` of at most `capture_max_bytes`
    (0: none) come back with their `data`, up to `MAX_CAPTURE_JOB_BYTES` in
    all. Raises `Cancelled` when the job is cancelled.
    """
    budget = Budget(max_files)
    planned: list[Target | dict[str, Any]] = []
    for path in paths:
        progress.check()
        progress.current_path = path
        left = budget.left
        try:
            target = plan_path(
                area, path, store=store, cache=cache, budget=budget, progress=progress
            )
        except MlopsError as err:
            budget.left = left  # a refused folder does not count against the others
            planned.append({"path": path, "error": err.to_json()})
            continue
        progress.bytes_total += target.size
        planned.append(target)
    buf = bytearray(CHUNK_SIZE)
    capture = Capture(capture_max_bytes, MAX_CAPTURE_JOB_BYTES) if capture_max_bytes > 0 else None
    results: list[dict[str, Any]] = []
    for item in planned:
        if isinstance(item, Target):
            try:
                item = hash_target(area, item, cache, progress, buf, capture)
            except MlopsError as err:
                item = {"path": item.path, "error": err.to_json()}
        results.append(item)
    progress.current_path = ""
    return results
