"""Where a notebook's pipeline exports are, confined to the Jupyter root.

An export of notebook `dir/nb.ipynb` lives in `dir/pipelines/<name>/<target>/`,
`<name>` the pipeline's name, which the notebook's file name decides
(`pipeline_name`, as `pipelineName` in src/pipeline/ir.ts), `<target>` one
of `TARGETS`. Only that folder is the notebook's export: a folder planted
under another name whose `pipeline.json` names the notebook is not looked
at. The notebook is resolved with `realpath` and must stay inside the
Jupyter root; `pipelines/<name>/<target>` under the notebook's folder must
hold no symlink (`E_PATH_OUTSIDE_ROOT`), so an export never writes, and a
run never reads, anywhere else. Files are then read and written relative to
folders opened from the root with `O_NOFOLLOW` (`dirfd`), so a symlink
swapped in after the check is refused too.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import posixpath
import re
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import store_fs
from .errors import MlopsError
from .locks import lock, unlock
from .paths import Store, locate, real_path, validate_path
from .pipeline_ir import MAX_IR_BYTES, finite_float, parse_pipeline

TARGETS = ("local", "dvc", "kfp", "airflow")
PIPELINES = "pipelines"
#: What the bridge wrote in an export folder: `{files, exportedAt, …}`.
MANIFEST = ".mlops-export.json"
MAX_MANIFEST_BYTES = 1024 * 1024
#: A pipeline's name, as the IR's schema has it (a Python identifier).
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
#: An `exportedAt` further ahead than this (clock skew) is no time at all.
MAX_CLOCK_SKEW_S = 24 * 3600
#: How long an export or a run's start waits for another one on the same folder.
LOCK_WAIT_S = 15.0
_LOCK_TTL_MS = 120_000


@dataclass(frozen=True)
class Notebook:
    """A notebook the client named: its root, its path from the root, its folder."""

    root: Store
    rel: str
    folder: str


@dataclass(frozen=True)
class ExportFolder:
    """An export folder: its path from the root, and a `Store` confined to it."""

    rel: str
    store: Store
    name: str
    target: str


@dataclass(frozen=True)
class Export:
    """An export found on disk: its folder, its validated IR, when it was written."""

    folder: ExportFolder
    ir: dict[str, Any]
    exported_at: float | None
    mtime: float


def root_store(root_dir: str | os.PathLike[str]) -> Store:
    """The Jupyter root as a `Store`: paths confined to the root itself."""
    root = real_path(root_dir, "the Jupyter root")
    return Store(root=root, path=root, name="")


def open_notebook(root_dir: str | os.PathLike[str], value: object) -> Notebook:
    """Validate a notebook path (relative to the root, `.ipynb`) that must exist."""
    rel = validate_path(value, field="notebook")
    if not rel.endswith(".ipynb") or rel == ".ipynb":
        raise MlopsError("E_BAD_REQUEST", f"notebook must be a .ipynb path, not {rel!r}")
    root = root_store(root_dir)
    real = locate(root, rel)
    if real == root.path or not real.is_file():
        raise MlopsError("E_NOT_FOUND", f"no notebook {rel!r}")
    return Notebook(root=root, rel=rel, folder=posixpath.dirname(rel))


def check_target(value: object) -> str:
    """One of `TARGETS`."""
    if value not in TARGETS:
        raise MlopsError("E_BAD_REQUEST", f"target must be one of {', '.join(TARGETS)}")
    return str(value)


def pipeline_name(notebook_rel: str) -> str:
    """The pipeline's name of a notebook: its file name as an identifier.

    As `pipelineName` in src/pipeline/ir.ts, which counts UTF-16 code units:
    a character beyond U+FFFF becomes two `_` there, so here too.
    """
    base = notebook_rel.rsplit("/", 1)[-1]
    if base.endswith(".ipynb"):
        base = base[: -len(".ipynb")]
    name = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" * (2 if ord(ch) > 0xFFFF else 1)
        for ch in base
    )
    if name[:1].isdigit():
        name = "_" + name
    return (name or "pipeline")[:63]


def export_folder(notebook: Notebook, name: str, target: str) -> ExportFolder:
    """`<notebook folder>/pipelines/<name>/<target>`, confined to the root, no symlink in it."""
    if not NAME.fullmatch(name):
        raise MlopsError("E_PIPELINE_INVALID", f"{name!r} is not a pipeline name")
    rel = validate_path(posixpath.join(notebook.folder, PIPELINES, name, target), field="folder")
    root = notebook.root.path
    real = real_path(root / rel, rel)
    if real == root or not real.is_relative_to(root):
        raise MlopsError("E_PATH_OUTSIDE_ROOT", f"{rel!r} resolves outside the Jupyter root")
    # The notebook's folder may be reached through a link; what is below it not.
    base = real_path(root / notebook.folder, notebook.folder or ".")
    if real != base / PIPELINES / name / target:
        raise MlopsError(
            "E_PATH_OUTSIDE_ROOT", f"{rel!r}: a symbolic link in the way (exports never follow one)"
        )
    if real.exists() and not real.is_dir():
        raise MlopsError("E_NOT_A_DIRECTORY", f"{rel!r} is not a folder")
    return ExportFolder(
        rel=rel, store=Store(root=root, path=real, name=rel), name=name, target=target
    )


def read_small(folder: ExportFolder, path: str, max_bytes: int) -> bytes | None:
    """A file of the folder (confined, `O_NOFOLLOW`), or None when missing or too big."""
    try:
        return store_fs.read(folder.store, path, max_bytes=max_bytes)
    except MlopsError as err:
        if err.code in ("E_NOT_FOUND", "E_NOT_A_DIRECTORY", "E_ANSWER_TOO_LARGE"):
            return None
        raise


#: Parsed IRs by the file's identity: a request reads the same export often
#: (each target, each poll), and validating a big one costs seconds.
_IR_CACHE: OrderedDict[tuple[int, ...], dict[str, Any] | None] = OrderedDict()
_IR_CACHE_SIZE = 32
_IR_CACHE_LOCK = threading.Lock()


def read_ir(folder: ExportFolder) -> dict[str, Any] | None:
    """The folder's validated `pipeline.json`, or None (missing or not valid).

    Cached by the file's (device, inode, size, mtime, ctime): an unchanged
    file, planted huge or not, is parsed once.
    """
    try:
        info = os.lstat(folder.store.path / "pipeline.json")
    except OSError:
        return None
    key = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    with _IR_CACHE_LOCK:
        if key in _IR_CACHE:
            _IR_CACHE.move_to_end(key)
            return _IR_CACHE[key]
    raw = read_small(folder, "pipeline.json", MAX_IR_BYTES)
    try:
        ir = parse_pipeline(raw) if raw is not None else None
    except MlopsError:
        ir = None
    with _IR_CACHE_LOCK:
        _IR_CACHE[key] = ir
        while len(_IR_CACHE) > _IR_CACHE_SIZE:
            _IR_CACHE.popitem(last=False)
    return ir


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def read_manifest(folder: ExportFolder) -> dict[str, Any]:
    """The folder's manifest (`{}` when missing or unreadable: it is only a record)."""
    raw = read_small(folder, MANIFEST, MAX_MANIFEST_BYTES)
    try:
        manifest = (
            json.loads(raw, parse_constant=_no_constant, parse_float=finite_float)
            if raw is not None
            else {}
        )
    except (ValueError, RecursionError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _exported_at(manifest: dict[str, Any]) -> float | None:
    """When the export was written; None when missing, or not a time (NaN, the future)."""
    value = manifest.get("exportedAt")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    when = float(value)
    fine = math.isfinite(when) and 0 <= when <= time.time() + MAX_CLOCK_SKEW_S
    return when if fine else None


def find_exports(notebook: Notebook, target: str) -> list[Export]:
    """The notebook's export for `target`, as a list of none or one.

    Only `pipelines/<pipeline_name(notebook)>/<target>/` is looked at; it
    counts when its `pipeline.json` is valid and names this notebook.
    """
    name = pipeline_name(notebook.rel)
    try:
        folder = export_folder(notebook, name, target)
        ir = read_ir(folder)
    except MlopsError as err:
        # A folder in the way, or a link (an export there says why).
        if err.code in ("E_NOT_A_DIRECTORY", "E_NOT_FOUND", "E_PATH_OUTSIDE_ROOT"):
            return []
        raise
    if ir is None or ir["notebook"]["path"] != notebook.rel or ir["name"] != name:
        return []
    try:
        mtime = (folder.store.path / "pipeline.json").stat().st_mtime
    except OSError:
        return []
    return [Export(folder, ir, _exported_at(read_manifest(folder)), mtime)]


def find_export(notebook: Notebook, target: str) -> Export:
    """The notebook's export for `target`; `E_EXPORT_NOT_FOUND` if none."""
    found = find_exports(notebook, target)
    if not found:
        raise MlopsError(
            "E_EXPORT_NOT_FOUND",
            f"{notebook.rel!r} has no {target} export ({PIPELINES}/"
            f"{pipeline_name(notebook.rel)}/{target}/ next to it, whose pipeline.json is valid "
            "and names it): export its pipeline first",
        )
    return found[0]


@contextlib.contextmanager
def folder_lock(folder: ExportFolder, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold the folder's lock (`.mlops-export.lock`, created with `O_EXCL`).

    Exports and run starts of one folder take turns; another holder is
    waited for up to `wait_s`, then `E_LOCKED`. Makes the folder if missing.
    """
    # A lock path that is no file (a folder, a link) is no lock of ours: junk
    # planted under a name exports never write.
    with contextlib.suppress(OSError):
        found = folder.store.path / ".mlops-export.lock"
        if found.is_symlink():
            found.unlink()
        elif found.is_dir():
            shutil.rmtree(found)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            token = lock(folder.store, ".mlops-export", _LOCK_TTL_MS)
            break
        except MlopsError as err:
            if err.code != "E_LOCKED" or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        yield
    finally:
        with contextlib.suppress(MlopsError):
            unlock(folder.store, ".mlops-export", token)
