"""The local registry's audit log: append-only, hash-chained, verifiable.

`registry/audit.jsonl` holds one JSON object a line:
`{seq, at, who, action, model, version, details, prev, hash}`. `seq`
counts from 1, `prev` is the previous entry's `hash` (64 zeros for the
first), `hash` the SHA-256 of the entry's canonical JSON without `hash`
(sorted keys, no spaces, UTF-8). `who` is jupyter_server's identity of the
request (never what the browser says), `at` the server's UTC time.
`registry/audit.head` holds the last `{seq, hash}`, so a log cut after
its last good line is told too.

Entries are appended only under the registry's lock (`registry_lock`),
so two tabs or two servers on one store never lose an entry or fork the
chain; the file is rewritten atomically (temp file, fsync, rename), so a
crash leaves the old log or the new one, never half a line.

`verify` names each line that was edited (its hash does not match), removed
(a gap in `seq`, or the head says more), reordered (a `seq` going back) or
broken (not an entry, or a `prev` that is not the hash before it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

from . import store_fs
from .errors import MlopsError
from .locks import lock, unlock
from .paths import Store, locate
from .registry_seal import SEAL, is_sealed, seal, unsealed
from .store_write import rm, write

AUDIT = "registry/audit.jsonl"
HEAD = "registry/audit.head"
LOCK = "locks/registry"
GENESIS = "0" * 64
MAX_AUDIT_BYTES = 256 * 1024 * 1024
#: Problems one verification lists (the first ones).
MAX_PROBLEMS = 100
LOCK_WAIT_S = 15.0
_LOCK_TTL_MS = 60_000
_FIELDS = ("seq", "at", "who", "action", "model", "version", "details", "prev", "hash")


def canonical(value: Any) -> bytes:
    """The bytes an entry's hash covers: sorted keys, no spaces, UTF-8, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def entry_hash(entry: dict[str, Any]) -> str:
    """The SHA-256 of an entry without its `hash` (and `seal`)."""
    body = {k: v for k, v in entry.items() if k not in ("hash", SEAL)}
    return hashlib.sha256(canonical(body)).hexdigest()


@contextlib.contextmanager
def registry_lock(store: Store, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the registry's lock (`locks/registry.lock`); `E_LOCKED` after `wait_s`."""
    # A lock path that is no file (a folder, a link) is junk, not a lock.
    with contextlib.suppress(MlopsError, OSError):
        junk = locate(store, f"{LOCK}.lock", follow=False)
        if junk.is_symlink() or junk.is_dir():
            rm(store, f"{LOCK}.lock", recursive=True)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            token = lock(store, LOCK, _LOCK_TTL_MS)
            break
        except MlopsError as err:
            if err.code != "E_LOCKED" or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    try:
        yield
    finally:
        with contextlib.suppress(MlopsError):
            unlock(store, LOCK, token)


def _read(store: Store, path: str) -> bytes:
    try:
        return store_fs.read(store, path, max_bytes=MAX_AUDIT_BYTES)
    except MlopsError as err:
        if err.code in ("E_NOT_FOUND", "E_NOT_A_DIRECTORY"):
            return b""
        raise


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(entry, dict) or set(entry) - {SEAL} != set(_FIELDS):
        return None
    seq, version = entry["seq"], entry["version"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return None
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return None
    fine = (
        isinstance(entry["prev"], str)
        and isinstance(entry["hash"], str)
        and isinstance(entry["at"], str)
        and isinstance(entry["action"], str)
        and isinstance(entry["who"], dict)
        and isinstance(entry["details"], dict)
        and (entry["model"] is None or isinstance(entry["model"], str))
    )
    return entry if fine else None


def _head(store: Store) -> dict[str, Any] | None:
    """The sealed head (`{seq, hash}`); None when there is none, an impossible one when not ours."""
    raw = _read(store, HEAD)
    if not raw:
        return None
    try:
        head = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return {"seq": -1, "hash": ""}
    if not isinstance(head, dict) or not isinstance(head.get("seq"), int) or not is_sealed(head):
        return {"seq": -1, "hash": ""}
    return unsealed(head)


def verify_lines(raw: bytes, head: dict[str, Any] | None) -> dict[str, Any]:
    """`{ok, count, problems: [{line, kind, message}]}` of an audit log's bytes and head."""
    problems: list[dict[str, Any]] = []

    def problem(line: int, kind: str, message: str) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append({"line": line, "kind": kind, "message": message})

    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        problem(len(lines), "broken", "the last line has no end: the log was cut mid-line")
    parsed = [_parse(line) for line in lines]
    # The last line each entry number is on: a gap filled further down is a
    # reordering, one filled nowhere a removal (linear in the log's size).
    last_line: dict[int, int] = {}
    for number, entry in enumerate(parsed, 1):
        if entry is not None:
            last_line[entry["seq"]] = number
    prev_hash, prev_seq = GENESIS, 0
    for number, entry in enumerate(parsed, 1):
        if entry is None:
            problem(number, "broken", f"line {number} is not an audit entry")
            continue
        seq = entry["seq"]
        if entry_hash(entry) != entry["hash"]:
            problem(number, "edited", f"line {number} (entry {seq}) was changed after writing")
        elif not is_sealed(entry):
            problem(number, "forged", f"line {number} (entry {seq}) was not written here (no seal)")
        if seq > prev_seq + 1:
            missing = (
                f"entry {prev_seq + 1} is"
                if seq == prev_seq + 2
                else f"entries {prev_seq + 1}-{seq - 1} are"
            )
            later = seq - prev_seq <= 10_000 and all(
                last_line.get(n, 0) > number for n in range(prev_seq + 1, seq)
            )
            if later:
                problem(
                    number,
                    "reordered",
                    f"line {number} holds entry {seq} where entry {prev_seq + 1} belongs",
                )
            else:
                problem(number, "removed", f"{missing} missing before line {number}")
        elif seq <= prev_seq:
            problem(number, "reordered", f"line {number} holds entry {seq} after entry {prev_seq}")
        elif entry["prev"] != prev_hash:
            problem(
                number, "broken", f"line {number} (entry {seq}) does not follow the line before it"
            )
        prev_hash, prev_seq = entry["hash"], max(prev_seq, seq)
    if head is not None and (head.get("seq") != prev_seq or head.get("hash") != prev_hash):
        if isinstance(head.get("seq"), int) and head["seq"] > prev_seq:
            problem(
                len(lines) + 1,
                "removed",
                f"entries {prev_seq + 1}-{head['seq']} are missing at the end (the head says"
                f" {head['seq']})",
            )
        else:
            problem(len(lines), "broken", "the log's head does not match its last entry")
    return {"ok": not problems, "count": len(lines), "problems": problems}


def verify(store: Store) -> dict[str, Any]:
    """Verify the store's audit log (see `verify_lines`)."""
    return verify_lines(_read(store, AUDIT), _head(store))


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_safe(value: Any) -> bool:
    try:
        canonical(value)
    except (TypeError, ValueError):
        return False
    return True


def append(
    store: Store,
    *,
    who: dict[str, str],
    action: str,
    model: str | None,
    version: int | None,
    details: dict[str, Any],
) -> dict[str, Any]:
    """Append one entry (the caller holds `registry_lock`); the entry."""
    if not _json_safe(details) or any(
        isinstance(v, float) and not math.isfinite(v) for v in details.values()
    ):
        raise MlopsError("E_BAD_REQUEST", "audit details must be plain JSON")
    raw = _read(store, AUDIT)
    if raw and not raw.endswith(b"\n"):
        raw += b"\n"  # a cut line stays (verify names it); the chain goes on after it
    last: dict[str, Any] | None = None
    for line in reversed(raw.split(b"\n")):
        if line:
            last = _parse(line)
            break
    seq = (last["seq"] + 1) if last else 1
    entry: dict[str, Any] = {
        "seq": seq,
        "at": _now(),
        "who": who,
        "action": action,
        "model": model,
        "version": version,
        "details": details,
        "prev": last["hash"] if last else GENESIS,
    }
    entry["hash"] = entry_hash(entry)
    entry = seal(entry)
    write(store, AUDIT, raw + canonical(entry) + b"\n", parents=True, follow=False)
    write(store, HEAD, canonical(seal({"seq": seq, "hash": entry["hash"]})), follow=False)
    return unsealed(entry)


def entries(store: Store, *, last: int = 500) -> list[dict[str, Any]]:
    """The newest `last` entries that parse, newest first."""
    lines = [line for line in _read(store, AUDIT).split(b"\n") if line]
    found = [_parse(line) for line in lines[-last:]]
    return [unsealed(e) for e in reversed(found) if e is not None and is_sealed(e)]
