"""Reading the runs of an export: `<folder>/.mlops-runs/<run>/status.json`.

The runner writes `status.json` atomically after every change; the bridge
only reads it (confined to the export folder, `O_NOFOLLOW`, size-capped,
strict JSON) and answers it as written, with one exception: a run whose
status says `running` while its runner is gone (`pipeline_process`) is
answered `state: "interrupted"`. A status that does not have the runner's
shape (a planted or damaged file; one that names no runner, which would
poll as `running` for ever) is not a run: left out of lists, 404 on its
own. A list stops at `MAX_LISTED` runs or `MAX_LIST_BYTES` of statuses.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from . import store_fs
from .errors import MlopsError
from .pipeline_ir import finite_float
from .pipeline_paths import ExportFolder, read_small
from .pipeline_process import lock_held, runner_alive
from .run import RUN_ID
from .run_cache import read_secret, status_sealed
from .run_files import ACTIVE_LOCK

RUNS = ".mlops-runs"
#: Most runs a list answers (newest first).
MAX_LISTED = 50
#: Run folders looked at for one list (a folder of junk is not read to its end).
MAX_LOOKED_AT = 1000
#: A run id further ahead than this (clock skew) is no run of ours.
MAX_CLOCK_SKEW_S = 24 * 3600
MAX_STATUS_BYTES = 4 * 1024 * 1024
#: Most status bytes one list reads (the newest runs first).
MAX_LIST_BYTES = 8 * 1024 * 1024
RUN_STATES = ("running", "done", "failed", "cancelled")
STEP_STATES = ("queued", "running", "cached", "done", "failed", "cancelled", "skipped")


def check_run_id(value: object) -> str:
    """A run id as the runner makes them (`YYYYMMDD-HHMMSS-xxxxxx`), else `E_BAD_REQUEST`."""
    if not isinstance(value, str) or not RUN_ID.fullmatch(value):
        shown = value[:80] if isinstance(value, str) else value
        raise MlopsError("E_BAD_REQUEST", f"{shown!r} is not a run id")
    return value


def _time(value: object, *, nullable: bool) -> bool:
    if value is None:
        return nullable
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return number and math.isfinite(value)  # type: ignore[arg-type]


def _step_ok(step: object) -> bool:
    return (
        isinstance(step, dict)
        and step.get("state") in STEP_STATES
        and _time(step.get("started"), nullable=True)
        and _time(step.get("finished"), nullable=True)
        and isinstance(step.get("log"), str)
    )


def _shaped(status: object, run_id: str) -> bool:
    """Whether a parsed status.json has the runner's shape (what the panel reads)."""
    if not isinstance(status, dict):
        return False
    steps, metrics = status.get("steps"), status.get("metrics", {})
    return (
        status.get("run") == run_id
        and isinstance(status.get("pipeline"), str)
        and status.get("state") in RUN_STATES
        and _time(status.get("started"), nullable=False)
        and _time(status.get("finished"), nullable=True)
        and isinstance(status.get("params"), dict)
        and isinstance(status.get("runner"), dict)
        and isinstance(steps, dict)
        and all(_step_ok(step) for step in steps.values())
        and isinstance(metrics, dict)
        and all(_time(value, nullable=False) for value in metrics.values())
    )


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _read(folder: ExportFolder, run_id: str) -> tuple[dict[str, Any] | None, int]:
    """A run's status.json as written, or None; and how many bytes it is."""
    raw = read_small(folder, f"{RUNS}/{run_id}/status.json", MAX_STATUS_BYTES)
    if raw is None:
        return None, 0
    try:
        status = json.loads(
            raw.decode("utf-8"), parse_constant=_no_constant, parse_float=finite_float
        )
    except (ValueError, RecursionError):
        return None, len(raw)
    if not _shaped(status, run_id) or not status_sealed(status, read_secret()):
        return None, len(raw)
    status.pop("seal", None)
    return status, len(raw)


def read_status(folder: ExportFolder, run_id: str) -> dict[str, Any] | None:
    """A run's status.json as written, or None (missing, unreadable, not a status)."""
    return _read(folder, run_id)[0]


def live_status(
    folder: ExportFolder, run_id: str, status: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """`read_status` (or `status`, read already), with a `running` run whose runner is gone
    as `interrupted`."""
    if status is None:
        status = read_status(folder, run_id)
    if status is None or status["state"] != "running":
        return status
    if runner_alive(status["runner"], folder.store.path, folder.store.path / RUNS / run_id):
        return status
    # It may have finished between the two reads: its last status says so.
    again = read_status(folder, run_id)
    if again is not None and again["state"] != "running":
        return again
    return {**(again or status), "state": "interrupted"}


def get_status(folder: ExportFolder, run_id: str) -> dict[str, Any]:
    """`live_status`, or `E_RUN_NOT_FOUND`."""
    status = live_status(folder, check_run_id(run_id))
    if status is None:
        raise MlopsError("E_RUN_NOT_FOUND", f"no run {run_id} of {folder.rel!r}")
    return status


def _not_future(run_id: str, now: float) -> bool:
    try:
        started = time.mktime(time.strptime(run_id[:15], "%Y%m%d-%H%M%S"))
    except (ValueError, OverflowError):
        return False
    return started <= now + MAX_CLOCK_SKEW_S


def run_ids(folder: ExportFolder) -> list[str]:
    """The ids of the folder's run folders, newest first (ids sort by start time).

    An id that is not a date, or one in the future, is no run of ours.
    """
    try:
        entries = store_fs.list_dir(folder.store, RUNS)
    except MlopsError as err:
        if err.code in ("E_NOT_FOUND", "E_NOT_A_DIRECTORY"):
            return []
        raise
    now = time.time()
    return sorted(
        (
            e["name"]
            for e in entries
            if e["type"] == "dir" and RUN_ID.fullmatch(e["name"]) and _not_future(e["name"], now)
        ),
        reverse=True,
    )


def list_runs(folder: ExportFolder) -> list[dict[str, Any]]:
    """Up to `MAX_LISTED` statuses (and `MAX_LIST_BYTES` of them), newest first."""
    statuses: list[dict[str, Any]] = []
    total = 0
    for run_id in run_ids(folder)[:MAX_LOOKED_AT]:
        status, size = _read(folder, run_id)
        total += size
        if total > MAX_LIST_BYTES:
            break
        status = live_status(folder, run_id, status)
        if status is not None:
            statuses.append(status)
        if len(statuses) == MAX_LISTED:
            break
    return sorted(statuses, key=lambda s: (s["started"], s["run"]), reverse=True)


def active_run(folder: ExportFolder) -> str | None:
    """The id of the export's active run, if a runner holds its lock (`run_files.hold_active`).

    Asked of the lock, not of a listing: planted run folders cannot hide a
    running run. The id is what the runner wrote in the lock file
    (`unknown` when it is not an id).
    """
    path = folder.store.path / RUNS / ACTIVE_LOCK
    if not lock_held(path):
        return None
    raw = read_small(folder, f"{RUNS}/{ACTIVE_LOCK}", 64) or b""
    text = raw.decode("ascii", "replace")
    return text if RUN_ID.fullmatch(text) else "unknown"
