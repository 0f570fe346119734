"""Runs of a notebook's `local` export: start, status, step logs, cancel.

Only the notebook's own export runs: `<notebook folder>/pipelines/<name>/local/`
whose `pipeline.json` names the notebook (the newest, if several do). The
runner is started detached (`pipeline_process`) with the run id chosen
here, and the start waits until its `status.json` exists, so the id the
browser gets always reads. One run at a time per export: the runner's step
cache replaces a step's cached outputs when that step finishes, which
another run's step may be reading, so a second start (or a `local`
re-export) while a run's runner lives is `E_RUN_ACTIVE`. Parameters are
checked against the IR's types with the runner's own `parse_param` before
anything starts, and reach the runner as strings in the run's
`request.json` (mode 0600; not argv, where `ps` shows them and a long one
overflows), never as code.
"""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

from .dirfd import NOFOLLOW, opened_dir
from .errors import STATUS, MlopsError
from .paths import locate, real_path
from .pipeline_paths import Export, ExportFolder, find_export, folder_lock, open_notebook
from .pipeline_process import signal_runner, spawn_runner
from .pipeline_reproduce import check_expectation
from .pipeline_status import (
    RUNS,
    active_run,
    check_run_id,
    get_status,
    list_runs,
    read_status,
)
from .run import new_run_id, parse_param
from .run_files import REQUEST_FILE
from .store_fs import mapped_errors
from .store_write import mkdir, rm

#: Most log bytes one answer carries.
MAX_LOG_CHUNK = 256 * 1024
#: Largest offset a client may give (JavaScript's safe integers).
MAX_OFFSET = 2**53 - 1
#: How long a start waits for the runner's first status.json.
START_WAIT_S = 20.0
#: The runner's own output (its summary, or why it refused to start).
RUNNER_LOG = "runner.log"
MAX_PARAM_CHARS = 10_000
STEP = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_FINISHED_STEP = ("cached", "done", "failed", "cancelled", "skipped")
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
#: The JSON types each IR parameter type takes (a string is parsed as typed).
_ACCEPTS: dict[str, tuple[str, ...]] = {
    "int": ("number", "string"),
    "float": ("number", "string"),
    "bool": ("boolean", "string"),
    "str": ("string",),
    "none": ("null", "string"),
}


def local_export(root_dir: str | os.PathLike[str], notebook: object) -> Export:
    """The notebook's own `local` export; `E_EXPORT_NOT_FOUND` if it has none."""
    return find_export(open_notebook(root_dir, notebook), "local")


def notebook_runs(root_dir: str | os.PathLike[str], notebook: object) -> dict[str, Any]:
    """`{runs: [status, …]}` of the notebook's local export, newest first (none: `[]`)."""
    opened = open_notebook(root_dir, notebook)
    try:
        folder = find_export(opened, "local").folder
    except MlopsError as err:
        if err.code == "E_EXPORT_NOT_FOUND":
            return {"runs": []}
        raise
    return {"runs": list_runs(folder)}


def run_status(root_dir: str | os.PathLike[str], notebook: object, run_id: str) -> dict[str, Any]:
    """One run's status (`E_RUN_NOT_FOUND` if none)."""
    check_run_id(run_id)
    return get_status(local_export(root_dir, notebook).folder, run_id)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else "other"


def _as_text(name: str, value: object, kind: str) -> str:
    given = _json_type(value)
    if given not in _ACCEPTS[kind]:
        raise MlopsError("E_PARAM_INVALID", f"parameter {name} is a {kind}, not a JSON {given}")
    if isinstance(value, str):
        if "\x00" in value or len(value) > MAX_PARAM_CHARS:
            raise MlopsError(
                "E_PARAM_INVALID",
                f"parameter {name}: a string of at most {MAX_PARAM_CHARS} characters, no NUL",
            )
        return value
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def param_texts(params: object, declared: list[dict[str, Any]]) -> list[str]:
    """`name=value` texts for the runner's `--param`, each checked as the runner will read it."""
    if params is None:
        return []
    if not isinstance(params, dict):
        raise MlopsError("E_BAD_REQUEST", "params must be an object of name → value")
    by_name = {p["name"]: p for p in declared}
    texts: list[str] = []
    for name, value in params.items():
        if name not in by_name:
            known = ", ".join(sorted(by_name)) or "none"
            raise MlopsError(
                "E_PARAM_INVALID", f"{name[:80]!r} is not a parameter (known: {known})"
            )
        kind = by_name[name]["type"]
        text = _as_text(name, value, kind)
        try:
            parse_param(f"{name}={text}", by_name)
        except MlopsError:
            raise MlopsError(
                "E_PARAM_INVALID", f"parameter {name}: {text[:80]!r} is not a {kind}"
            ) from None
        texts.append(f"{name}={text}")
    return texts


def _no_run(folder: ExportFolder) -> None:
    running = active_run(folder)
    if running is not None:
        raise MlopsError(
            "E_RUN_ACTIVE", f"run {running} of {folder.rel!r} is running: cancel it or wait"
        )


def _runner_refusal(folder: ExportFolder, run_id: str) -> MlopsError:
    """Why a runner stopped before its first status: its `[E_…] message` line."""
    try:
        target = locate(folder.store, f"{RUNS}/{run_id}/{RUNNER_LOG}")
        with opened_dir(folder.store, target.parent) as dir_fd:
            fd = os.open(target.name, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
            with os.fdopen(fd, "rb") as handle:
                text = handle.read(64 * 1024).decode("utf-8", "replace")
    except (MlopsError, OSError):
        text = ""
    found = re.search(r"^\[(E_[A-Z_]+)\] (.*)$", text, re.MULTILINE)
    if found and found.group(1) in STATUS:
        return MlopsError(found.group(1), found.group(2))
    return MlopsError("E_INTERNAL", f"the runner stopped before it started: {text[-2000:]}")


def _open_output(folder: ExportFolder, run_id: str) -> int:
    """Make the run's folder (never an existing one) and its `runner.log`; the file's fd."""
    mkdir(folder.store, f"{RUNS}/{run_id}", parents=True)
    target = locate(folder.store, f"{RUNS}/{run_id}/{RUNNER_LOG}", follow=False)
    with mapped_errors(RUNNER_LOG, writing=True), opened_dir(folder.store, target.parent) as fd:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC
        return os.open(target.name, flags, 0o644, dir_fd=fd)


def _new_run(folder: ExportFolder) -> tuple[str, int]:
    for _ in range(5):
        run_id = new_run_id()
        try:
            return run_id, _open_output(folder, run_id)
        except MlopsError as err:
            if err.code != "E_EXISTS":
                raise
    raise MlopsError("E_BUSY", "no free run id; try again")


def _write_request(folder: ExportFolder, run_id: str, request: dict[str, Any]) -> str:
    """The run's `request.json` (0600, new); its absolute path."""
    rel = f"{RUNS}/{run_id}/{REQUEST_FILE}"
    target = locate(folder.store, rel, follow=False)
    data = json.dumps(request, allow_nan=False).encode()
    with mapped_errors(REQUEST_FILE, writing=True), opened_dir(folder.store, target.parent) as fd:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC
        out = os.open(target.name, flags, 0o600, dir_fd=fd)
        with os.fdopen(out, "wb") as handle:
            handle.write(data)
    return str(target)


def start_run(root_dir: str | os.PathLike[str], body: dict[str, Any]) -> dict[str, Any]:
    """Start the notebook's local export; `{run, folder}` once its status.json exists."""
    notebook = open_notebook(root_dir, body["notebook"])
    export = find_export(notebook, "local")
    folder = export.folder
    params = param_texts(body["params"], export.ir["parameters"])
    expect = body.get("expect")
    request = {"params": params, "expect": None if expect is None else check_expectation(expect)}
    args = ["--force"] if body["force"] else []
    cwd = real_path(notebook.root.path / notebook.folder, notebook.folder or ".")
    _no_run(folder)
    with folder_lock(folder):
        _no_run(folder)  # again, now that no other start of this folder runs
        run_id, output = _new_run(folder)
        try:
            path = _write_request(folder, run_id, request)
            process = spawn_runner(
                folder.store.path,
                ["--run-id", run_id, "--cwd", str(cwd), "--request", path, *args],
                output,
            )
        except (MlopsError, OSError) as err:
            rm(folder.store, f"{RUNS}/{run_id}", recursive=True)
            if isinstance(err, MlopsError):
                raise
            raise MlopsError("E_INTERNAL", f"the runner could not start: {err}") from None
        finally:
            os.close(output)
        deadline = time.monotonic() + START_WAIT_S
        while read_status(folder, run_id) is None and time.monotonic() < deadline:
            if process.poll() is not None and read_status(folder, run_id) is None:
                refusal = _runner_refusal(folder, run_id)
                rm(folder.store, f"{RUNS}/{run_id}", recursive=True)
                raise refusal
            time.sleep(0.05)
    return {"run": run_id, "folder": folder.rel}


def cancel_run(root_dir: str | os.PathLike[str], notebook: object, run_id: str) -> dict[str, Any]:
    """SIGTERM to the run's runner (it cancels its steps); `E_RUN_FINISHED` if it is not running."""
    check_run_id(run_id)
    folder = local_export(root_dir, notebook).folder
    status = get_status(folder, run_id)
    if status["state"] != "running":
        raise MlopsError("E_RUN_FINISHED", f"run {run_id} is {status['state']}: nothing to cancel")
    run_dir = folder.store.path / RUNS / run_id
    if not signal_runner(status.get("runner"), folder.store.path, run_dir):
        raise MlopsError("E_RUN_FINISHED", f"run {run_id} has no runner left to cancel")
    return {"cancelled": True}


def _complete_utf8(data: bytes) -> int:
    """The length of `data` without a multi-byte character cut at its end."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:
            # A lead byte says how long its character is; ASCII and bytes
            # that lead nothing stand alone (the latter decode as U+FFFD).
            need = 2 if 0xC0 <= byte < 0xE0 else 3 if 0xE0 <= byte < 0xF0 else 1
            need = 4 if 0xF0 <= byte < 0xF8 else need
            return len(data) - back if need > back else len(data)
    return len(data)


def _read_from(folder: ExportFolder, path: str, offset: int) -> tuple[bytes, int]:
    """Up to `MAX_LOG_CHUNK` bytes of a log from `offset`, and the log's size (0 if none)."""
    target = locate(folder.store, path)
    try:
        with mapped_errors(path), opened_dir(folder.store, target.parent) as dir_fd:
            flags = os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK | _CLOEXEC
            fd = os.open(target.name, flags, dir_fd=dir_fd)
            try:
                size = os.fstat(fd).st_size
                if offset > size:
                    raise MlopsError("E_BAD_REQUEST", f"offset {offset} is past the log's end")
                return os.pread(fd, MAX_LOG_CHUNK, offset), size
            finally:
                os.close(fd)
    except MlopsError as err:
        if err.code not in ("E_NOT_FOUND", "E_NOT_A_DIRECTORY"):
            raise
    if offset > 0:
        raise MlopsError("E_BAD_REQUEST", f"offset {offset} is past the log's end")
    return b"", 0


def read_log(
    root_dir: str | os.PathLike[str], notebook: object, run_id: str, step: str, offset: int
) -> dict[str, Any]:
    """`{text, offset, eof}`: the step's log from byte `offset` (see docs/bridge.md)."""
    check_run_id(run_id)
    if not STEP.fullmatch(step):
        raise MlopsError("E_BAD_REQUEST", f"{step[:80]!r} is not a step name")
    if not 0 <= offset <= MAX_OFFSET:
        raise MlopsError("E_BAD_REQUEST", f"offset must be an integer from 0 to {MAX_OFFSET}")
    folder = local_export(root_dir, notebook).folder
    # The status first: a step it says finished has its whole log on disk.
    status = get_status(folder, run_id)
    entry = status["steps"].get(step)
    if entry is None:
        raise MlopsError("E_NOT_FOUND", f"run {run_id} has no step {step!r}")
    finished = status["state"] != "running" or entry["state"] in _FINISHED_STEP
    data, size = _read_from(folder, f"{RUNS}/{run_id}/logs/{step}.log", offset)
    whole = finished and offset + len(data) >= size
    cut = len(data) if whole else _complete_utf8(data)
    end = offset + cut
    return {
        "text": data[:cut].decode("utf-8", "replace"),
        "offset": end,
        "eof": finished and end >= size,
    }
