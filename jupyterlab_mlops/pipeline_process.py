"""The runner's process: starting it detached, telling whether it still runs, signalling it.

A run is `python -m jupyterlab_mlops.run DIR --run-id ID …`, started in its
own session (a new process group, no controlling terminal, stdin from
`/dev/null`, output to a file), so it outlives the browser tab, the
server's shutdown and a Ctrl-C in the server's terminal. Its `status.json`
names it (`runner: {pid, startTicks}`); a pid is that runner only while
`/proc/<pid>/stat` gives the same start time (a pid reused later starts
later), the process is no zombie, and its command line is the runner's on
that folder. Where there is no `/proc` (not Linux), a runner is alive while
it holds the lock on its run folder's `runner.lock` (`flock`, released by the
kernel when it dies), and a cancel is the file `cancel` in its run folder,
which it looks for as it goes: a forged status cannot make the bridge signal
another process. A status that says `running` while its runner is gone is a
run that was interrupted (killed, or the machine restarted).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .run import process_start_ticks
from .run_files import CANCEL_FILE, RUNNER_LOCK

RUNNER_MODULE = "jupyterlab_mlops.run"
_PROC = Path("/proc")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def spawn_runner(folder: Path, args: list[str], output: int) -> subprocess.Popen[bytes]:
    """Start the runner on `folder` with `args`, detached; `output` gets its stdout and stderr.

    A thread waits for it, so it never stays a zombie of this server.
    """
    # An empty or relative PYTHONPATH entry means the cwd (the export folder).
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if os.path.isabs(p)]
    env.pop("PYTHONPATH", None)
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    process = subprocess.Popen(  # noqa: S603 - our own runner, argv only
        # -P: not the export folder (its cwd) first on the runner's import
        # path, where a planted `hashlib.py` would run in the runner.
        [sys.executable, "-P", "-m", RUNNER_MODULE, str(folder), *args],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        close_fds=True,
    )
    threading.Thread(target=process.wait, name=f"mlops-run-{process.pid}", daemon=True).start()
    return process


def _pid(runner: object) -> tuple[int, int | None] | None:
    if not isinstance(runner, dict):
        return None
    pid, ticks = runner.get("pid"), runner.get("startTicks")
    if not isinstance(pid, int) or isinstance(pid, bool) or not 1 < pid < 2**31:
        return None
    if not (ticks is None or (isinstance(ticks, int) and not isinstance(ticks, bool))):
        return None
    return pid, ticks


def _is_runner_of(args: list[str], cwd: str, folder: Path) -> bool:
    """Whether a command line is the runner's (module or `jupyter-mlops run`) on `folder`."""
    module = RUNNER_MODULE in args
    cli = any(os.path.basename(arg) == "jupyter-mlops" for arg in args[:3]) and "run" in args
    if not (module or cli):
        return False
    for arg in args:
        with contextlib.suppress(OSError, ValueError):
            if Path(os.path.realpath(os.path.join(cwd, arg))) == folder:
                return True
    return False


def lock_held(path: Path) -> bool:
    """Whether a process holds a `flock` on `path` (a runner's lock, while it runs)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as err:
        return err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
    finally:
        os.close(fd)
    return False


def runner_alive(runner: object, folder: Path, run_dir: Path) -> bool:
    """Whether the runner a status names (`{pid, startTicks}`) still runs `folder`.

    Without `/proc` (not Linux): whether a runner holds the run's lock.
    """
    named = _pid(runner)
    if named is None:
        return False
    pid, ticks = named
    if not (_PROC / "self" / "stat").exists():
        return lock_held(run_dir / RUNNER_LOCK)
    try:
        fields = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        args = [
            os.fsdecode(arg)
            for arg in (_PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
            if arg
        ]
        cwd = os.readlink(_PROC / str(pid) / "cwd")
    except (OSError, IndexError):
        return False
    if fields[0] in ("Z", "X"):
        return False
    # Without its start time a pid names no one process (pids are reused).
    if ticks is None or process_start_ticks(pid) != ticks:
        return False
    return _is_runner_of(args, cwd, folder)


def _ask_to_cancel(run_dir: Path) -> bool:
    try:
        fd = os.open(run_dir / CANCEL_FILE, os.O_WRONLY | os.O_CREAT | _NOFOLLOW, 0o644)
    except OSError:
        return False
    os.close(fd)
    return True


def signal_runner(
    runner: object, folder: Path, run_dir: Path, signum: int = signal.SIGTERM
) -> bool:
    """Send `signum` to the runner if it is still that runner; whether it was sent.

    On Linux through a pidfd opened before the check, so the signal cannot
    reach a process that took the pid meanwhile. Without `/proc` no signal
    is sent: the run's `cancel` file asks its runner (a cancel, whatever
    `signum`).
    """
    named = _pid(runner)
    if named is None:
        return False
    if not (_PROC / "self" / "stat").exists():
        return lock_held(run_dir / RUNNER_LOCK) and _ask_to_cancel(run_dir)
    pid = named[0]
    pidfd: int | None = None
    with contextlib.suppress(AttributeError, OSError):
        pidfd = os.pidfd_open(pid)  # type: ignore[attr-defined]
    try:
        if not runner_alive(runner, folder, run_dir):
            return False
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, signum)  # type: ignore[attr-defined]
        else:
            os.kill(pid, signum)
        return True
    except ProcessLookupError:
        return False
    finally:
        if pidfd is not None:
            os.close(pidfd)
