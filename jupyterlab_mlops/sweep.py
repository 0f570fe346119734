"""Removal of the temp files a killed server left behind in a store.

An atomic write creates `.mlops-tmp-<hex>` beside its target and renames it
into place; releasing a lock renames the lock file aside to
`.mlops-tmp-lock-<hex>` before removing it. A server killed in between
leaves the temp file behind: `list` hides it, but it takes space for ever.

The first time a server process uses a store, and again whenever its last
sweep is older than `stale_temp_seconds`, the store is walked and temp
files whose mtime is older than that are removed. A write in flight lasts
seconds, so an hour-old temp file belongs to nobody. The walk starts from a
descriptor opened from the Jupyter root with `O_NOFOLLOW` (like every store
operation), opens each folder with `O_NOFOLLOW` relative to its parent, and
removes only regular files whose name has the temp prefix: a symlink, a
folder or any other file is never touched or followed.

The same walk removes git's own lock files of the experiment repository
that are as old: `experiments.git/packed-refs.lock` and `<ref>.lock` under
`experiments.git/refs/`. git (Sync) and `fs/commit` hold such a lock for
milliseconds and never break one; a server or git killed while holding it
leaves it behind, and every later write of that ref (an edit of the
experiment, the next Sync) is refused as locked until it goes. git's own
advice is to remove it by hand; an hour-old one belongs to nobody. A lock
is never removed younger than `GIT_LOCK_MIN_AGE_S`, whatever the setting,
and it is moved aside before it is removed, then removed only if it is
still the file found old (another server's sweep and a new writer
meanwhile: the new lock is put back).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
import threading
import time
from collections.abc import MutableMapping
from typing import Any

from .dirfd import NOFOLLOW, opened_dir
from .errors import MlopsError
from .paths import Store
from .store_fs import TEMP_PREFIX
from .store_layout import GIT_DIR

#: A git lock younger than this is never removed (a short `stale_temp_seconds` included).
GIT_LOCK_MIN_AGE_S = 600
#: Deeper than any store we write (`experiments.git/refs/exps/<slug>/<id>`).
MAX_DEPTH = 32
#: Stores remembered per server process; past that the oldest is forgotten
#: (and swept again on its next use, which is harmless).
_MAX_STORES = 1024
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_SETTINGS_KEY = "mlops_temp_sweeps"


def sweep_store(store: Store, max_age_s: float, *, now: float | None = None) -> int:
    """Remove temp files older than `max_age_s` anywhere in `store`.

    Returns how many were removed. A missing store, or any folder that
    cannot be opened or listed, is skipped: sweeping is housekeeping and
    never fails the request that triggered it.
    """
    when = time.time() if now is None else now
    cutoff_ns = int((when - max_age_s) * 1e9)
    lock_cutoff_ns = int((when - max(max_age_s, GIT_LOCK_MIN_AGE_S)) * 1e9)
    try:
        with opened_dir(store, store.path) as fd:
            return _sweep_dir(fd, (cutoff_ns, lock_cutoff_ns), ())
    except (OSError, MlopsError):
        return 0


def _is_git_lock(where: tuple[str, ...], name: str) -> bool:
    """A lock git takes on a ref, or on `packed-refs`, of the experiment repository."""
    if not name.endswith(".lock"):
        return False
    if where == (GIT_DIR,):
        return name == "packed-refs.lock"
    return where[:2] == (GIT_DIR, "refs")


def _sweep_dir(dir_fd: int, cutoffs: tuple[int, int], where: tuple[str, ...]) -> int:
    removed = 0
    try:
        with os.scandir(dir_fd) as entries:
            # The entry type comes with the listing: no stat per file.
            listing = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries]
    except OSError:
        return 0
    temp_cutoff, lock_cutoff = cutoffs
    for name, is_dir in listing:
        if is_dir:
            if len(where) < MAX_DEPTH:
                removed += _sweep_child(dir_fd, name, cutoffs, (*where, name))
        elif name.startswith(TEMP_PREFIX) and _stale(dir_fd, name, temp_cutoff):
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=dir_fd)
                removed += 1
        elif _is_git_lock(where, name):
            found = _stale(dir_fd, name, lock_cutoff)
            if found is not None and _remove_lock(dir_fd, name, found, lock_cutoff):
                removed += 1
    return removed


def _stale(dir_fd: int, name: str, cutoff_ns: int) -> os.stat_result | None:
    """The stat of `name` if it is a regular file older than the cutoff, else None."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return None
    return info if stat.S_ISREG(info.st_mode) and info.st_mtime_ns < cutoff_ns else None


def _remove_lock(dir_fd: int, name: str, found: os.stat_result, cutoff_ns: int) -> bool:
    """Remove the stale git lock `name` if it is still the file `found` once moved
    aside; a lock taken meanwhile (another sweep removed the old one, a writer
    made a new one) is put back."""
    aside = f"{TEMP_PREFIX}lock-{secrets.token_hex(8)}"
    try:
        os.rename(name, aside, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except OSError:
        return False
    moved = _stale(dir_fd, aside, cutoff_ns)
    try:
        if moved is not None and (moved.st_ino, moved.st_dev) == (found.st_ino, found.st_dev):
            os.unlink(aside, dir_fd=dir_fd)
            return True
        with contextlib.suppress(FileExistsError):
            os.link(aside, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        os.unlink(aside, dir_fd=dir_fd)
    except OSError:
        pass
    return False


def _sweep_child(dir_fd: int, name: str, cutoffs: tuple[int, int], where: tuple[str, ...]) -> int:
    try:
        # O_NOFOLLOW: a folder swapped for a symlink since the stat is refused.
        child = os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except OSError:
        return 0
    try:
        return _sweep_dir(child, cutoffs, where)
    finally:
        os.close(child)


class _Sweeps:
    """When each store was last swept by this server process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last: dict[str, float] = {}


def sweep_if_due(
    settings: MutableMapping[str, Any],
    store: Store,
    max_age_s: int,
    log: logging.Logger | logging.LoggerAdapter[Any],
) -> int:
    """Sweep `store` if this process has not swept it in the last `max_age_s`.

    The bookkeeping lives in the web app's `settings`. `max_age_s` 0 turns
    sweeping off. Concurrent requests do not wait for a sweep in progress:
    they only ever race with it on files nobody is writing.
    """
    if max_age_s <= 0 or not store.exists:
        return 0
    sweeps: _Sweeps = settings.setdefault(_SETTINGS_KEY, _Sweeps())
    key = str(store.path)
    now = time.monotonic()
    with sweeps.lock:
        last = sweeps.last.get(key)
        if last is not None and now - last < max_age_s:
            return 0
        sweeps.last.pop(key, None)
        sweeps.last[key] = now
        while len(sweeps.last) > _MAX_STORES:
            sweeps.last.pop(next(iter(sweeps.last)))
    removed = sweep_store(store, max_age_s)
    if removed:
        log.info(
            "jupyterlab_mlops: removed %d stale temp or lock file(s) from %s", removed, store.name
        )
    return removed
