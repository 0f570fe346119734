"""Serving processes of registered models: start, health-check, state, stop.

One endpoint per model: `python -P -m jupyterlab_mlops.serve <version dir>
--port N` (serve.py; it verifies the version's files before it loads
anything), started in its own session on 127.0.0.1 and a free port, so it
outlives the tab and a server restart. Its state is
`<store>/registry/serving/<key>.json` (`{model, version, port, pid,
startTicks, startedAt}`) and its output `<key>.log`. A start waits for
`GET /ping` (at most `START_WAIT_S`); a process that dies first is
`E_SERVING_FAILED` with the end of its log. A state whose process is gone
(not that pid, another start time, another command line) is `crashed`: it
is reported, never hidden. A stop sends SIGTERM through a pidfd to the
verified process, SIGKILL after 5 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from . import store_fs
from .errors import MlopsError
from .paths import Store, locate
from .registry_names import check_model_name, model_key
from .registry_records import MODELS
from .registry_seal import is_sealed, seal, unsealed
from .run import process_start_ticks
from .store_write import rm, write

SERVING = "registry/serving"
MODULE = "jupyterlab_mlops.serve"
START_WAIT_S = 60.0
STOP_WAIT_S = 5.0
_PROC = Path("/proc")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _state(store: Store, key: str) -> dict[str, Any] | None:
    """The endpoint state this server wrote (sealed), or None."""
    try:
        raw = store_fs.read(store, f"{SERVING}/{key}.json", max_bytes=64 * 1024)
        state = json.loads(raw.decode("utf-8"))
    except MlopsError:
        return None
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(state, dict) or not is_sealed(state):
        return None
    return unsealed(state)


def _alive(state: dict[str, Any]) -> bool:
    """Whether the process a state names is still that serving process."""
    pid, ticks = state.get("pid"), state.get("startTicks")
    if not isinstance(pid, int) or isinstance(pid, bool) or not 1 < pid < 2**31:
        return False
    if not (_PROC / "self" / "stat").exists():
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    if not isinstance(ticks, int) or process_start_ticks(pid) != ticks:
        return False
    try:
        stat = (_PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        args = (_PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except (OSError, IndexError):
        return False
    return stat[0] not in ("Z", "X") and MODULE.encode() in args


def _ping(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=timeout) as answer:  # noqa: S310
            return answer.status == 200
    except (OSError, urllib.error.URLError):
        return False


def _log_tail(store: Store, key: str, size: int = 2000) -> str:
    """The end of an endpoint's log (at most `size` bytes read, never the whole file)."""
    try:
        path = locate(store, f"{SERVING}/{key}.log", follow=False)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except (MlopsError, OSError):
        return ""
    try:
        end = os.fstat(fd).st_size
        return os.pread(fd, size, max(0, end - size)).decode("utf-8", "replace")
    except OSError:
        return ""
    finally:
        os.close(fd)


def serving_state(store: Store, name: str) -> dict[str, Any] | None:
    """The model's endpoint: `{model, version, port, url, state: serving|crashed}`, or None."""
    key = model_key(check_model_name(name))
    state = _state(store, key)
    if state is None:
        return None
    port = state.get("port")
    alive = _alive(state)
    return {
        "model": state.get("model"),
        "version": state.get("version"),
        "port": port,
        "url": f"http://127.0.0.1:{port}",
        "startedAt": state.get("startedAt"),
        "state": "serving" if alive else "crashed",
        "log": None if alive else _log_tail(store, key),
    }


def list_serving(store: Store) -> list[dict[str, Any]]:
    """Every model's endpoint (serving or crashed)."""
    try:
        entries = store_fs.list_dir(store, SERVING)
    except MlopsError:
        return []
    found = []
    for entry in entries:
        if entry["type"] == "file" and entry["name"].endswith(".json"):
            state = _state(store, entry["name"][: -len(".json")])
            if state and isinstance(state.get("model"), str):
                with contextlib.suppress(MlopsError):
                    shown = serving_state(store, state["model"])
                    if shown is not None:
                        found.append(shown)
    return found


def _stop_process(state: dict[str, Any]) -> bool:
    """SIGTERM (SIGKILL after `STOP_WAIT_S`) to the serving process a state names, if it is."""
    if not _alive(state):
        return False
    pid = state["pid"]
    pidfd = None
    with contextlib.suppress(AttributeError, OSError):
        pidfd = os.pidfd_open(pid)  # type: ignore[attr-defined]
    try:
        if not _alive(state):
            return False
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, signal.SIGTERM)  # type: ignore[attr-defined]
        else:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT_S
        while _alive(state) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(state):
            os.kill(pid, signal.SIGKILL)
        return True
    except ProcessLookupError:
        return False
    finally:
        if pidfd is not None:
            os.close(pidfd)


def stop(store: Store, name: str) -> dict[str, Any]:
    """Stop the model's endpoint, if it runs; forget it. `{stopped: bool}`."""
    key = model_key(check_model_name(name))
    state = _state(store, key)
    stopped = state is not None and _stop_process(state)
    with contextlib.suppress(MlopsError):
        rm(store, f"{SERVING}/{key}.json")
    return {"stopped": stopped}


def start(store: Store, name: str, version: int) -> dict[str, Any]:
    """Serve `version` of model `name`; its endpoint.

    What served the model before keeps serving until the new process
    answers `/ping`, then stops: a version that fails to start changes
    nothing.
    """
    key = model_key(check_model_name(name))
    before = _state(store, key)
    version_dir = locate(store, f"{MODELS}/{key}/versions/{version}")
    port = _free_port()
    log_rel = f"{SERVING}/{key}.log"
    write(store, log_rel, f"--- version {version}\n".encode(), parents=True, follow=False)
    log = locate(store, log_rel, follow=False)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with log.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own scoring server, argv only
            [sys.executable, "-P", "-m", MODULE, str(version_dir), "--port", str(port)],
            cwd=version_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    threading.Thread(target=process.wait, name=f"mlops-serve-{process.pid}", daemon=True).start()
    deadline = time.monotonic() + START_WAIT_S
    while not _ping(port):
        if process.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            raise MlopsError(
                "E_SERVING_FAILED",
                f"version {version} of {name[:80]!r} did not start serving: "
                + _log_tail(store, key),
            )
        time.sleep(0.1)
    state = {
        "model": name,
        "version": version,
        "port": port,
        "pid": process.pid,
        "startTicks": process_start_ticks(process.pid),
        "startedAt": time.time(),
    }
    write(store, f"{SERVING}/{key}.json", json.dumps(seal(state)).encode(), follow=False)
    if before is not None and before.get("pid") != process.pid:
        _stop_process(before)
    shown = serving_state(store, name)
    assert shown is not None
    return shown


def invoke(store: Store, name: str, payload: object) -> dict[str, Any]:
    """Send `payload` to the model's endpoint `/invocations`; `{status, body}` as it answered."""
    shown = serving_state(store, name)
    if shown is None or shown["state"] != "serving":
        raise MlopsError("E_NOT_FOUND", f"{name[:80]!r} is not serving")
    if not isinstance(payload, dict):
        raise MlopsError("E_BAD_REQUEST", "the payload must be a JSON object")
    data = json.dumps(payload, allow_nan=False).encode()
    request = urllib.request.Request(  # noqa: S310 - our own endpoint on 127.0.0.1
        f"http://127.0.0.1:{shown['port']}/invocations",
        data=data,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return {"status": answer.status, "body": json.loads(answer.read(4 * 1024 * 1024))}
    except urllib.error.HTTPError as err:
        try:
            body = json.loads(err.read(64 * 1024))
        except ValueError:
            body = None
        return {"status": err.code, "body": body}
    except (OSError, ValueError) as err:
        raise MlopsError("E_SERVING_FAILED", f"the endpoint did not answer: {err}") from None
