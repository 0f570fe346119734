"""Reading the local registry's records (registry_store writes them).

Every record is believed only with this registry's seal (registry_seal):
a version whose `version.json` is not sealed, names a file outside its
model folder, or whose files are missing or changed is `corrupt`; aliases
and models that are not sealed are ignored or shown as a problem. Records
are read size-capped, strict JSON, no NaN or Infinity.
"""

from __future__ import annotations

import json
import os
import re
import stat
from typing import Any

from . import store_fs
from .errors import MlopsError
from .paths import Store, locate
from .pipeline_ir import finite_float
from .registry_names import MODEL_KEY, check_model_name, model_key
from .registry_seal import is_sealed, unsealed
from .run_cache import file_sha

MODELS = "registry/models"
MAX_JSON_BYTES = 2 * 1024 * 1024
#: Versions one model's answer lists (the newest).
MAX_LISTED_VERSIONS = 100
#: A version folder's name: a number as the registry writes them.
VERSION_NAME = re.compile(r"[1-9][0-9]{0,8}")


def _read_json(store: Store, path: str, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """A JSON file of the registry, or None when missing; `E_REGISTRY_CORRUPT` when not JSON."""
    try:
        raw = store_fs.read(store, path, max_bytes=max_bytes)
    except MlopsError as err:
        if err.code in ("E_NOT_FOUND", "E_NOT_A_DIRECTORY"):
            return None
        if err.code == "E_ANSWER_TOO_LARGE":
            raise MlopsError("E_REGISTRY_CORRUPT", f"{path} is too big") from None
        raise
    try:
        return json.loads(raw.decode("utf-8"), parse_float=finite_float)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MlopsError("E_REGISTRY_CORRUPT", f"{path} is not JSON") from None


def read_record(store: Store, path: str, max_bytes: int = MAX_JSON_BYTES) -> dict[str, Any] | None:
    """A record the registry wrote (sealed), without its seal; None when missing or not ours."""
    found = _read_json(store, path, max_bytes)
    if found is None or not isinstance(found, dict) or not is_sealed(found):
        return None
    return unsealed(found)


def version_numbers(store: Store, key: str) -> list[int]:
    try:
        listed = store_fs.list_dir(store, f"{MODELS}/{key}/versions")
    except MlopsError as err:
        if err.code in ("E_NOT_FOUND", "E_NOT_A_DIRECTORY"):
            return []
        raise
    return sorted(
        int(e["name"]) for e in listed if e["type"] == "dir" and VERSION_NAME.fullmatch(e["name"])
    )


def version_state(store: Store, key: str, version: int, *, full: bool = False) -> dict[str, Any]:
    """A version's record with `state` (`ok` or `corrupt`) and the `problem` when corrupt.

    Without `full`, each file's presence and size are checked; with it, its SHA-256.
    """
    base = f"{MODELS}/{key}/versions/{version}"
    try:
        found = _read_json(store, f"{base}/version.json")
    except MlopsError as err:
        return {"version": version, "state": "corrupt", "problem": err.message}
    if found is None:
        return {"version": version, "state": "corrupt", "problem": "version.json is missing"}
    if not is_sealed(found):
        return {
            "version": version,
            "state": "corrupt",
            "problem": "version.json was not written by this registry (no valid seal)",
        }
    record = unsealed(found)
    if record.get("version") != version or not (
        isinstance(record.get("model"), str) and model_key(record["model"]) == key
    ):
        return {
            "version": version,
            "state": "corrupt",
            "problem": "version.json is another version's (copied here)",
        }
    if not isinstance(record.get("files"), dict):
        return {"version": version, "state": "corrupt", "problem": "version.json lists no files"}
    folder = locate(store, f"{base}/model", follow=False)
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            raise OSError
    except OSError:
        return {**record, "state": "corrupt", "problem": "model/ is missing or a link"}
    for rel, info in record["files"].items():
        parts = rel.split("/") if isinstance(rel, str) else [""]
        if any(p in ("", ".", "..") for p in parts) or not isinstance(info, dict):
            return {**record, "state": "corrupt", "problem": f"{str(rel)[:80]!r} is no file name"}
        path = folder / rel
        try:
            if any(os.path.islink(folder.joinpath(*parts[:i])) for i in range(1, len(parts))):
                raise OSError
            info_stat = os.lstat(path)
        except OSError:
            return {**record, "state": "corrupt", "problem": f"{rel} is missing"}
        if not stat.S_ISREG(info_stat.st_mode) or info_stat.st_size != info.get("size"):
            return {**record, "state": "corrupt", "problem": f"{rel} changed (size)"}
        if full and file_sha(path) != info.get("sha256"):
            return {**record, "state": "corrupt", "problem": f"{rel} changed (content)"}
    return {**record, "state": "ok", "problem": None}


def aliases_of(store: Store, key: str) -> dict[str, int]:
    """The model's aliases (none when aliases.json is not this registry's)."""
    found = read_record(store, f"{MODELS}/{key}/aliases.json") or {}
    # Bound to its model: another model's aliases.json, copied here, is not believed.
    aliases = found.get("aliases") if found.get("modelKey") == key else None
    if not isinstance(aliases, dict):
        return {}
    return {str(k): v for k, v in aliases.items() if isinstance(v, int) and not isinstance(v, bool)}


def version_json(key: str, version: int) -> str:
    return f"{MODELS}/{key}/versions/{version}/version.json"


def model_key_of(store: Store, name: str) -> str:
    name = check_model_name(name)
    key = model_key(name)
    record = read_record(store, f"{MODELS}/{key}/model.json")
    if record is None or record.get("name") != name:
        raise MlopsError("E_NOT_FOUND", f"no model {name[:80]!r}")
    return key


def get_model(store: Store, name: str) -> dict[str, Any]:
    """A model with its versions (each with its state) and aliases."""
    key = model_key_of(store, name)
    record = read_record(store, f"{MODELS}/{key}/model.json") or {}
    numbers = version_numbers(store, key)[-MAX_LISTED_VERSIONS:]
    versions = [version_state(store, key, n) for n in numbers]
    return {**record, "key": key, "aliases": aliases_of(store, key), "versions": versions}


def list_models(store: Store) -> list[dict[str, Any]]:
    """Every model: name, description, tags, aliases, its versions' count and latest."""
    try:
        listed = store_fs.list_dir(store, MODELS)
    except MlopsError as err:
        if err.code in ("E_NOT_FOUND", "E_NOT_A_DIRECTORY"):
            return []
        raise
    models = []
    for entry in listed:
        key = entry["name"]
        if entry["type"] != "dir" or not MODEL_KEY.fullmatch(key):
            continue
        try:
            record = read_record(store, f"{MODELS}/{key}/model.json")
            aliases = aliases_of(store, key)
        except MlopsError as err:
            models.append({"key": key, "name": None, "problem": err.message})
            continue
        name = record.get("name") if record else None
        if not isinstance(name, str) or model_key(name) != key:
            problem = "not this registry's (no valid seal, or another model's folder)"
            models.append({"key": key, "name": None, "problem": problem})
            continue
        numbers = version_numbers(store, key)
        models.append(
            {
                "key": key,
                "name": record["name"],
                "description": record.get("description", ""),
                "aliases": aliases,
                "versions": len(numbers),
                "latest": numbers[-1] if numbers else None,
                "problem": None,
            }
        )
    return sorted(models, key=lambda m: (m["name"] is None, (m["name"] or m["key"]).casefold()))


def model_aliases(store: Store, name: str) -> tuple[str, dict[str, int]]:
    """A model's folder key and its aliases; `E_NOT_FOUND` when there is no such model."""
    key = model_key_of(store, name)
    return key, aliases_of(store, key)
