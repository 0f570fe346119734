"""The local model registry, under `<store>/registry/` (docs/bridge.md, "Registry").

    registry/staging/<id>/                  the kernel saves a model here (MLflow format)
    registry/models/<key>/model.json        {name, description, tags, createdAt, createdBy}
    registry/models/<key>/aliases.json      {modelKey, aliases: {alias: version}}
    registry/models/<key>/versions/<n>/version.json   lineage, flavors, signature, files
    registry/models/<key>/versions/<n>/model/         the MLflow model, as the kernel saved it
    registry/audit.jsonl, audit.head        the hash-chained audit log (registry_audit)

This process never loads a model: it walks the staged folder (regular
files and folders only, no symlink, capped), hashes each file, reads
`MLmodel` with `yaml.safe_load` (no object is ever built from it), and
moves the folder into place. Every change (a version, an alias) happens
under the registry's lock together with its audit entry. The file routes
cannot write under `registry/` at all (store_layout).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import stat
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .errors import MlopsError
from .paths import Store, locate
from .registry_audit import append, canonical, registry_lock
from .registry_names import (
    check_alias,
    check_description,
    check_model_name,
    check_tags,
    model_key,
)
from .registry_outbox import check_key, queue_alias, queue_version
from .registry_outbox import read as read_entry
from .registry_records import (
    MODELS,
    aliases_of,
    model_key_of,
    read_record,
    version_json,
    version_numbers,
    version_state,
)
from .registry_seal import seal
from .store_write import mkdir, rm, write

REGISTRY = "registry"
STAGING = "registry/staging"
STAGING_ID = re.compile(r"[0-9a-f]{32}")
MAX_MODEL_FILES = 1000
MAX_MODEL_BYTES = 4 * 1024 * 1024 * 1024
MAX_MLMODEL_BYTES = 1024 * 1024
MAX_LINEAGE_BYTES = 1024 * 1024
SOURCES = ("experiment", "kernel", "pipeline")
_LINEAGE_KEYS = {
    "experiment",
    "notebook",
    "notebookHash",
    "dataHashes",
    "params",
    "metrics",
    "requirements",
    "pipelineRun",
}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _write_json(store: Store, path: str, value: dict[str, Any]) -> None:
    write(store, path, canonical(seal(value)), parents=True, follow=False)


#: A staging folder older than this was never registered: it is removed.
STAGING_TTL_S = 24 * 3600


def _sweep_staging(store: Store) -> None:
    try:
        entries = os.scandir(store.path / STAGING)
    except OSError:
        return
    now = time.time()
    with entries:
        for entry in entries:
            with contextlib.suppress(OSError, MlopsError):
                old = now - entry.stat(follow_symlinks=False).st_mtime > STAGING_TTL_S
                if old and STAGING_ID.fullmatch(entry.name):
                    rm(store, f"{STAGING}/{entry.name}", recursive=True)


def new_staging(store: Store) -> dict[str, str]:
    """A fresh, empty staging folder for the kernel: `{id, path}` (`path` absolute).

    Staging folders a day old (never registered) go first.
    """
    _sweep_staging(store)
    staging_id = secrets.token_hex(16)
    mkdir(store, f"{STAGING}/{staging_id}", parents=True)
    return {"id": staging_id, "path": str(store.path / STAGING / staging_id)}


def _staged_files(folder: Path) -> dict[str, dict[str, Any]]:
    """Each file of a staged model → `{sha256, size}`; refuses links, special files, excess."""
    found: dict[str, dict[str, Any]] = {}
    total = 0
    pending = [folder]
    while pending:
        current = pending.pop()
        for entry in sorted(os.scandir(current), key=lambda e: e.name):
            rel = Path(entry.path).relative_to(folder).as_posix()
            mode = entry.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                pending.append(Path(entry.path))
                continue
            if not stat.S_ISREG(mode):
                raise MlopsError(
                    "E_MODEL_INVALID", f"{rel!r} is a symlink or special file: not a model file"
                )
            digest = hashlib.sha256()
            size = 0
            fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as handle:
                before = file_identity(os.fstat(handle.fileno()))
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
                    size += len(chunk)
                if file_identity(os.fstat(handle.fileno())) != before:
                    raise MlopsError("E_MODEL_INVALID", f"{rel!r} changed while it was registered")
            total += size
            found[rel] = {"sha256": digest.hexdigest(), "size": size}
            if len(found) > MAX_MODEL_FILES or total > MAX_MODEL_BYTES:
                raise MlopsError(
                    "E_MODEL_INVALID",
                    f"a model holds at most {MAX_MODEL_FILES} files, {MAX_MODEL_BYTES} bytes",
                )
    return dict(sorted(found.items()))


def file_identity(info: os.stat_result) -> list[int]:
    """`[size, inode, mtime_ns, ctime_ns]`: a file written while it is hashed changes it."""
    return [info.st_size, info.st_ino, info.st_mtime_ns, info.st_ctime_ns]


def read_mlmodel(folder: Path) -> dict[str, Any]:
    """The `MLmodel` of a model folder, read safely; `E_MODEL_INVALID` when it is not one."""
    path = folder / "MLmodel"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_MLMODEL_BYTES + 1)
    except OSError:
        raise MlopsError("E_MODEL_INVALID", "the model has no MLmodel file") from None
    if len(raw) > MAX_MLMODEL_BYTES:
        raise MlopsError("E_MODEL_INVALID", f"MLmodel is over {MAX_MLMODEL_BYTES} bytes")
    try:
        mlmodel = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        raise MlopsError("E_MODEL_INVALID", "MLmodel is not YAML") from None
    if not isinstance(mlmodel, dict) or not isinstance(mlmodel.get("flavors"), dict):
        raise MlopsError("E_MODEL_INVALID", "MLmodel has no flavors")
    return mlmodel


def _signature(mlmodel: dict[str, Any]) -> dict[str, str | None]:
    signature = mlmodel.get("signature")
    if not isinstance(signature, dict):
        return {"inputs": None, "outputs": None}
    return {
        side: signature[side] if isinstance(signature.get(side), str) else None
        for side in ("inputs", "outputs")
    }


def check_lineage(value: object) -> dict[str, Any] | None:
    """A version's lineage (None: none); `E_BAD_REQUEST` when malformed or too big."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - _LINEAGE_KEYS:
        raise MlopsError(
            "E_BAD_REQUEST", f"lineage: an object of {', '.join(sorted(_LINEAGE_KEYS))}"
        )
    try:
        size = len(canonical(value))
    except (TypeError, ValueError):
        raise MlopsError("E_BAD_REQUEST", "lineage must be plain JSON") from None
    if size > MAX_LINEAGE_BYTES:
        raise MlopsError("E_BAD_REQUEST", f"lineage is over {MAX_LINEAGE_BYTES} bytes")
    experiment = value.get("experiment")
    if experiment is not None and not (
        isinstance(experiment, dict)
        and isinstance(experiment.get("id"), str)
        and isinstance(experiment.get("ref"), str)
    ):
        raise MlopsError("E_BAD_REQUEST", "lineage.experiment must be {id, ref}")
    return value


def _model_record(store: Store, name: str, who: dict[str, str], body: dict[str, Any]) -> str:
    """The model's folder key; makes `model.json` for a new model (holding the lock)."""
    key = model_key(name)
    # A model.json that is not this registry's (planted) is replaced.
    record = read_record(store, f"{MODELS}/{key}/model.json")
    if record is None:
        _write_json(
            store,
            f"{MODELS}/{key}/model.json",
            {
                "name": name,
                "description": check_description(body.get("modelDescription")),
                "tags": {},
                "createdAt": _now(),
                "createdBy": who,
            },
        )
        return key
    if not isinstance(record, dict) or not isinstance(record.get("name"), str):
        raise MlopsError("E_REGISTRY_CORRUPT", f"{MODELS}/{key}/model.json is not a model")
    if record["name"] != name:
        raise MlopsError(
            "E_NAME_COLLISION",
            f"{name!r} is the model {record['name']!r} (the same name once Unicode-normalised"
            " and case-folded): use that name",
        )
    return key


def register(store: Store, body: dict[str, Any], who: dict[str, str]) -> dict[str, Any]:
    """Make the next version of `body.model` from staging folder `body.staging`."""
    name = check_model_name(body["model"])
    staging_id = body["staging"]
    if not isinstance(staging_id, str) or not STAGING_ID.fullmatch(staging_id):
        raise MlopsError("E_BAD_REQUEST", "staging must be an id from registry/staging")
    source = body.get("source") or "kernel"
    if source not in SOURCES:
        raise MlopsError("E_BAD_REQUEST", f"source must be one of {', '.join(SOURCES)}")
    lineage = check_lineage(body.get("lineage"))
    request_key = None if body.get("idempotencyKey") is None else check_key(body["idempotencyKey"])
    if body.get("push") and request_key is None:
        raise MlopsError("E_BAD_REQUEST", "a push to MLflow needs an idempotencyKey")
    description = check_description(body.get("description"))
    tags = check_tags(body.get("tags"))
    if request_key is not None:
        with registry_lock(store):
            done = _registered_with(store, name, request_key)
        if done is not None:
            return done
        _key_is_free(store, name, request_key)
    staged = locate(store, f"{STAGING}/{staging_id}", follow=False)
    try:
        if not stat.S_ISDIR(os.lstat(staged).st_mode):
            raise FileNotFoundError
    except FileNotFoundError:
        raise MlopsError("E_NOT_FOUND", f"no staged model {staging_id}") from None
    files = _staged_files(staged)
    mlmodel = read_mlmodel(staged)
    with registry_lock(store):
        done = None if request_key is None else _registered_with(store, name, request_key)
        if done is not None:
            return done
        if request_key is not None:
            _key_is_free(store, name, request_key)
        key = _model_record(store, name, who, body)
        ours = [n for n in version_numbers(store, key) if read_record(store, version_json(key, n))]
        version = (ours or [0])[-1] + 1
        with contextlib.suppress(MlopsError):
            # Whatever is at that number is not this registry's (planted).
            rm(store, f"{MODELS}/{key}/versions/{version}", recursive=True)
        mkdir(store, f"{MODELS}/{key}/versions/{version}", parents=True)
        target = locate(store, f"{MODELS}/{key}/versions/{version}/model", follow=False)
        os.rename(staged, target)
        record = {
            "model": name,
            "version": version,
            "createdAt": _now(),
            "createdBy": who,
            "source": source,
            "description": description,
            "tags": tags,
            "lineage": lineage,
            "flavors": sorted(str(f) for f in mlmodel["flavors"]),
            "signature": _signature(mlmodel),
            "files": files,
            "requestKey": request_key,
        }
        _write_json(store, version_json(key, version), record)
        if body.get("push"):
            queue_version(store, request_key, name, key, version, who)
        experiment = (lineage or {}).get("experiment")
        append(
            store,
            who=who,
            action="register",
            model=name,
            version=version,
            details={
                "source": source,
                "experiment": experiment["id"] if experiment else None,
                "mlmodel": files.get("MLmodel", {}).get("sha256"),
            },
        )
    return {**record, "state": "ok", "problem": None, "replayed": False}


def _key_is_free(store: Store, name: str, request_key: str) -> None:
    """`E_BAD_REQUEST` when an outbox entry has this key but made no version of `name`.

    (The caller found no version with it.) Keys are global: one entry, one
    run and one MLflow version each, never reused for something else.
    """
    if read_entry(store, request_key) is not None:
        raise MlopsError(
            "E_BAD_REQUEST",
            "this idempotencyKey was used for another registration: make a new one",
        )


def _registered_with(store: Store, name: str, request_key: str) -> dict[str, Any] | None:
    """The version a request with this idempotency key made (its answer again), or None."""
    key = model_key(name)
    for number in reversed(version_numbers(store, key)):
        record = read_record(store, version_json(key, number))
        if record is not None and record.get("requestKey") == request_key:
            if record.get("model") != name:
                break
            return {**version_state(store, key, number), "replayed": True}
    return None


#: Aliases only Deploy and Rollback move (preflight, confirmation, audit).
GUARDED_ALIASES = ("production",)


def set_alias(
    store: Store, name: str, alias: object, version: object, who: dict[str, str]
) -> dict[str, Any]:
    """Point `alias` at `version` (None: remove it); `{model, alias, from, to}`, audited."""
    alias = check_alias(alias)
    if alias.lower() in GUARDED_ALIASES:
        raise MlopsError(
            "E_BAD_REQUEST",
            f"{alias!r} moves only through Deploy and Rollback (checks, confirmation, audit)",
        )
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or version < 1
    ):
        raise MlopsError("E_BAD_REQUEST", "version must be a version number or null")
    with registry_lock(store):
        key = model_key_of(store, name)
        if version is not None and version not in version_numbers(store, key):
            raise MlopsError("E_NOT_FOUND", f"{name[:80]!r} has no version {version}")
        if version is not None:
            state = version_state(store, key, version)
            if state["state"] != "ok":
                raise MlopsError(
                    "E_REGISTRY_CORRUPT",
                    f"version {version} of {name[:80]!r}: {state['problem'] or 'missing'}",
                )
        before = write_alias(store, key, alias, version, name=name, who=who)
        append(
            store,
            who=who,
            action="alias",
            model=name,
            version=version,
            details={"alias": alias, "from": before, "to": version},
        )
    return {"model": name, "alias": alias, "from": before, "to": version}


def write_alias(
    store: Store, key: str, alias: str, version: int | None, *, name: str, who: dict[str, str]
) -> int | None:
    """Point `alias` of model `key` at `version` (None: remove it); where it pointed.

    The caller holds the registry's lock and writes the audit entry. A model
    that went to MLflow gets the same move there (through the outbox).
    """
    aliases = aliases_of(store, key)
    before = aliases.get(alias)
    if version is None:
        aliases.pop(alias, None)
    else:
        aliases[alias] = version
    _write_json(
        store,
        f"{MODELS}/{key}/aliases.json",
        {"modelKey": key, "aliases": dict(sorted(aliases.items()))},
    )
    if before != version:
        queue_alias(store, name, key, alias, version, who)
    return before
