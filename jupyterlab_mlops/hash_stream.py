"""Reading one data file for hashing: streamed, cancellable, cached, captured.

`hash_file` opens the file relative to its folder's descriptor without
following a symlink, then reads it 1 MiB at a time into one reusable buffer,
checking the cancel flag before every chunk. A file the walk found in the
cache is not read at all; a file read is put in the cache only if it did not
change while it was read, nor just before ("racy git").

A file to capture is read even when cached: its bytes are kept as they are
hashed, from the one descriptor, so what the client keeps is exactly what
the hash covers (never a file swapped in after the hash).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .dirfd import NOFOLLOW, open_dir
from .errors import MlopsError
from .hash_walk import FilePlan, Sig, cache_key, signature
from .paths import Store

CHUNK_SIZE = 1 << 20

# A write in the same clock tick as the stat we cache would leave size and
# timestamps unchanged ("racy git"). Files changed this recently before their
# read started are hashed but not cached; whole-second timestamps mean a
# coarse file system, where the tick is up to 2 s.
RACY_NS = 20_000_000
COARSE_RACY_NS = 2_000_000_000

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
class Capture:
    """What a job still keeps of the files named in its request."""

    max_file: int
    left: int

    def fits(self, size: int) -> bool:
        """Whether a file of `size` bytes is to be kept."""
        return size <= self.max_file and size <= self.left


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


class DirFds:
    """The descriptor of the folder last read from, reused for its next file."""

    def __init__(self, area: Store) -> None:
        self.area = area
        self.path: Path | None = None
        self.fd = -1

    def get(self, path: Path) -> int:
        """A descriptor of the folder `path`, opened unless it is the one held."""
        if path != self.path:
            self.close()
            self.fd = open_dir(self.area, path)
            self.path = path
        return self.fd

    def close(self) -> None:
        """Close the descriptor held, if any."""
        if self.fd >= 0:
            os.close(self.fd)
        self.fd, self.path = -1, None


def _racy(info: os.stat_result, started_ns: int) -> bool:
    coarse = info.st_mtime_ns % 1_000_000_000 == 0 and info.st_ctime_ns % 1_000_000_000 == 0
    margin = COARSE_RACY_NS if coarse else RACY_NS
    return max(info.st_mtime_ns, info.st_ctime_ns) > started_ns - margin


def hash_file(
    area: Store,
    entry: FilePlan,
    cache: Cache,
    progress: Progress,
    buf: bytearray,
    dirs: DirFds,
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
