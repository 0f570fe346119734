"""The outbox to MLflow: each registration (and each alias move of a pushed model)
lands on the MLflow server exactly once (docs/design.md, "MLflow backend").

    registry/outbox/<key>.json    one sealed entry per call to make on MLflow

An entry is written under the registry's lock together with the local
version or alias it mirrors, so a registration that the bridge answered is
never lost. The key is the client's idempotency key (the lab makes one per
Register click and sends it again when it retries), stored on MLflow as the
tag `mlops.idempotency_key` of the run and of the model version, and
searched before anything is created: MLflow has no idempotency keys of its
own, and a call whose answer was lost may have been committed. Uploads are
PUTs of whole files (the same bytes again change nothing). So the outbox can
retry any step any number of times, after a 503, a dropped connection, a
lost answer, or a server restart, and still make one run and one version.

A worker thread of the Jupyter server (registry_push) sends the entries in
order. It holds `locks/outbox.flock` while it works, so two servers on one
store never push the same entry at once. Entries are sealed like every
registry record: a planted entry is never sent (it could name files to
upload), and the credentials never enter an entry or an answer.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
from typing import Any

from .errors import MlopsError
from .paths import Store
from .registry_audit import canonical
from .registry_records import read_record
from .registry_seal import seal, unsealed
from .store_fs import list_dir
from .store_write import rm, write

OUTBOX = "registry/outbox"
KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{7,63}")
#: Entries kept after they are done (the newest), so the panel can show them.
KEEP_DONE = 200
#: Most entries listed or worked through at once.
MAX_ENTRIES = 2000
#: An entry is small (no file's content is ever in one).
MAX_ENTRY_BYTES = 64 * 1024
#: Failed entries kept (the newest), beside the done ones.
KEEP_FAILED = 200
STATES = ("pending", "done", "failed")


def check_key(value: object) -> str:
    """An idempotency key: 8–64 letters, digits and dashes (a UUID fits)."""
    if not isinstance(value, str) or not KEY.fullmatch(value):
        raise MlopsError(
            "E_BAD_REQUEST", "idempotencyKey must be 8 to 64 letters, digits and dashes"
        )
    return value


def _now_ms() -> int:
    return int(time.time() * 1000)


def _path(key: str) -> str:
    return f"{OUTBOX}/{key}.json"


def save(store: Store, entry: dict[str, Any]) -> None:
    """Write an entry (sealed, atomically)."""
    write(store, _path(entry["key"]), canonical(seal(entry)), parents=True, follow=False)


def read(store: Store, key: str) -> dict[str, Any] | None:
    """The sealed entry `key`, or None (missing, unreadable, planted)."""
    try:
        record = read_record(store, _path(key), MAX_ENTRY_BYTES)
    except MlopsError:
        return None
    if record is None or record.get("key") != key or record.get("state") not in STATES:
        return None
    return record


def all_entries(store: Store) -> list[dict[str, Any]]:
    """Every sealed entry, oldest first (by the time it was queued, then key)."""
    try:
        names = [e["name"] for e in list_dir(store, OUTBOX) if e.get("type") == "file"]
    except MlopsError:
        return []
    found = []
    for name in sorted(names):
        # The cap counts entries of ours only: planted files cannot hide them.
        if len(found) >= MAX_ENTRIES:
            break
        if not name.endswith(".json") or not KEY.fullmatch(name[:-5]):
            continue
        entry = read(store, name[:-5])
        if entry is not None and isinstance(entry.get("queuedAt"), int):
            found.append(entry)
    return sorted(found, key=lambda e: (e["queuedAt"], e["key"]))


def view(entry: dict[str, Any]) -> dict[str, Any]:
    """What the lab sees of an entry (no seal; nothing secret was ever in it)."""
    shown = unsealed(entry)
    return {k: shown.get(k) for k in _SHOWN}


_SHOWN = (
    "key",
    "kind",
    "ref",
    "model",
    "version",
    "alias",
    "state",
    "attempts",
    "queuedAt",
    "queuedBy",
    "lastError",
    "nextTryAt",
    "result",
)


def _entry(kind: str, key: str, name: str, model_key: str, who: dict[str, str]) -> dict[str, Any]:
    return {
        "key": key,
        "kind": kind,
        "model": name,
        "modelKey": model_key,
        "state": "pending",
        "attempts": 0,
        "queuedAt": _now_ms(),
        "queuedBy": who.get("username", ""),
        "lastError": None,
        "nextTryAt": 0,
        "result": None,
    }


def _pushed_path(model_key: str) -> str:
    return f"registry/models/{model_key}/pushed.json"


def queue_version(
    store: Store, key: str, name: str, model_key: str, version: int, who: dict[str, str]
) -> dict[str, Any]:
    """Queue the push of a new local version (the caller holds the registry's lock).

    The model is marked as pushed (`pushed.json`, sealed): its alias moves
    go to MLflow from now on.
    """
    entry = {**_entry("version", key, name, model_key, who), "version": version, "alias": None}
    save(store, entry)
    marker = {"modelKey": model_key}
    write(store, _pushed_path(model_key), canonical(seal(marker)), parents=True, follow=False)
    return entry


def is_pushed(store: Store, model_key: str) -> bool:
    """Whether a version of the model went (or is going) to MLflow."""
    for path in (_pushed_path(model_key), f"registry/models/{model_key}/mlflow.json"):
        # The marker, or else the mapping of versions already on MLflow.
        try:
            marker = read_record(store, path)
        except MlopsError:
            continue
        if marker is not None and marker.get("modelKey") == model_key:
            return True
    return False


def queue_alias(
    store: Store,
    name: str,
    model_key: str,
    alias: str,
    version: int | None,
    who: dict[str, str],
) -> dict[str, Any] | None:
    """Queue an alias move on MLflow when the model was pushed there (the caller holds the lock).

    None when no version of the model went to MLflow: its aliases are local only.
    """
    if not is_pushed(store, model_key):
        return None
    entry = {
        **_entry("alias", secrets.token_hex(16), name, model_key, who),
        "version": version,
        "alias": alias,
    }
    save(store, entry)
    return entry


def queue_snapshot(store: Store, ref: str, commit: str, who: dict[str, str]) -> dict[str, Any]:
    """Queue the mirror of a snapshot as an MLflow run (the caller holds the lock).

    The key is the experiment's ULID: queuing it again answers the entry
    there is (a snapshot is mirrored once, as it was when first queued).
    """
    key = ref.rsplit("/", 1)[1]
    found = read(store, key)
    if found is not None:
        if found.get("kind") != "snapshot" or found.get("ref") != ref:
            raise MlopsError("E_NAME_COLLISION", f"outbox entry {key} is another call's")
        return found
    entry = {**_entry("snapshot", key, "", "", who), "ref": ref, "commit": commit}
    save(store, entry)
    return entry


def retry(store: Store, key: str) -> dict[str, Any]:
    """Send a failed entry again (the caller holds the registry's lock)."""
    entry = read(store, check_key(key))
    if entry is None:
        raise MlopsError("E_NOT_FOUND", f"no outbox entry {key}")
    if entry["state"] == "failed":
        entry = {**entry, "state": "pending", "nextTryAt": 0, "lastError": None}
        save(store, entry)
    return view(entry)


def prune(store: Store) -> None:
    """Forget the oldest done entries beyond `KEEP_DONE` (the caller holds the lock)."""
    entries = all_entries(store)
    for state, keep in (("done", KEEP_DONE), ("failed", KEEP_FAILED)):
        settled = [e for e in entries if e["state"] == state]
        for entry in settled[: max(0, len(settled) - keep)]:
            with contextlib.suppress(MlopsError):
                rm(store, _path(entry["key"]))
