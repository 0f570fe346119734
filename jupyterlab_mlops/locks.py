"""Advisory lock files `<path>.lock` inside the store.

A lock is a file created with `O_CREAT|O_EXCL` holding
`{token, pid, createdMs, ttlMs}`. A lock older than its ttl is stale and is
broken by the next `lock` call. Removing a lock file (breaking or unlocking)
first renames it aside, then checks that what was moved is the lock that
was judged, so two callers racing never delete a lock freshly taken by a
third.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .dirfd import NOFOLLOW, opened_dir, rollback
from .errors import MlopsError
from .paths import Store, locate, validate_path
from .store_fs import TEMP_PREFIX, mapped_errors
from .store_write import Guard, rm

DEFAULT_TTL_MS = 30_000
#: Longest lock a client may take: a lock never outlives a stuck holder by
#: more than this (a huge ttl would block the store until someone deletes it).
MAX_TTL_MS = 10 * 60 * 1000
_MAX_LOCK_FILE = 4096
#: How far in the future a lock's creation time may be (clocks differ a little).
_CLOCK_SKEW_MS = 60_000
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class LockInfo:
    """What a lock file says, plus its inode (to recognize it after a rename)."""

    token: str | None
    created_ms: float
    ttl_ms: float
    ino: int

    def stale(self, now_ms: float) -> bool:
        """Whether the lock has outlived its ttl."""
        return now_ms - self.created_ms > self.ttl_ms


def _now_ms() -> float:
    return time.time() * 1000


def _read_lock(dir_fd: int, name: str) -> LockInfo | None:
    """Read a lock file; None when it vanished meanwhile."""
    try:
        fd = os.open(name, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        raw = handle.read(_MAX_LOCK_FILE)
    try:
        body = json.loads(raw, parse_constant=_no_constant)
        token, created, ttl = body["token"], body["createdMs"], body["ttlMs"]
        # A lock file from elsewhere may claim any ttl (none lasts longer
        # than a client could ask for) or a creation time in the future
        # (then it is judged like an unreadable one, by its mtime).
        if (
            isinstance(token, str)
            and all(_is_time(v) for v in (created, ttl))
            and created <= _now_ms() + _CLOCK_SKEW_MS
        ):
            return LockInfo(token, float(created), min(float(ttl), MAX_TTL_MS), info.st_ino)
    except (ValueError, TypeError, KeyError, RecursionError):
        pass
    # Unreadable (a holder between O_EXCL and its write, or garbage): age it
    # by its file times with the default ttl.
    # The older of mtime and ctime: a copied file can carry any mtime (tar
    # keeps one in the year 2100), but its ctime is when it arrived here.
    aged_ns = min(info.st_mtime_ns, info.st_ctime_ns)
    return LockInfo(None, aged_ns / 1e6, DEFAULT_TTL_MS, info.st_ino)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a time")


def _is_time(value: object) -> bool:
    # JSON true is not a time; 1e400 parses to inf.
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _remove_if(dir_fd: int, name: str, check: Callable[[LockInfo], bool]) -> bool:
    """Remove lock file `name` if it still passes `check`; True when removed."""
    aside = f"{TEMP_PREFIX}lock-{secrets.token_hex(8)}"
    try:
        os.rename(name, aside, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    moved = _read_lock(dir_fd, aside)
    if moved is not None and check(moved):
        os.unlink(aside, dir_fd=dir_fd)
        return True
    # We moved somebody else's lock: put it back, unless yet another lock
    # was taken in the meantime (then theirs wins and this one is gone).
    with contextlib.suppress(FileExistsError):
        os.link(aside, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    os.unlink(aside, dir_fd=dir_fd)
    return False


def lock_file(store: Store, path: str) -> Path:
    """Where the lock file of `path` really lands (its folder's symlinks resolved)."""
    rel = validate_path(path)
    if not rel:
        # `<store>.lock` would sit outside the store.
        raise MlopsError("E_STORE_ROOT", "cannot lock the store folder itself")
    return locate(store, f"{rel}.lock", follow=False)


def _create(dir_fd: int, name: str, ttl_ms: int) -> str:
    token = secrets.token_hex(16)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC
    fd = os.open(name, flags, 0o644, dir_fd=dir_fd)
    body = {"token": token, "pid": os.getpid(), "createdMs": int(_now_ms()), "ttlMs": ttl_ms}
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(json.dumps(body).encode())
            handle.flush()
            os.fsync(handle.fileno())
        os.fsync(dir_fd)
    except BaseException:
        # A half-written lock would block everyone until it goes stale.
        with contextlib.suppress(OSError):
            os.unlink(name, dir_fd=dir_fd)
        raise
    return token


def _take(dir_fd: int, name: str, path: str, ttl_ms: int) -> str:
    # Two rounds: a stale lock is broken once, then creation is tried again.
    for _ in range(2):
        try:
            return _create(dir_fd, name, ttl_ms)
        except FileExistsError:
            held = _read_lock(dir_fd, name)
        if held is not None and not held.stale(_now_ms()):
            break
        if held is not None:
            _remove_if(dir_fd, name, _same_file(held.ino))
    raise MlopsError("E_LOCKED", f"{path!r} is locked")


def _same_file(ino: int) -> Callable[[LockInfo], bool]:
    return lambda moved: moved.ino == ino


def lock(
    store: Store,
    path: str,
    ttl_ms: int = DEFAULT_TTL_MS,
    *,
    target: Path | None = None,
    guard: Guard | None = None,
) -> str:
    """Take the lock on `path` for `ttl_ms` and return its token.

    `E_LOCKED` when another holder's lock is not stale. Missing folders
    (the store's `locks/` folder and below) are made. `target` (the lock
    file, located and checked by the caller) and `guard` as for
    `store_write.write`.
    """
    if target is None:
        target = lock_file(store, path)
    created: list[Path] = []
    try:
        with (
            mapped_errors(path, writing=True),
            opened_dir(store, target.parent, created=created, parents=True) as dir_fd,
        ):
            if guard is not None:
                guard(dir_fd, target.name)
            return _take(dir_fd, target.name, path, ttl_ms)
    except BaseException:
        rollback(created)
        raise


def unlock(store: Store, path: str, token: str, *, target: Path | None = None) -> None:
    """Release the lock on `path`; `E_LOCK_NOT_HELD` unless `token` holds it.

    `target` as for `lock`.
    """
    if target is None:
        target = lock_file(store, path)
    not_held = MlopsError("E_LOCK_NOT_HELD", f"{path!r} is not locked with this token")
    try:
        with mapped_errors(path, writing=True), opened_dir(store, target.parent) as dir_fd:
            if not _remove_if(dir_fd, target.name, lambda moved: moved.token == token):
                raise not_held
    except MlopsError as err:
        # No folder, no lock file: nothing is held with this token.
        if err.code == "E_NOT_FOUND":
            raise not_held from err
        raise


@contextlib.contextmanager
def flock_held(store: Store, path: str) -> Iterator[bool]:
    """Hold an exclusive `flock` on `path` (under `locks/`) if it is free; yields whether held.

    For a server's own long work (the outbox worker, a sync): the lock goes
    with the process, so a crash never leaves it held. Junk in its place (a
    symlink, a folder) is removed first: it is not a lock.
    """
    import fcntl

    try:
        target = locate(store, path, follow=False)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_symlink() or (target.exists() and not target.is_file()):
            rm(store, path, recursive=True)
        fd = os.open(target, os.O_RDWR | os.O_CREAT | NOFOLLOW | os.O_NONBLOCK, 0o600)
    except (OSError, MlopsError):
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
