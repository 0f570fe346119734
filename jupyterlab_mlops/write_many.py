"""`POST /mlops/fs/write-many {files: [{path, data}]}`: many loose git objects, one request.

An experiment commit writes a handful of loose objects (blobs, trees, the
commit) before its ref. One `fs/write` each costs a round trip apiece; this
route writes them all in one authenticated request. It only takes loose
objects of the store's repository (`experiments.git/objects/xx/<38 hex>`,
nothing else, not even another git dir's), and checks that each one
inflates to a well-formed git object whose SHA-1 is its name, so it cannot
be used to put arbitrary bytes anywhere.

Every entry is validated (path rules, confinement, base64, header, name)
before anything is written, and the objects of one request may inflate to
`max_write_many_inflated_bytes` in all: a small body of zlib bombs cannot
buy minutes of CPU. A bad entry fails the whole request with nothing on
disk changed. Then each object already on disk is verified (inflated a
chunk at a time, never past the size of the object sent, and its SHA-1
checked) and left alone if sound; a missing or corrupt one (truncated,
trailing bytes, another object, a symlink, not a regular file) is written
like `fs/write` (temp file, fsync, rename over the name, fsync of the
folder). A failure while writing (a full disk) answers its error; the
objects written before it stay: they are content-addressed, and nothing
points at them until the client writes a ref, which it does only after this
route answered.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import os
import stat
import zlib
from pathlib import Path
from typing import Any

import tornado.web

from . import store_layout
from .base_handler import MlopsHandler
from .body import parse_json_object
from .dirfd import NOFOLLOW, opened_dir, rollback
from .errors import MlopsError
from .git_objects import bad_request, check_object, oid_of
from .paths import Store, locate, validate_path
from .store_fs import mapped_errors
from .store_write import write_atomic_at

_BODY_FIELDS = {"files", "store"}
_ENTRY_FIELDS = {"path", "data"}
_CHUNK = 1 << 20
_B64_SLICE = 1 << 20
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def parse_files(body: dict[str, Any], limit: int) -> list[tuple[str, bytes]]:
    """The `(path, bytes)` pairs of a request body, strictly checked."""
    unknown = sorted(set(body) - _BODY_FIELDS)
    if unknown:
        raise bad_request(f"unknown field(s): {', '.join(unknown)}")
    if "store" in body and not isinstance(body["store"], str):
        raise bad_request("store must be a string")
    files = body.get("files")
    if not isinstance(files, list) or not files:
        raise bad_request("files must be a non-empty array")
    if len(files) > limit:
        raise bad_request(f"files holds more than {limit} entries")
    parsed: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for index, entry in enumerate(files):
        if not isinstance(entry, dict) or set(entry) != _ENTRY_FIELDS:
            raise bad_request(f"files[{index}] must be an object with exactly path and data")
        path, data = entry["path"], entry["data"]
        if not isinstance(path, str) or not isinstance(data, str):
            raise bad_request(f"files[{index}]: path and data must be strings")
        path = validate_path(path, field=f"files[{index}].path")
        if path in seen:
            raise bad_request(f"files[{index}]: {path!r} is listed twice")
        seen.add(path)
        try:
            raw = _b64decode(data)
        except (binascii.Error, ValueError):
            raise bad_request(f"files[{index}]: data is not valid base64") from None
        parsed.append((path, raw))
    return parsed


def read_body(handler: MlopsHandler) -> dict[str, Any]:
    """The request's JSON object body, within the server's body limit."""
    return parse_json_object(
        handler.request.body,
        handler.request.headers.get("Content-Length"),
        handler.mlops.max_body_bytes,
    )


def _b64decode(text: str) -> bytes:
    # In slices: decoding 30 MB in one call holds the GIL, and so the event
    # loop and every other route, for 0.15 s.
    parts = []
    for start in range(0, len(text), _B64_SLICE):
        part = base64.b64decode(text[start : start + _B64_SLICE], validate=True)
        if start + _B64_SLICE < len(text) and len(part) != _B64_SLICE // 4 * 3:
            raise ValueError("padding before the end")
        parts.append(part)
    return b"".join(parts)


def write_objects(
    store: Store, files: list[tuple[str, bytes]], max_inflated: int
) -> list[dict[str, Any]]:
    """Validate every object, then write the missing or corrupt ones; one answer per file."""
    checked: list[tuple[str, bytes, Path, int]] = []
    left = max_inflated
    for path, data in files:
        size = check_object(path, data, left, max_inflated)
        left -= size
        checked.append((path, data, locate_object(store, path), size))
    return [
        {"path": path, "size": len(data), "written": _put(store, path, target, data, size)}
        for path, data, target, size in checked
    ]


def locate_object(store: Store, path: str) -> Path:
    # The name itself is not followed (a symlink there is replaced, not
    # written through); the folder must be the repository's own, not a
    # link to some other folder of the store.
    target = locate(store, path, follow=False)
    store_layout.check_target(store, target, "write")
    expected = store.path / store_layout.GIT_DIR / "objects" / path[-41:-39]
    if target.parent != expected:
        raise MlopsError(
            "E_PATH_NOT_WRITABLE",
            f"{path!r}: the folder {store_layout.GIT_DIR}/objects/{path[-41:-39]} "
            "leads elsewhere in the store (a symbolic link)",
        )
    return target


def _put(store: Store, path: str, target: Path, data: bytes, size: int) -> bool:
    """Write the object unless a sound copy is there already; whether it was written."""
    created: list[Path] = []
    try:
        with mapped_errors(path, writing=True):
            with opened_dir(store, target.parent, created=created, parents=True) as dir_fd:
                # As for fs/write: no repository renamed in on the way.
                rel = target.relative_to(store.path).as_posix()
                store_layout.guard_folder(rel)(dir_fd, target.name)
                if is_sound(dir_fd, target.name, oid_of(path), size):
                    return False
                # A rename over the name: a corrupt object (or a symlink)
                # is replaced in one step, readers never see it missing.
                write_atomic_at(dir_fd, target.name, data, exclusive=False)
                return True
    except BaseException:
        rollback(created)
        raise


def is_sound(dir_fd: int, name: str, oid: str, size: int) -> bool:
    """Whether `name` is a regular file holding the loose object `oid` of `size` bytes.

    `size` is the inflated size of the object the request sent (already
    checked), so no more is inflated than that, nor more read than any
    sane deflated form of it takes (zlib's bound is 0.03% over the size;
    1.6% is allowed). A copy that is not sound is replaced, which is
    harmless even if it was only deflated oddly. Same SHA-1, same bytes:
    the header is then right too.
    """
    try:
        fd = os.open(name, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK | _CLOEXEC, dir_fd=dir_fd)
    except OSError as exc:
        # Missing, a symlink (ELOOP), unreadable: not an object we can trust.
        if exc.errno in (errno.ENOENT, errno.ELOOP, errno.EACCES, errno.EPERM):
            return False
        raise
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        max_deflated = size + (size >> 6) + 1024
        inflater = zlib.decompressobj()
        digest = hashlib.sha1(usedforsecurity=False)
        inflated = read = 0
        while not inflater.eof:
            chunk = handle.read(min(_CHUNK, max_deflated + 1 - read))
            read += len(chunk)
            if not chunk or read > max_deflated:
                return False
            while chunk and not inflater.eof:
                try:
                    out = inflater.decompress(chunk, _CHUNK)
                except zlib.error:
                    return False
                inflated += len(out)
                if inflated > size:
                    return False
                digest.update(out)
                chunk = inflater.unconsumed_tail
        if inflater.unused_data or handle.read(1):
            return False
    return inflated == size and digest.hexdigest() == oid


class WriteManyHandler(MlopsHandler):
    """`POST /mlops/fs/write-many {files: [{path, data}]}` → `{files: [{path, size, written}]}`."""

    @tornado.web.authenticated
    async def post(self) -> None:
        """Write several loose git objects in one request."""
        await self.respond(self._run, heavy=True)

    def _run(self) -> dict[str, Any]:
        limits = self.mlops
        body = read_body(self)
        files = parse_files(body, limits.max_read_many_paths)
        store = self.store(body.get("store"))
        return {"files": write_objects(store, files, limits.max_write_many_inflated_bytes)}
