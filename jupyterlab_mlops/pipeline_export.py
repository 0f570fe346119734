"""Writing a pipeline export next to its notebook (`POST /mlops/pipeline/export`).

The frontend generates an export's files (src/pipeline/export/); the bridge
writes them into `<notebook folder>/pipelines/<name>/<target>/`. Everything
is checked before anything is written: each file's path (relative, no
`..`, no `.mlops*` or `.git` component, at most `MAX_DEPTH` deep), their
number and sizes, the `pipeline.json` among them (valid, of this notebook),
and where each file really lands (inside the folder, inside the root).
Then, under the folder's lock, each file is written atomically (temp file,
fsync, rename; `pipeline.json` last, so whoever reads it finds the rest in
place) and the files the previous export listed in `.mlops-export.json`
and this one dropped are removed, each only while it holds what that export
wrote (the manifest has each file's SHA-256). Nothing else in the folder is touched:
not `.mlops-cache/`, `.mlops-runs/`, `.mlops-dvc/`, nor the user's files.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import posixpath
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import store_fs
from .errors import MlopsError
from .paths import locate, validate_path
from .pipeline_ir import parse_pipeline
from .pipeline_paths import (
    MANIFEST,
    ExportFolder,
    Notebook,
    check_target,
    export_folder,
    find_exports,
    folder_lock,
    open_notebook,
    pipeline_name,
    read_ir,
    read_manifest,
)
from .pipeline_status import active_run
from .store_write import rm, write

MAX_EXPORT_FILES = 500
MAX_EXPORT_FILE_BYTES = 8 * 1024 * 1024
MAX_EXPORT_BYTES = 24 * 1024 * 1024
MAX_DEPTH = 8
IR_FILE = "pipeline.json"


def check_relpath(value: object) -> str:
    """A file path of an export: plain, relative, not ours (`.mlops*`), not `.git`."""
    rel = validate_path(value, field="file path")
    if not rel or rel != value:
        raise MlopsError("E_PATH_INVALID", f"file path {value!r} must be plain (no '.' parts)")
    parts = rel.split("/")
    if len(parts) > MAX_DEPTH:
        raise MlopsError("E_PATH_INVALID", f"file path {rel!r} is over {MAX_DEPTH} folders deep")
    for part in parts:
        lowered = part.lower()
        if lowered.startswith(".mlops") or lowered == ".git":
            raise MlopsError("E_PATH_INVALID", f"file path {rel!r}: {part!r} is not for exports")
    return rel


def check_files(files: object) -> dict[str, bytes]:
    """The export's files as UTF-8 bytes, after every check of `check_relpath` and the caps."""
    if not isinstance(files, dict) or not files:
        raise MlopsError("E_BAD_REQUEST", "files must be a non-empty object of path → text")
    if len(files) > MAX_EXPORT_FILES:
        raise MlopsError("E_TOO_MANY_FILES", f"an export holds at most {MAX_EXPORT_FILES} files")
    checked: dict[str, bytes] = {}
    total = 0
    for value, text in files.items():
        rel = check_relpath(value)
        if not isinstance(text, str):
            raise MlopsError("E_BAD_REQUEST", f"files[{rel!r}] must be a string")
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:
            raise MlopsError("E_BAD_REQUEST", f"files[{rel!r}] is not valid Unicode") from None
        if len(data) > MAX_EXPORT_FILE_BYTES:
            raise MlopsError("E_BODY_TOO_LARGE", f"{rel!r} is over {MAX_EXPORT_FILE_BYTES} bytes")
        total += len(data)
        if total > MAX_EXPORT_BYTES:
            raise MlopsError("E_BODY_TOO_LARGE", f"the export is over {MAX_EXPORT_BYTES} bytes")
        checked[rel] = data
    for rel in checked:
        parent = posixpath.dirname(rel)
        while parent:
            if parent in checked:
                raise MlopsError("E_BAD_REQUEST", f"{parent!r} is both a file and a folder")
            parent = posixpath.dirname(parent)
    if IR_FILE not in checked:
        raise MlopsError("E_PIPELINE_INVALID", f"every export holds {IR_FILE}; this one has none")
    return checked


@dataclass(frozen=True)
class Plan:
    """A checked export: where it goes, its files and their real targets."""

    notebook: Notebook
    folder: ExportFolder
    files: dict[str, bytes]
    targets: dict[str, Path]


def _other_notebook(folder: ExportFolder, notebook: Notebook) -> None:
    """`E_EXPORT_MISMATCH` when the folder holds the export of another notebook that
    exists and owns the name (else it is an orphan this export replaces)."""
    ir = read_ir(folder)
    if ir is None or ir["notebook"]["path"] == notebook.rel:
        return
    other = ir["notebook"]["path"]
    try:
        owner = open_notebook(notebook.root.path, other)
    except MlopsError:
        return
    if owner.folder == notebook.folder and pipeline_name(owner.rel) == folder.name:
        raise MlopsError(
            "E_EXPORT_MISMATCH",
            f"{folder.rel!r} holds the export of {ir['notebook']['path']!r}: "
            "rename one of the two pipelines",
        )


def _no_run(folder: ExportFolder) -> None:
    """`E_RUN_ACTIVE` while a run of the folder runs (it reads the step scripts as it goes)."""
    running = active_run(folder)
    if running is not None:
        raise MlopsError(
            "E_RUN_ACTIVE", f"run {running} of {folder.rel!r} is running: cancel it or wait"
        )


def _target(folder: ExportFolder, rel: str) -> Path:
    """Where `rel` lands (its folder's symlinks resolved, confined); never a folder."""
    target = locate(folder.store, rel, follow=False)
    current = folder.store.path
    for part in Path(rel).parent.parts:
        current = current / part
        if current.exists() and not current.is_dir():
            raise MlopsError("E_NOT_A_DIRECTORY", f"{rel!r}: {part!r} is a file")
    try:
        if stat.S_ISDIR(os.lstat(target).st_mode):
            raise MlopsError("E_IS_A_DIRECTORY", f"{rel!r} is a folder")
    except FileNotFoundError:
        pass
    return target


def plan_export(root_dir: str | os.PathLike[str], body: dict[str, Any]) -> Plan:
    """Check an export request; nothing is written."""
    target = check_target(body["target"])
    notebook = open_notebook(root_dir, body["notebook"])
    files = check_files(body["files"])
    ir = parse_pipeline(files[IR_FILE])
    if ir["notebook"]["path"] != notebook.rel:
        raise MlopsError(
            "E_PIPELINE_INVALID",
            f"{IR_FILE} is the pipeline of {ir['notebook']['path']!r}, not of {notebook.rel!r}",
        )
    if ir["name"] != pipeline_name(notebook.rel):
        raise MlopsError(
            "E_PIPELINE_INVALID",
            f"{IR_FILE} names the pipeline {ir['name']!r}; {notebook.rel!r}'s is "
            f"{pipeline_name(notebook.rel)!r}",
        )
    folder = export_folder(notebook, ir["name"], target)
    _other_notebook(folder, notebook)
    if target == "local":
        _no_run(folder)
    targets = {rel: _target(folder, rel) for rel in files}
    return Plan(notebook, folder, files, targets)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _old_files(folder: ExportFolder) -> dict[str, str | None]:
    """What the previous export wrote, by its manifest: path → SHA-256 it wrote.

    A manifest of schema 1 (a list, no hashes) gives None: such files are
    never removed, as a planted manifest could name the user's own.
    """
    listed = read_manifest(folder).get("files")
    pairs: list[tuple[object, object]] = []
    if isinstance(listed, dict):
        pairs = list(listed.items())
    elif isinstance(listed, list):
        pairs = [(rel, None) for rel in listed]
    old: dict[str, str | None] = {}
    for rel, digest in pairs:
        try:
            checked = check_relpath(rel)
        except MlopsError:
            continue
        fine = isinstance(digest, str) and len(digest) == 64
        old[checked] = digest if fine else None  # type: ignore[assignment]
    return old


def _write_manifest(plan: Plan, files: dict[str, str | None], exported_at: float | None) -> None:
    manifest = {
        "schemaVersion": 2,
        "notebook": plan.notebook.rel,
        "pipeline": plan.folder.name,
        "target": plan.folder.target,
        "exportedAt": exported_at,
        "files": dict(sorted(files.items())),
    }
    text = json.dumps(manifest, indent=2, allow_nan=False)
    write(plan.folder.store, MANIFEST, text.encode(), follow=False)


def _unchanged(folder: ExportFolder, rel: str, digest: str | None) -> bool:
    """Whether `rel` still holds what the export wrote (a changed file is the user's now)."""
    if digest is None:
        return False
    try:
        data = store_fs.read(folder.store, rel, max_bytes=MAX_EXPORT_FILE_BYTES)
    except MlopsError:
        return False
    return hmac.compare_digest(_sha(data), digest)


def _remove(folder: ExportFolder, rel: str) -> bool:
    """Remove a file (or symlink) the previous export wrote; folders it emptied too."""
    try:
        # The name itself, wherever a symlink there points (its folder confined).
        target = locate(folder.store, posixpath.dirname(rel)) / posixpath.basename(rel)
        if stat.S_ISDIR(os.lstat(target).st_mode):
            return False
        rm(folder.store, rel, target=target)
    except (MlopsError, OSError):
        return False
    parent = posixpath.dirname(rel)
    while parent:
        try:
            # Empty real folders only: a symlink to a folder stays.
            target = locate(folder.store, parent, follow=False)
            if not stat.S_ISDIR(os.lstat(target).st_mode):
                break
            rm(folder.store, parent, target=target)
        except (MlopsError, OSError):
            break
        parent = posixpath.dirname(parent)
    return True


def write_export(plan: Plan) -> dict[str, Any]:
    """Write a checked export; `{folder, written, removed}`."""
    folder = plan.folder
    with folder_lock(folder):
        # Checked again now that no other export of this folder runs.
        _other_notebook(folder, plan.notebook)
        if folder.target == "local":
            _no_run(folder)
        old = _old_files(folder)
        written = {rel: _sha(data) for rel, data in plan.files.items()}
        # Listed before they exist: an export cut short is cleaned up by the next.
        _write_manifest(plan, {**old, **written}, None)
        for rel in sorted(plan.files, key=lambda rel: (rel == "pipeline.json", rel)):
            write(folder.store, rel, plan.files[rel], parents=True, follow=False)
        dropped = sorted(set(old) - set(written))
        removed = sum(_remove(folder, rel) for rel in dropped if _unchanged(folder, rel, old[rel]))
        _write_manifest(plan, written, time.time())
    return {"folder": folder.rel, "written": len(plan.files), "removed": removed}


def list_exports(root_dir: str | os.PathLike[str], notebook_path: object) -> dict[str, Any]:
    """`{targets: {target: {folder, contentHash, exportedAt, pipeline} | null}}`."""
    notebook = open_notebook(root_dir, notebook_path)
    targets: dict[str, Any] = {}
    for target in ("local", "dvc", "kfp", "airflow"):
        found = find_exports(notebook, target)
        targets[target] = (
            {
                "folder": found[0].folder.rel,
                "contentHash": found[0].ir["notebook"]["contentHash"],
                "exportedAt": found[0].exported_at,
                "pipeline": found[0].ir["name"],
            }
            if found
            else None
        )
    return {"targets": targets}
