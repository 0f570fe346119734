"""The runner's own files: the folders it writes, its run's lock, cancel and request.

- `.mlops-cache`, `.mlops-runs` and `steps` of an export must not be
  symlinks: the runner writes under the first two, and would write (or read
  step scripts) wherever a planted link points.
- `.mlops-runs/active.lock` is held (`flock`, exclusive) by the runner of
  the export's one active run, holding its run id: a second runner refuses
  to start (`E_RUN_ACTIVE`), and the bridge asks the lock, not a folder
  listing that planted folders could crowd, whether a run is active.
- `RUN/runner.lock` is held (`flock`) by the runner while it runs: where
  there is no `/proc`, that is how the bridge tells a live runner
  (pipeline_process).
- `RUN/cancel`, made by the bridge, asks the runner to cancel (no signal
  to a pid a status names).
- `RUN/request.json` (mode 0600, written by the bridge) holds the run's
  parameter overrides and expectation: they never go on the command line,
  where they would show in `ps` and could overflow the argument list.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import IO, Any

from .errors import MlopsError
from .pipeline_reproduce import check_expectation

#: The folders of an export the runner writes in or runs from.
OWN_FOLDERS = (".mlops-cache", ".mlops-runs", "steps")
RUNNER_LOCK = "runner.lock"
ACTIVE_LOCK = "active.lock"
CANCEL_FILE = "cancel"
REQUEST_FILE = "request.json"
MAX_REQUEST_BYTES = 16 * 1024 * 1024


def check_own_folders(folder: Path) -> None:
    """`E_PATH_OUTSIDE_ROOT` when one of `OWN_FOLDERS` is a symlink (or not a folder)."""
    for name in OWN_FOLDERS:
        try:
            mode = os.lstat(folder / name).st_mode
        except FileNotFoundError:
            continue
        except OSError as err:
            raise MlopsError("E_IO", f"{name}: {err.strerror}") from None
        if stat.S_ISLNK(mode):
            raise MlopsError(
                "E_PATH_OUTSIDE_ROOT",
                f"{folder / name} is a symbolic link: the runner writes only in its own folders",
            )
        if not stat.S_ISDIR(mode):
            raise MlopsError("E_NOT_A_DIRECTORY", f"{folder / name} is not a folder")


def own_dir(path: Path) -> Path:
    """`path` as a real folder: a symlink or file in its place (never ours) is removed."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISDIR(mode):
        path.unlink()
    path.mkdir(parents=True, exist_ok=True)
    return path


def hold_lock(run_dir: Path) -> IO[bytes] | None:
    """Take the run's lock for as long as the answer stays open (None where there is no flock)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    handle = os.fdopen(os.open(run_dir / RUNNER_LOCK, flags, 0o644), "rb+")
    os.set_inheritable(handle.fileno(), False)
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def hold_active(runs: Path, run_id: str) -> IO[bytes] | None:
    """Take the export's active-run lock for as long as the answer stays open.

    `E_RUN_ACTIVE` when another runner of this export holds it.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return None
    runs.mkdir(parents=True, exist_ok=True)
    # Anything but a file at the lock's name (a folder, a FIFO, a link) is junk.
    with contextlib.suppress(FileNotFoundError):
        mode = os.lstat(runs / ACTIVE_LOCK).st_mode
        if stat.S_ISDIR(mode):
            shutil.rmtree(runs / ACTIVE_LOCK)
        elif not stat.S_ISREG(mode):
            os.unlink(runs / ACTIVE_LOCK)
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK
    try:
        fd = os.open(runs / ACTIVE_LOCK, flags, 0o600)
    except OSError as err:
        raise MlopsError("E_IO", f"{runs / ACTIVE_LOCK}: {err.strerror}") from None
    handle = os.fdopen(fd, "rb+")
    os.set_inheritable(fd, False)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise MlopsError(
            "E_RUN_ACTIVE", "another run of this export is running: cancel it or wait"
        ) from None
    handle.truncate(0)
    handle.write(run_id.encode())
    handle.flush()
    return handle


def cancel_asked(run_dir: Path) -> bool:
    """Whether the bridge asked (without a signal) that the run be cancelled."""
    return os.path.lexists(run_dir / CANCEL_FILE)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def read_request(path: Path) -> tuple[list[str], dict[str, Any] | None]:
    """A request file's `--param` texts and expectation; `E_BAD_REQUEST` when malformed."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_REQUEST_BYTES + 1)
    except OSError as err:
        message = f"--request: cannot read {path}: {err.strerror}"
        raise MlopsError("E_BAD_REQUEST", message) from None
    if len(raw) > MAX_REQUEST_BYTES:
        raise MlopsError("E_BAD_REQUEST", f"--request: over {MAX_REQUEST_BYTES} bytes")
    try:
        request = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MlopsError("E_BAD_REQUEST", "--request: not JSON") from None
    if not isinstance(request, dict) or set(request) - {"params", "expect"}:
        raise MlopsError("E_BAD_REQUEST", "--request: an object of params and expect only")
    params = request.get("params", [])
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
        raise MlopsError("E_BAD_REQUEST", "--request: params must be a list of 'name=value'")
    expect = request.get("expect")
    return params, (None if expect is None else check_expectation(expect))


def expectation(text: str | None) -> dict[str, Any] | None:
    """`--expect`'s JSON, checked; None without it."""
    if text is None:
        return None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except ValueError:
        raise MlopsError("E_BAD_REQUEST", "--expect is not JSON") from None
    return check_expectation(value)


def default_cwd(folder: Path) -> Path:
    """The notebook's folder: exports live in `<notebook folder>/pipelines/<name>/<target>/`
    (`<notebook folder>/pipelines/<name>/` also works)."""
    if folder.parent.parent.name == "pipelines":
        return folder.parent.parent.parent
    return folder.parent.parent if folder.parent.name == "pipelines" else folder
