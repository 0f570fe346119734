"""Loose git objects as the bridge receives them: zlib streams checked against their names.

Shared by `fs/write-many` (many objects per request) and `fs/write` (an
object written on its own, when a batch was too large or the server too
old): either way, what lands under `experiments.git/objects/` is the object
its name says, never arbitrary bytes.
"""

from __future__ import annotations

import hashlib
import re
import zlib

from . import store_layout
from .errors import MlopsError

_HEADER = re.compile(rb"^(blob|tree|commit|tag) (0|[1-9][0-9]{0,18})\x00")


def bad_request(message: str) -> MlopsError:
    """An `E_BAD_REQUEST` error with `message`."""
    return MlopsError("E_BAD_REQUEST", message)


def check_object(path: str, data: bytes, left: int, max_inflated: int) -> int:
    """Check that `data` is the deflated git object the loose path names; return its size.

    `path` must be a loose object of the store's repository. Inflates at
    most `left` bytes (what the request's budget of `max_inflated` has
    left), then checks the `type size\\0` header and the SHA-1. The size
    returned is the inflated one, header included.
    """
    if store_layout.LOOSE_OBJECT.match(path) is None:
        raise bad_request(
            f"{path!r} is not a loose object of the store's repository "
            f"({store_layout.GIT_DIR}/objects/xx/<38 hex>)"
        )
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(data, left + 1)
    except zlib.error:
        raise bad_request(f"{path!r}: data is not zlib-deflated") from None
    if len(raw) > left or inflater.unconsumed_tail:
        raise MlopsError(
            "E_BODY_TOO_LARGE",
            f"the objects of one request may inflate to {max_inflated} bytes in all, and "
            f"{path!r} goes over: send fewer objects per request",
        )
    if not inflater.eof or inflater.unused_data:
        raise bad_request(f"{path!r}: deflated data is truncated or has trailing bytes")
    header = _HEADER.match(raw)
    if header is None or int(header.group(2)) != len(raw) - header.end():
        raise bad_request(f"{path!r}: not a git object (bad header or size)")
    if hashlib.sha1(raw, usedforsecurity=False).hexdigest() != oid_of(path):
        raise bad_request(f"{path!r}: the object's SHA-1 does not match its name")
    return len(raw)


def oid_of(path: str) -> str:
    """The object id a loose object path names."""
    return path[-41:-39] + path[-38:]
