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
from .dirfd import NOFOLLOW, opened_dir, rollback
from .errors import MlopsError, from_os_error
from .git_objects import bad_request, oid_of
from .paths import Store, locate
from .registry_audit import registry_lock
from .registry_outbox import queue_snapshot
from .store_fs import mapped_errors
from .store_git import EXPERIMENT_REF
from .write_many import parse_files, read_body, write_objects

_REF_FIELDS = {"name", "oid", "old"}
_OID = re.compile(r"^[0-9a-f]{40}\Z")
_HEX40 = re.compile(rb"[0-9a-f]{40}\Z")
#: A loose ref as git writes it: one id and a newline (no other spacing).
_REF_FILE = re.compile(rb"[0-9a-f]{40}\n?\Z")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
#: Largest loose ref read (40 hex and a newline; git may add nothing else).
_MAX_REF_BYTES = 4096
#: Largest `packed-refs` looked through (100,000 refs take about 7 MB).
_MAX_PACKED_BYTES = 64 * 1024 * 1024
#: How long a commit waits for the registry's lock to queue its mirror.
MIRROR_LOCK_WAIT_S = 0.5


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
    """The store's repository folder: `E_NOT_FOUND` when not created yet, `E_UNSAFE_REPOSITORY`
    when `experiments.git` or its HEAD is there but not a plain folder and file."""
    git_dir = locate(store, store_layout.GIT_DIR, follow=False)
    for path, kind, plain in (
        (git_dir, "folder", stat.S_ISDIR),
        (git_dir / "HEAD", "file", stat.S_ISREG),
    ):
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise MlopsError(
                "E_NOT_FOUND",
                f"the store has no repository yet ({store_layout.GIT_DIR}); create it with "
                "store/init, then send again",
            ) from None
        except OSError as exc:
            raise from_os_error(exc, store_layout.GIT_DIR) from None
        if not plain(mode):
            raise MlopsError(
                "E_UNSAFE_REPOSITORY",
                f"the store's {path.relative_to(store.path).as_posix()} is not a plain {kind} "
                "(a symbolic link?): nothing is committed there",
            )
    return git_dir


def set_ref(store: Store, git_dir: Path, name: str, new: str, old: str | None) -> None:
    """Set ref `name` to `new` if it still holds `old` (None: does not exist), as git does.

    The repository folder is opened as it is (never created here: one
    removed meanwhile is `E_NOT_FOUND`), the ref's folders below it are
    made as needed, and `packed-refs` is read from that same open folder.
    Setting a ref to the value it already holds succeeds (a request sent
    again after its answer was lost).
    """
    target = git_dir / name
    store_layout.check_target(store, target, "write")
    rel = target.relative_to(store.path).as_posix()
    lock = f"{target.name}.lock"
    created: list[Path] = []
    try:
        with mapped_errors(rel, writing=True), opened_dir(store, git_dir) as git_fd:
            with _ref_folder(git_fd, git_dir, name, created) as dir_fd:
                store_layout.guard_folder(rel)(dir_fd, target.name)
                fd = _take_lock(dir_fd, lock, name)
                try:
                    try:
                        os.write(fd, f"{new}\n".encode())
                        os.fsync(fd)
                    finally:
                        os.close(fd)
                    current = _current(dir_fd, target.name, git_fd, name)
                    if current == new:
                        os.unlink(lock, dir_fd=dir_fd)
                        return
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


@contextlib.contextmanager
def _ref_folder(git_fd: int, git_dir: Path, name: str, created: list[Path]) -> Iterator[int]:
    """The folder of ref `name`, opened from the repository's descriptor (made as needed)."""
    fd = os.dup(git_fd)
    try:
        folder = git_dir
        for part in name.split("/")[:-1]:
            folder = folder / part
            try:
                os.mkdir(part, 0o777, dir_fd=fd)
                created.append(folder)
            except FileExistsError:
                pass
            try:
                child = os.open(part, _DIR_FLAGS | NOFOLLOW, dir_fd=fd)
            except NotADirectoryError:
                raise MlopsError(
                    "E_PATH_OUTSIDE_ROOT", f"{part!r} in {name} is a symbolic link or a file"
                ) from None
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def _take_lock(dir_fd: int, lock: str, name: str) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC
    try:
        return os.open(lock, flags, 0o666, dir_fd=dir_fd)
    except FileExistsError:
        raise MlopsError(
            "E_LOCKED",
            f"{name}.lock exists: another writer (git, another request) is changing {name}",
        ) from None


def _current(dir_fd: int, loose: str, git_fd: int, name: str) -> str | None:
    """The ref's value now: its loose file, else its `packed-refs` line, else None."""
    data = _read_regular(dir_fd, loose, _MAX_REF_BYTES)
    if data is not None:
        if not _REF_FILE.match(data):
            raise MlopsError("E_IO", f"{name} does not hold an object id; it is left alone")
        return data[:40].decode()
    packed = _read_regular(git_fd, "packed-refs", _MAX_PACKED_BYTES)
    return packed_value(packed or b"", name)


def packed_value(packed: bytes, name: str) -> str | None:
    """The id `packed-refs` gives ref `name` (a line `<40 hex> <name>`), or None.

    A substring search, not a regular expression over the file: 100,000
    refs are read in a few milliseconds, and the GIL is not held for long.
    """
    needle = b" " + name.encode() + b"\n"
    if packed and not packed.endswith(b"\n"):
        packed += b"\n"
    at = packed.find(needle)
    while at != -1:
        line = at - 40
        if line >= 0 and (line == 0 or packed[line - 1] == 0x0A):
            oid = packed[line:at]
            if _HEX40.match(oid):
                return oid.decode()
        at = packed.find(needle, at + 1)
    return None


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
            raise MlopsError(
                "E_IO", f"{name} is not a ref file git would write (or too big); it is left alone"
            )
        return handle.read(limit + 1)


class CommitHandler(MlopsHandler):
    """`POST /mlops/fs/commit {files, ref: {name, oid, old}, mirror?}` → `{files, ref, mirror}`."""

    @tornado.web.authenticated
    async def post(self) -> None:
        """Write an experiment commit's objects, then move its ref if it still holds `old`."""
        await self.respond(self._run, heavy=True)

    def _run(self) -> dict[str, Any]:
        limits = self.mlops
        body = read_body(self)
        name, oid, old = parse_ref(body)
        mirror = body.pop("mirror", False)
        if not isinstance(mirror, bool):
            raise bad_request("mirror must be true or false")
        files = parse_files(
            {key: value for key, value in body.items() if key != "ref"},
            limits.max_read_many_paths,
        )
        check_commit(files, oid)
        store = self.store(body.get("store"))
        git_dir = repository(store)
        written = write_objects(store, files, limits.max_write_many_inflated_bytes)
        set_ref(store, git_dir, name, oid, old)
        queued = self._mirror(store, name, oid) if mirror else None
        return {"files": written, "ref": {"name": name, "oid": oid}, "mirror": queued}

    def _mirror(self, store: Store, name: str, oid: str) -> str:
        """Queue the new snapshot for the MLflow tracking mirror, in the request that
        stored it: a tab closed right after its snapshot cannot leave it unqueued.

        The experiment is stored whatever this answers: `"queued"` (the outbox
        holds it: now, or already), `"unconfigured"` (no MLflow on this server),
        `"failed"` (the outbox could not be written: the page's own
        `tracking/mirror` request, which follows, says why).
        """
        pusher = self.settings.get("mlops_pusher")
        if pusher is None or pusher.target is None:
            return "unconfigured"
        try:
            # A short wait: this holds one of the heavy threads, and the
            # page's own request, which follows, queues it otherwise.
            with registry_lock(store, wait_s=MIRROR_LOCK_WAIT_S):
                queue_snapshot(store, name, oid, self.who())
        except Exception as err:  # noqa: BLE001 - the experiment is stored whatever this does
            self.log.warning("jupyterlab_mlops: %s not queued for MLflow: %r", name, err)
            return "failed"
        pusher.kick(store)
        return "queued"
