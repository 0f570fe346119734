"""`POST /mlops/fs/write-many {files: [{path, data}]}`: many loose git objects, one request.

An experiment commit writes a handful of loose objects (blobs, trees, the
commit) before its ref. One `fs/write` each costs a round trip apiece; this
route writes them all in one authenticated request. It only takes loose
objects (`…/objects/xx/<38 hex>`), and checks that each one inflates to a
well-formed git object whose SHA-1 is its name, so it cannot be used to put
arbitrary bytes anywhere, and an object already on disk is left alone (same
name, same content).

Every entry is validated (path rules, confinement, base64, inflated size,
header, name) before anything is written: a bad entry fails the whole
request with nothing on disk changed. Each object is then written like
`fs/write` with `exclusive` and `parents` (temp file, fsync, link, fsync of
the folder). A failure while writing (a full disk) answers its error; the
objects written before it stay: they are content-addressed, and nothing
points at them until the client writes a ref, which it does only after this
route answered.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import zlib
from typing import Any

import tornado.web

from . import store_fs
from .body import parse_json_object
from .errors import MlopsError
from .handlers import MlopsHandler
from .paths import Store, locate, validate_path

#: A loose object path inside the store: any folder (the git dir), then
#: `objects/` and the SHA-1 split 2/38, as git and isomorphic-git write it.
LOOSE_OBJECT = re.compile(r"^(?:.+/)?objects/([0-9a-f]{2})/([0-9a-f]{38})$")
_HEADER = re.compile(rb"^(blob|tree|commit|tag) (0|[1-9][0-9]{0,18})\x00")
_BODY_FIELDS = {"files", "store"}
_ENTRY_FIELDS = {"path", "data"}


def _bad(message: str) -> MlopsError:
    return MlopsError("E_BAD_REQUEST", message)


def check_object(path: str, data: bytes, max_inflated: int) -> None:
    """Check that `data` is the deflated git object the loose path names.

    Inflates at most `max_inflated` bytes (a small body cannot expand into a
    huge one), then checks the `type size\\0` header and the SHA-1.
    """
    match = LOOSE_OBJECT.match(path)
    if match is None:
        raise _bad(f"{path!r} is not a loose git object path (…/objects/xx/<38 hex>)")
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, max_inflated + 1)
    except zlib.error:
        raise _bad(f"{path!r}: data is not zlib-deflated") from None
    if len(raw) > max_inflated or inflater.unconsumed_tail:
        raise _bad(f"{path!r}: object inflates to more than {max_inflated} bytes")
    if not inflater.eof or inflater.unused_data:
        raise _bad(f"{path!r}: deflated data is truncated or has trailing bytes")
    header = _HEADER.match(raw)
    if header is None or int(header.group(2)) != len(raw) - header.end():
        raise _bad(f"{path!r}: not a git object (bad header or size)")
    if hashlib.sha1(raw, usedforsecurity=False).hexdigest() != match.group(1) + match.group(2):
        raise _bad(f"{path!r}: the object's SHA-1 does not match its name")


def parse_files(body: dict[str, Any], limit: int) -> list[tuple[str, bytes]]:
    """The `(path, bytes)` pairs of a request body, strictly checked."""
    unknown = sorted(set(body) - _BODY_FIELDS)
    if unknown:
        raise _bad(f"unknown field(s): {', '.join(unknown)}")
    if "store" in body and not isinstance(body["store"], str):
        raise _bad("store must be a string")
    files = body.get("files")
    if not isinstance(files, list) or not files:
        raise _bad("files must be a non-empty array")
    if len(files) > limit:
        raise _bad(f"files holds more than {limit} entries")
    parsed: list[tuple[str, bytes]] = []
    seen: set[str] = set()
    for index, entry in enumerate(files):
        if not isinstance(entry, dict) or set(entry) != _ENTRY_FIELDS:
            raise _bad(f"files[{index}] must be an object with exactly path and data")
        path, data = entry["path"], entry["data"]
        if not isinstance(path, str) or not isinstance(data, str):
            raise _bad(f"files[{index}]: path and data must be strings")
        path = validate_path(path, field=f"files[{index}].path")
        if path in seen:
            raise _bad(f"files[{index}]: {path!r} is listed twice")
        seen.add(path)
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise _bad(f"files[{index}]: data is not valid base64") from None
        parsed.append((path, raw))
    return parsed


def write_objects(
    store: Store, files: list[tuple[str, bytes]], max_inflated: int
) -> list[dict[str, Any]]:
    """Validate every object, then write the missing ones; answer one entry per file."""
    targets = []
    for path, data in files:
        check_object(path, data, max_inflated)
        targets.append(locate(store, path))
    answers: list[dict[str, Any]] = []
    for (path, data), target in zip(files, targets, strict=True):
        written = False
        if not os.path.lexists(target):
            try:
                store_fs.write(store, path, data, exclusive=True, parents=True)
                written = True
            except MlopsError as err:
                # Another writer put the same object there meanwhile; any
                # other failure, or an E_EXISTS that left no object, is one.
                if err.code != "E_EXISTS" or not os.path.lexists(target):
                    raise
        answers.append({"path": path, "size": len(data), "written": written})
    return answers


class WriteManyHandler(MlopsHandler):
    """`POST /mlops/fs/write-many {files: [{path, data}]}` → `{files: [{path, size, written}]}`."""

    @tornado.web.authenticated
    async def post(self) -> None:
        """Write several loose git objects in one request."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        limits = self.mlops
        body = parse_json_object(
            self.request.body,
            self.request.headers.get("Content-Length"),
            limits.max_body_bytes,
        )
        files = parse_files(body, limits.max_read_many_paths)
        store = self.store(body.get("store"))
        return {"files": write_objects(store, files, limits.max_body_bytes)}
