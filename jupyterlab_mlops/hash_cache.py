"""The hash cache of one store: `<store>/cache/hashes.json`, kept in memory.

An entry maps a file's real path (relative to the Jupyter root) to its
SHA-256 and the (size, mtime_ns, inode, ctime_ns) it was computed for; a
lookup only answers when all four still match, so an unchanged file costs
the one `stat` of the walk. The file is read once, on first use, and
rewritten atomically (`store_write.write`: temp file, fsync, rename) after a
job that changed it. A file we cannot make sense of is logged, ignored and
replaced: the cache is never the truth, losing it costs only time.

The store is shared (synced, cloned, writable by kernels), so an entry is
only believed with a valid HMAC under this server's key, which lives outside
every store (`hash_key`). Entries are checked when first used rather than
when the file is read: loading 100,000 entries stays one JSON parse.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading

from . import store_fs, store_layout, store_write
from .errors import MlopsError
from .hash_walk import Sig
from .paths import Store, locate

#: Where the cache lives, relative to the store folder.
CACHE_FILE = "cache/hashes.json"
#: 2: every entry carries an HMAC (version 1 files are ignored and replaced).
FORMAT_VERSION = 2
#: A bigger file is not ours (100,000 entries take about 22 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024

# The entry MAC key is derived from the server's key for this one use.
_DOMAIN = b"jupyterlab_mlops hash cache v2"

#: (size, mtime_ns, inode, ctime_ns, sha256, mac, verified): `verified` is
#: false for an entry read from the file whose MAC was not checked yet.
Entry = tuple[int, int, int, int, str, str, bool]


class Signer:
    """Signs and checks cache entries with a key derived from the server's key."""

    def __init__(self, key: bytes) -> None:
        self._key = hmac.digest(key, _DOMAIN, "sha256")

    def sign(self, name: str, sig: Sig, sha: str) -> str:
        """HMAC-SHA256 (hex) of `relpath\\0size\\0mtime_ns\\0inode\\0ctime_ns\\0sha256`."""
        size, mtime, ino, ctime = sig
        message = f"{name}\0{size}\0{mtime}\0{ino}\0{ctime}\0{sha}"
        return hmac.digest(self._key, message.encode("utf-8", "surrogatepass"), "sha256").hex()

    def check(self, name: str, entry: Entry) -> bool:
        """Whether the MAC of an entry is ours (so its SHA-256 is one we computed)."""
        expected = self.sign(name, entry[:4], entry[4])
        try:
            return hmac.compare_digest(expected, entry[5])
        except TypeError:  # not ASCII: not ours either
            return False


def parse_cache(raw: bytes, max_entries: int) -> dict[str, Entry]:
    """Parse the cache file; raise ValueError unless every entry is well formed.

    Entries are listed oldest first; only the newest `max_entries` are kept,
    all unverified (their MACs are checked on use).
    """
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None
    if not isinstance(body, dict) or body.get("version") != FORMAT_VERSION:
        raise ValueError(f"not a version {FORMAT_VERSION} hash cache")
    rows = body.get("entries")
    if not isinstance(rows, list):
        raise ValueError("entries is not a list")
    entries: dict[str, Entry] = {}
    # The hot loop of a load: types only, inline (`type(x) is int` also
    # refuses JSON true). What the strings hold is the MAC's business.
    for row in rows[-max_entries:] if max_entries else []:
        if type(row) is not list or len(row) != 7:
            raise ValueError(f"malformed entry {str(row)[:80]}")
        name, size, mtime, ino, ctime, sha, mac = row
        if not (
            type(name) is str
            and type(sha) is str
            and type(mac) is str
            and type(size) is int
            and type(mtime) is int
            and type(ino) is int
            and type(ctime) is int
            and size >= 0
            and mtime >= 0
            and ino >= 0
            and ctime >= 0
        ):
            raise ValueError(f"malformed entry {str(row)[:80]}")
        entries[name] = (size, mtime, ino, ctime, sha, mac, False)
    return entries


def dump_cache(entries: dict[str, Entry]) -> bytes:
    """Serialize entries (oldest first) in the format `parse_cache` reads."""
    rows = [[key, *entry[:6]] for key, entry in entries.items()]
    return json.dumps({"version": FORMAT_VERSION, "entries": rows}, separators=(",", ":")).encode()


class HashCache:
    """Thread-safe, size-bounded map from file to SHA-256, persisted in one store.

    Insertion order is age: a lookup hit or a new entry moves to the end, and
    the oldest entries are dropped beyond `max_entries`.
    """

    def __init__(self, store: Store, max_entries: int, log: logging.Logger, key: bytes) -> None:
        self.store = store
        self.max_entries = max_entries
        self._log = log
        self._signer = Signer(key)
        self._warned = False
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
        """The SHA-256 of `key` if this server computed it for exactly `sig`, else None."""
        with self._lock:
            entries = self._loaded()
            entry = entries.get(key)
            if entry is None or entry[:4] != sig:
                return None
            del entries[key]
            if not entry[6]:
                if not self._signer.check(key, entry):
                    # Forged, or signed with another key: never used, and
                    # gone from the file at the next save.
                    self._dirty = True
                    self._warn_forged()
                    return None
                entry = (*entry[:6], True)
            # Recently used: last to be dropped. Not worth a rewrite by itself.
            entries[key] = entry
            return entry[4]

    def _warn_forged(self) -> None:
        if not self._warned:
            self._warned = True
            self._log.warning(
                "jupyterlab_mlops: ignoring hash cache entries of %s that this server did "
                "not sign (another key, or forged)",
                self.store.name,
            )

    def put(self, key: str, sig: Sig, sha: str) -> None:
        """Remember that `key` had SHA-256 `sha` when its stat matched `sig`."""
        with self._lock:
            entries = self._loaded()
            entries.pop(key, None)
            entries[key] = (*sig, sha, self._signer.sign(key, sig, sha), True)
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
                self._write(data)
            except Exception as err:  # noqa: BLE001
                # Broad: a store swapped for a long symlink chain makes realpath
                # raise RecursionError, and a save runs in a job's cleanup.
                self._log.warning("jupyterlab_mlops: could not save the hash cache: %r", err)
                with self._lock:
                    self._dirty = True

    def _write(self, data: bytes) -> None:
        # Only ever `<store>/cache/hashes.json` itself: a copied store whose
        # `cache` or `hashes.json` is a symlink (to the repository's config,
        # say) must not make the server write there. A symlink at the name
        # is replaced, and the folder must really be the store's `cache/`.
        target = locate(self.store, CACHE_FILE, follow=False)
        if target != self.store.path / CACHE_FILE:
            raise MlopsError("E_PATH_OUTSIDE_ROOT", f"{CACHE_FILE} leads elsewhere in the store")
        store_write.write(
            self.store,
            CACHE_FILE,
            data,
            parents=True,
            target=target,
            guard=store_layout.guard_folder(CACHE_FILE),
        )
