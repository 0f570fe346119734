"""`POST /mlops/fs/write-blob[?store=…]` (body: a file's bytes, as they are) → `{oid, size, …}`.

A snapshot's notebook can be tens of MB (image outputs). Written as a loose
object through `write-many`, the page had to hash it, deflate it and
base64 it (a third more bytes) on its main thread: the UI froze for
seconds. Here the lab sends the bytes as they are (no JSON, no base64) and
the server makes the git blob: the SHA-1 of `blob <size>\\0` and the bytes,
and a loose object of them. The route can only ever write the blob of the
bytes it received, under that blob's own name, in the store's repository:
there is no path argument at all.

The body is streamed: each chunk is hashed and written to a temp file in
`experiments.git/objects/` as it arrives (nothing of it is held in memory,
and the work overlaps the upload). At its end the temp file is fsynced
and renamed to its object name (a sound copy already there is kept), and
the folder fsynced: the same guarantees as `write-many`. A request that is
refused (form, size, no store repository, too many uploads at once) still
reads the body to its end, discarding it, and then answers its error: a
browser still sending would otherwise see a reset connection instead.

The object is deflated at level 0 (stored blocks: ~70 ms for 28 MB, where
level 6 takes ~1.3 s on image outputs, whose base64 hardly compresses),
so the answer, and the experiment's ref after it, do not wait for zlib.
`Deflater` deflates such objects properly afterwards on a thread of its
own, and renames the smaller copy over the stored one: readers see one or
the other, both the same object.

Auth: jupyter_server's `prepare` resolves the user and checks XSRF before
any byte of the body is read; `prepare` here then refuses a request
without a user (what `@authenticated` does for a POST), so nothing of an
unauthenticated body is ever written.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import logging
import os
import re
import secrets
import stat
import threading
import zlib
from collections.abc import MutableMapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tornado.web

from . import store_layout
from .base_handler import MlopsHandler
from .dirfd import NOFOLLOW, open_dir, opened_dir, rollback
from .errors import MlopsError
from .git_objects import bad_request
from .paths import Store
from .store_fs import TEMP_PREFIX, mapped_errors
from .write_many import is_sound, locate_object

#: Objects at least this large are deflated again afterwards (smaller ones
#: are not worth a thread's time: the lab sends them through write-many).
DEFLATE_LATER_BYTES = 1 << 20
#: Most objects waiting to be deflated; beyond, an object stays stored.
MAX_WAITING = 8
_DEFLATER = "mlops_deflater"
_UPLOADS = "mlops_blob_uploads"
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Query arguments: `store`, and the cache-busting number the lab's
# ServerConnection appends to every URL.
_CACHE_BUSTER = re.compile(r"[0-9]{1,20}")
_LENGTH = re.compile(r"[0-9]{1,19}")
_CHUNK = 1 << 20

log = logging.getLogger(__name__)


def object_path(oid: str) -> str:
    """The loose object path of `oid` in the store."""
    return f"{store_layout.GIT_DIR}/objects/{oid[:2]}/{oid[2:]}"


def deflate_again(store: Store, oid: str, size: int) -> bool:
    """Deflate the loose object `oid` (inflating to `size`) at zlib's default level.

    Only a regular file that is still that very object is replaced (a
    symlink, another object, a copy gone or packed meanwhile is left as it
    is); whether it was replaced. A chunk at a time: read, inflated,
    hashed and deflated into a temp file beside it, which replaces it only
    when the hash and size are the object's and it came out smaller.
    """
    path = object_path(oid)
    target = locate_object(store, path)
    with mapped_errors(path, writing=True), opened_dir(store, target.parent) as dir_fd:
        try:
            fd = os.open(target.name, os.O_RDONLY | NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ELOOP):
                return False
            raise
        tmp = f"{TEMP_PREFIX}{secrets.token_hex(8)}"
        try:
            with os.fdopen(fd, "rb") as stored:
                if not stat.S_ISREG(os.fstat(stored.fileno()).st_mode):
                    return False
                stored_size = os.fstat(stored.fileno()).st_size
                out = os.open(tmp, _TEMP_FLAGS, 0o644, dir_fd=dir_fd)
                try:
                    deflated = _deflate_stream(stored, out, oid, size)
                    if deflated is None or deflated >= stored_size:
                        return False
                    os.fsync(out)
                finally:
                    os.close(out)
            os.replace(tmp, target.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            tmp = ""
            os.fsync(dir_fd)
            return True
        finally:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=dir_fd)


def _deflate_stream(stored: Any, out: int, oid: str, size: int) -> int | None:
    """Inflate `stored`, deflate it into `out`; its size, or None when it is not `oid`."""
    inflater = zlib.decompressobj()
    deflater = zlib.compressobj()
    digest = hashlib.sha1(usedforsecurity=False)
    inflated = written = 0
    limit = size + (size >> 6) + 1024
    read = 0
    while not inflater.eof:
        chunk = stored.read(_CHUNK)
        read += len(chunk)
        if not chunk or read > limit:
            return None
        while chunk and not inflater.eof:
            raw = inflater.decompress(chunk, _CHUNK)
            inflated += len(raw)
            if inflated > size:
                return None
            digest.update(raw)
            written += _write_all(out, deflater.compress(raw))
            chunk = inflater.unconsumed_tail
    if inflater.unused_data or stored.read(1) or inflated != size:
        return None
    if digest.hexdigest() != oid:
        return None
    return written + _write_all(out, deflater.flush())


def _write_all(fd: int, data: bytes) -> int:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    return len(data)


class Deflater:
    """One thread that deflates the objects `write-blob` stored at level 0."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(
            1, thread_name_prefix="mlops-deflate", initializer=_lowest_priority
        )
        self._lock = threading.Lock()
        self._waiting: list[Future[bool]] = []

    def submit(self, store: Store, oid: str, size: int) -> bool:
        """Queue `oid` unless `MAX_WAITING` objects wait already; whether it was queued."""
        with self._lock:
            self._waiting = [f for f in self._waiting if not f.done()]
            if len(self._waiting) >= MAX_WAITING:
                return False
            self._waiting.append(self._executor.submit(self._run, store, oid, size))
            return True

    def drain(self, timeout: float = 60) -> list[bool]:
        """Wait for what is queued; each queued object's outcome (tests, shutdown)."""
        with self._lock:
            waiting = list(self._waiting)
        return [future.result(timeout) for future in waiting]

    @staticmethod
    def _run(store: Store, oid: str, size: int) -> bool:
        try:
            return deflate_again(store, oid, size)
        except (OSError, MlopsError, zlib.error) as exc:
            # The stored copy is a sound object: nothing is lost.
            log.warning("jupyterlab_mlops: object %s left stored: %s", oid, exc)
            return False


def _lowest_priority() -> None:
    """Give the deflater's thread the lowest CPU priority (Linux: per thread).

    Deflating 28 MB takes a core for ~1.5 s; the snapshots, the kernel and
    the lab's other requests come first.
    """
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


def deflater(settings: MutableMapping[str, Any]) -> Deflater:
    """The web app's `Deflater`, made on first use."""
    found = settings.get(_DEFLATER)
    if found is None:
        found = settings[_DEFLATER] = Deflater()
    return found


class _Upload:
    """One blob arriving: hashed and written to a temp file of the objects folder.

    Owned by one thread at a time: the event loop while the body arrives
    (`add`), then the worker that `finish`es it; `abort` is for the owner.
    """

    def __init__(self, store: Store, length: int) -> None:
        self.store = store
        self.length = length
        self.received = 0
        header = b"blob %d\x00" % length
        self.size = len(header) + length
        self._sha = hashlib.sha1(header, usedforsecurity=False)
        self._zip = zlib.compressobj(0)
        self._fd = -1
        self._tmp = ""
        git_dir = store.path / store_layout.GIT_DIR
        if not (git_dir / "HEAD").is_file():
            raise MlopsError(
                "E_NOT_FOUND", "the store has no repository yet: create it first (store/init)"
            )
        with mapped_errors(f"{store_layout.GIT_DIR}/objects", writing=True):
            self._dir_fd = open_dir(store, git_dir / "objects")
        try:
            store_layout.guard_folder(f"{store_layout.GIT_DIR}/objects/x")(self._dir_fd, "x")
            self._tmp = f"{TEMP_PREFIX}{secrets.token_hex(8)}"
            self._fd = os.open(self._tmp, _TEMP_FLAGS, 0o644, dir_fd=self._dir_fd)
            _write_all(self._fd, self._zip.compress(header))
        except BaseException:
            self.abort()
            raise

    def add(self, chunk: bytes) -> None:
        """Take the next chunk of the body."""
        self.received += len(chunk)
        if self.received > self.length:
            raise bad_request("the body is longer than its Content-Length")
        self._sha.update(chunk)
        _write_all(self._fd, self._zip.compress(chunk))

    def finish(self) -> dict[str, Any]:
        """Make the temp file the object (off the event loop); cleans up whatever happens."""
        try:
            return self._finish()
        finally:
            self.abort()

    def _finish(self) -> dict[str, Any]:
        if self.received != self.length:
            raise bad_request(f"the body ended after {self.received} of {self.length} bytes")
        oid = self._sha.hexdigest()
        path = object_path(oid)
        with mapped_errors(path, writing=True):
            _write_all(self._fd, self._zip.flush())
            os.fsync(self._fd)
            target = locate_object(self.store, path)
            created: list[Path] = []
            try:
                with opened_dir(self.store, target.parent, created=created, parents=True) as dir_fd:
                    store_layout.guard_folder(path)(dir_fd, target.name)
                    written = not is_sound(dir_fd, target.name, oid, self.size)
                    if written:
                        os.replace(
                            self._tmp, target.name, src_dir_fd=self._dir_fd, dst_dir_fd=dir_fd
                        )
                        self._tmp = ""
                        os.fsync(dir_fd)
            except BaseException:
                rollback(created)
                raise
        return {"oid": oid, "size": self.length, "written": written}

    def abort(self) -> None:
        """Remove the temp file and close what is open; safe to call twice."""
        fd, self._fd = self._fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
        tmp, self._tmp = self._tmp, ""
        dir_fd, self._dir_fd = self._dir_fd, -1
        if tmp and dir_fd >= 0:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
        if dir_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(dir_fd)


@tornado.web.stream_request_body
class WriteBlobHandler(MlopsHandler):
    """`POST /mlops/fs/write-blob[?store=]` (raw body) → `{oid, size, written}`."""

    _upload: _Upload | None = None
    _refused: MlopsError | None = None
    _counted = False
    _finishing = False
    _gone = False

    async def prepare(self) -> None:
        """Check the user and the request before any byte of the body is read."""
        await super().prepare()
        if not self.current_user:
            # What @authenticated does for a POST; no byte is read then.
            raise tornado.web.HTTPError(403)
        try:
            store_name, length = self._check_request()
            uploads = self.settings.setdefault(_UPLOADS, [0])
            if uploads[0] >= self.mlops.max_heavy_requests + self.mlops.max_heavy_queue:
                raise MlopsError("E_BUSY", "too many blobs are being written at once; retry soon")
            uploads[0] += 1
            self._counted = True
            # A slow body must not hold its place for ever: at least 256 KiB/s.
            self.request.connection.set_body_timeout(60 + length / (256 * 1024))
            # Opening the store may sweep its temp files: off the event loop.
            upload = await asyncio.to_thread(self._begin, store_name, length)
            if self._gone:
                # The client went away while the temp file was being made:
                # no answer, no finish, nobody else to remove it.
                upload.abort()
                return
            self._upload = upload
        except MlopsError as err:
            self._drop(err)

    def _begin(self, store_name: str | None, length: int) -> _Upload:
        store = self.store(store_name)
        store_layout.check_store(store)
        return _Upload(store, length)

    def data_received(self, chunk: bytes) -> None:
        """Hash and write a chunk as it arrives (or discard it after a refusal)."""
        if self._upload is None:
            return
        try:
            self._upload.add(chunk)
        except MlopsError as err:
            self._drop(err)
        except OSError as err:
            self._drop(MlopsError("E_IO", f"writing the blob failed: {err.strerror}"))

    @tornado.web.authenticated
    async def post(self) -> None:
        """Answer once the whole body arrived."""
        upload, self._upload = self._upload, None
        if upload is None:
            err = self._refused or MlopsError("E_BAD_REQUEST", "no body")
            if err.code == "E_BUSY":
                self.set_header("Retry-After", "1")
            self._release()
            await self.fail(err)
            return
        # From here the worker owns the upload; its place is given back
        # once it is done, whether or not the client is still there.
        self._finishing = True
        try:
            await self.respond(lambda: self._finished_upload(upload))
        finally:
            self._finishing = False
            self._release()

    def _finished_upload(self, upload: _Upload) -> dict[str, Any]:
        answer = upload.finish()
        if answer["written"] and upload.length >= DEFLATE_LATER_BYTES:
            deflater(self.settings).submit(upload.store, answer["oid"], upload.size)
        return answer

    def on_finish(self) -> None:
        """Leave no temp file and give the upload's place back."""
        self._drop(None)

    def on_connection_close(self) -> None:
        """The client went away mid-body: the same."""
        self._gone = True
        self._drop(None)
        super().on_connection_close()

    def _drop(self, err: MlopsError | None) -> None:
        """Give up the upload the event loop owns (not one being finished)."""
        if self._upload is not None:
            self._upload.abort()
            self._upload = None
        if err is not None:
            self._refused = err
        if not self._finishing:
            self._release()

    def _release(self) -> None:
        if self._counted:
            self._counted = False
            self.settings[_UPLOADS][0] -= 1

    def _check_request(self) -> tuple[str | None, int]:
        """The `store` argument and the body's length, after checking the request's form."""
        limit = self.mlops.max_write_many_inflated_bytes
        length = self.request.headers.get("Content-Length", "")
        if not _LENGTH.fullmatch(length):
            raise bad_request("the request needs one Content-Length, in digits (no chunked body)")
        if int(length) > limit:
            raise MlopsError(
                "E_BODY_TOO_LARGE",
                f"a blob may be at most {limit} bytes (this one: {length}); "
                "raise MlopsExtension.max_write_many_inflated_bytes to store larger files",
            )
        kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/octet-stream":
            raise bad_request("the body must be application/octet-stream")
        for name in self.request.query_arguments:
            if name != "store" and not _CACHE_BUSTER.fullmatch(name):
                raise bad_request(f"unknown query argument {name[:100]!r}")
        stores = self.get_query_arguments("store")
        if len(stores) > 1:
            raise bad_request("store is given more than once")
        return (stores[0] if stores else None), int(length)
