"""The hash cache of one store: `<store>/cache/hashes.json`, kept in memory.

An entry maps a file's real path (relative to the Jupyter root) to its
SHA-256 and the (size, mtime_ns, inode, ctime_ns) it was computed for; a
lookup only answers when all four still match, so an unchanged file costs
the one `stat` of the walk. The file is read once, on first use, and
rewritten atomically (`store_fs.write`: temp file, fsync, rename) after a
job that changed it. A file we cannot make sense of is logged, ignored and
replaced: the cache is never the truth, losing it costs only time.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from typing import Any

from . import store_fs
from .errors import MlopsError
from .hash_walk import Sig
from .paths import Store

#: Where the cache lives, relative to the store folder.
CACHE_FILE = "cache/hashes.json"
FORMAT_VERSION = 1
#: A bigger file is not ours (100,000 entries take about 15 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024

_SHA256 = re.compile(r"[0-9a-f]{64}")

Entry = tuple[int, int, int, int, str]


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse_cache(raw: bytes, max_entries: int) -> dict[str, Entry]:
    """Parse the cache file; raise ValueError unless every entry is well formed.

    Entries are listed oldest first; only the newest `max_entries` are kept.
    """
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(body, dict) or body.get("version") != FORMAT_VERSION:
        raise ValueError("not a version 1 hash cache")
    rows = body.get("entries")
    if not isinstance(rows, list):
        raise ValueError("entries is not a list")
    entries: dict[str, Entry] = {}
    for row in rows[-max_entries:] if max_entries else []:
        if not (
            isinstance(row, list)
            and len(row) == 6
            and isinstance(row[0], str)
            and all(_is_count(value) for value in row[1:5])
            and isinstance(row[5], str)
            and _SHA256.fullmatch(row[5])
        ):
            raise ValueError(f"malformed entry {str(row)[:80]}")
        entries[row[0]] = (row[1], row[2], row[3], row[4], row[5])
    return entries


def dump_cache(entries: dict[str, Entry]) -> bytes:
    """Serialize entries (oldest first) in the format `parse_cache` reads."""
    rows = [[key, *entry] for key, entry in entries.items()]
    return json.dumps({"version": FORMAT_VERSION, "entries": rows}, separators=(",", ":")).encode()


class HashCache:
    """Thread-safe, size-bounded map from file to SHA-256, persisted in one store.

    Insertion order is age: a lookup hit or a new entry moves to the end, and
    the oldest entries are dropped beyond `max_entries`.
    """

    def __init__(self, store: Store, max_entries: int, log: logging.Logger) -> None:
        self.store = store
        self.max_entries = max_entries
        self._log = log
        self._entries: dict[str, Entry] | None = None
        self._dirty = False
        self._lock = threading.Lock()
        # Two jobs finishing together write one after the other.
        self._save_lock = threading.Lock()

    def _loaded(self) -> dict[str, Entry]:
        if self._entries is None:
            self._entries, self._dirty = self._load()
        return self._entries

    def _load(self) -> tuple[dict[str, Entry], bool]:
        try:
            info = store_fs.stat_path(self.store, CACHE_FILE)
            size = info["size"]
            if info["type"] != "file" or not isinstance(size, int) or size > MAX_FILE_BYTES:
                raise ValueError("not a regular file of a sensible size")
            return parse_cache(store_fs.read(self.store, CACHE_FILE), self.max_entries), False
        except MlopsError as err:
            if err.code == "E_NOT_FOUND":
                return {}, False
            reason = err.message
        except ValueError as exc:
            reason = str(exc)
        self._log.warning(
            "jupyterlab_mlops: ignoring the hash cache of %s (%s)", self.store.name, reason
        )
        # Dirty: the next save replaces what we could not read.
        return {}, True

    def get(self, key: str, sig: Sig) -> str | None:
        """The SHA-256 of `key` if it was computed for exactly `sig`, else None."""
        with self._lock:
            entries = self._loaded()
            entry = entries.get(key)
            if entry is None or entry[:4] != sig:
                return None
            # Recently used: last to be dropped. Not worth a rewrite by itself.
            del entries[key]
            entries[key] = entry
            return entry[4]

    def put(self, key: str, sig: Sig, sha: str) -> None:
        """Remember that `key` had SHA-256 `sha` when its stat matched `sig`."""
        with self._lock:
            entries = self._loaded()
            entries.pop(key, None)
            entries[key] = (*sig, sha)
            while len(entries) > self.max_entries:
                del entries[next(iter(entries))]
            self._dirty = True

    def save(self) -> None:
        """Write the cache file if anything changed since it was read or written.

        Failures are logged, never raised: hashing succeeded without the cache.
        """
        with self._save_lock:
            with self._lock:
                if not self._dirty or self._entries is None:
                    return
                data = dump_cache(self._entries)
                self._dirty = False
            try:
                store_fs.write(self.store, CACHE_FILE, data, parents=True)
            except MlopsError as err:
                self._log.warning("jupyterlab_mlops: could not save the hash cache: %s", err)
                with self._lock:
                    self._dirty = True
