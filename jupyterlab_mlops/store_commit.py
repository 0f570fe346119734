"""`POST /mlops/fs/commit {files, ref}`: an experiment's objects and its ref in one request.

A snapshot used to take three round trips after the kernel's: one to see
that the repository exists, one `fs/write-many` for its objects, one
`fs/write` for its ref. This route does the last two in one, and answers
`E_NOT_FOUND` when the repository is not there yet (the page creates it
then, and sends again), so the check costs nothing when it exists.

The objects are checked and written exactly as `fs/write-many` does
(write_many.py), all of them fsynced before the ref. The ref is then set
the way git sets one (`git update-ref <name> <oid> <old>`): its
`<name>.lock` is created exclusively in the ref's folder, the ref's value
now (the loose file, else its line in `packed-refs`) is compared with
`old` under that lock, and the lock, holding the new id, is renamed over
the ref. So:

- `old: null` sets a ref that must not exist (a new experiment): one that
  exists, loose or packed, is `E_REF_CHANGED` (a ULID collision, or a
  replayed request);
- `old: "<oid>"` moves a ref that must still hold `old` (an edit of the
  name, tags or note, whose parent is `old`): an edit from another tab or
  a Sync meanwhile is `E_REF_CHANGED`, not overwritten;
- a writer holding the lock (git itself, during Sync's fetch, or another
  request) is `E_LOCKED`; the lock is never broken, and is removed by its
  writer whatever happens.

Only experiment refs (`refs/exps/<slug>/<ULID>`) are set, only to a commit
sent in the same request: the route cannot point a ref at anything it did
not check. A refusal before the objects are written changes nothing; a
refusal of the ref (changed, locked) leaves the objects, unreferenced,
which is harmless (content-addressed; `git gc` prunes them).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tornado.web

from . import store_layout
from .base_handler import MlopsHandler
from .body import parse_json_object
from .dirfd import NOFOLLOW, opened_dir, rollback
from .errors import MlopsError
from .git_objects import bad_request, oid_of
from .paths import Store, locate
from .store_fs import mapped_errors
from .store_git import EXPERIMENT_REF
from .write_many import parse_files, write_objects

_REF_FIELDS = {"name", "oid", "old"}
_OID = re.compile(r"^[0-9a-f]{40}\Z")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
#: Largest loose ref read (40 hex and a newline; git may add nothing else).
_MAX_REF_BYTES = 4096
#: Largest `packed-refs` looked through (100,000 refs take about 7 MB).
_MAX_PACKED_BYTES = 256 * 1024 * 1024


def parse_ref(body: dict[str, Any]) -> tuple[str, str, str | None]:
    """The `(name, oid, old)` of a request's `ref`, strictly checked."""
    ref = body.get("ref")
    if not isinstance(ref, dict) or set(ref) != _REF_FIELDS:
        raise bad_request("ref must be an object with exactly name, oid and old")
    name, oid, old = ref["name"], ref["oid"], ref["old"]
    if not isinstance(name, str) or not EXPERIMENT_REF.match(name):
        raise bad_request(f"ref.name must be an experiment ref (refs/exps/<slug>/<ULID>): {name!r}")
    if not isinstance(oid, str) or not _OID.match(oid):
        raise bad_request("ref.oid must be an object id (40 lowercase hex)")
    if old is not None and (not isinstance(old, str) or not _OID.match(old)):
        raise bad_request("ref.old must be null (a new ref) or an object id (40 lowercase hex)")
    return name, oid, old


def check_commit(files: list[tuple[str, bytes]], oid: str) -> None:
    """Refuse a ref to anything but a commit sent in this request (checked later with the rest)."""
    for path, data in files:
        if oid_of(path) == oid:
            with contextlib.suppress(zlib.error):
                if zlib.decompressobj().decompress(data, 7) == b"commit ":
                    return
            raise bad_request(f"ref.oid {oid} is not a commit")
    raise bad_request(f"ref.oid {oid} is not among the objects sent")


def repository(store: Store) -> Path:
    """The store's repository folder; `E_NOT_FOUND` when it has not been created."""
    git_dir = locate(store, store_layout.GIT_DIR, follow=False)
    try:
        head = os.lstat(git_dir / "HEAD").st_mode
        folder = os.lstat(git_dir).st_mode
    except FileNotFoundError:
        head = folder = 0
    if not stat.S_ISDIR(folder) or not stat.S_ISREG(head):
        raise MlopsError(
            "E_NOT_FOUND",
            f"the store has no repository yet ({store_layout.GIT_DIR}); create it with "
            "store/init, then send again",
        )
    return git_dir


def set_ref(store: Store, git_dir: Path, name: str, new: str, old: str | None) -> None:
    """Set ref `name` to `new` if it still holds `old` (None: does not exist), as git does."""
    target = git_dir / name
    store_layout.check_target(store, target, "write")
    rel = target.relative_to(store.path).as_posix()
    lock = f"{target.name}.lock"
    created: list[Path] = []
    try:
        with mapped_errors(rel, writing=True):
            with opened_dir(store, target.parent, created=created, parents=True) as dir_fd:
                store_layout.guard_folder(rel)(dir_fd, target.name)
                fd = _take_lock(dir_fd, lock, name)
                try:
                    try:
                        os.write(fd, f"{new}\n".encode())
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                    current = _current(dir_fd, target.name, git_dir, name)
                    if current != old:
                        raise MlopsError(
                            "E_REF_CHANGED",
                            f"{name} is {'at ' + current if current else 'gone'}, not "
                            f"{'at ' + old if old else 'new'}: it changed meanwhile (another "
                            "tab, or Sync); nothing was changed",
                        )
                    os.replace(lock, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
                except BaseException:
                    with contextlib.suppress(OSError):
                        os.unlink(lock, dir_fd=dir_fd)
                    raise
                os.fsync(dir_fd)
    except BaseException:
        rollback(created)
        raise


def _take_lock(dir_fd: int, lock: str, name: str) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC
    try:
        return os.open(lock, flags, 0o666, dir_fd=dir_fd)
    except FileExistsError:
        raise MlopsError(
            "E_LOCKED",
            f"{name}.lock exists: another writer (git, another request) is changing {name}",
        ) from None


def _current(dir_fd: int, loose: str, git_dir: Path, name: str) -> str | None:
    """The ref's value now: its loose file, else its `packed-refs` line, else None."""
    data = _read_regular(dir_fd, loose, _MAX_REF_BYTES)
    if data is not None:
        text = data.decode("ascii", "replace").strip()
        if not _OID.match(text):
            raise MlopsError("E_IO", f"{name} does not hold an object id; it is left alone")
        return text
    with opened_dir_plain(git_dir) as git_fd:
        packed = _read_regular(git_fd, "packed-refs", _MAX_PACKED_BYTES)
    if not packed:
        return None
    found = re.search(rb"^([0-9a-f]{40}) " + re.escape(name.encode()) + rb"$", packed, re.M)
    return found[1].decode() if found else None


@contextlib.contextmanager
def opened_dir_plain(folder: Path) -> Iterator[int]:
    """The repository folder, opened without following a symlink there."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | NOFOLLOW | _CLOEXEC)
    try:
        yield fd
    finally:
        os.close(fd)


def _read_regular(dir_fd: int, name: str, limit: int) -> bytes | None:
    """A regular file's bytes (None when missing); a symlink or oversized file is `E_IO`."""
    try:
        fd = os.open(name, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise MlopsError("E_IO", f"{name} is a symbolic link; it is left alone") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise MlopsError("E_IO", f"{name} is not a ref file git would write; it is left alone")
        return handle.read(limit + 1)


class CommitHandler(MlopsHandler):
    """`POST /mlops/fs/commit {files, ref: {name, oid, old}}` → `{files, ref}`."""

    @tornado.web.authenticated
    async def post(self) -> None:
        """Write an experiment commit's objects, then move its ref if it still holds `old`."""
        await self.respond(self._run, heavy=True)

    def _run(self) -> dict[str, Any]:
        limits = self.mlops
        body = parse_json_object(
            self.request.body,
            self.request.headers.get("Content-Length"),
            limits.max_body_bytes,
        )
        name, oid, old = parse_ref(body)
        files = parse_files(
            {key: value for key, value in body.items() if key != "ref"},
            limits.max_read_many_paths,
        )
        check_commit(files, oid)
        store = self.store(body.get("store"))
        git_dir = repository(store)
        written = write_objects(store, files, limits.max_write_many_inflated_bytes)
        set_ref(store, git_dir, name, oid, old)
        return {"files": written, "ref": {"name": name, "oid": oid}}
