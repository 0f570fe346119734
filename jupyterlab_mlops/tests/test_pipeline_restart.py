"""A run outlives the server that started it: real servers, stopped as a terminal would.

Each server is its own `jupyter server` process in its own process group;
stopping it signals the whole group (what Ctrl-C in its terminal does). The
runner started its own session, so it keeps running; a new server on the
same root lists the run, and it finishes.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .pipeline_support import alive, synthetic

TOKEN = "restart-test-token"
NOTEBOOK = "held.ipynb"
#: A step that waits for the test to let it go (at most two minutes).
HELD = (
    "import os, time\n"
    "print('waiting', flush=True)\n"
    "for _ in range(1200):\n"
    "    if os.path.exists('release'):\n"
    "        break\n"
    "    time.sleep(0.1)\n"
    "print('released', flush=True)\n"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A `jupyter server` process with the extension, on `root`."""

    def __init__(self, root: Path, home: Path) -> None:
        self.port = _free_port()
        config = home / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "jupyter_server_config.json").write_text(
            json.dumps({"ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}}})
        )
        env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_DATA_DIR": str(home / "data"),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                "--no-browser",
                "--allow-root",
                f"--port={self.port}",
                "--ServerApp.port_retries=0",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.root_dir={root}",
                f"--IdentityProvider.token={TOKEN}",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=(home / "server.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(OSError):
                if self.call("GET", "status")[0] == 200:
                    return
            assert self.process.poll() is None, (home / "server.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)

    def call(self, method: str, route: str, body: Any = None, **query: str) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.port}/mlops/{route}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(  # noqa: S310 - our own test server
            url,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def stop(self) -> None:
        """Stop it as its terminal would: a signal to its whole process group."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.mark.timeout(300)
def test_a_run_outlives_the_server_and_a_new_one_follows_it(
    tmp_path: Path, servers: list[Server]
) -> None:
    root = tmp_path / "root"
    folder = synthetic(root, NOTEBOOK, "held", {"hold": HELD})
    servers.append(Server(root, tmp_path / "a"))
    status, started = servers[0].call("POST", "pipeline/runs", {"notebook": NOTEBOOK})
    assert status == 200, started
    run = started["run"]
    log = folder / ".mlops-runs" / run / "logs" / "hold.log"
    deadline = time.monotonic() + 60
    while not (log.exists() and "waiting" in log.read_text()):
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.1)
    runner = json.loads((folder / ".mlops-runs" / run / "status.json").read_text())["runner"]

    servers[0].stop()
    assert servers[0].process.returncode is not None
    assert alive(runner["pid"]), "the runner went down with the server"

    servers.append(Server(root, tmp_path / "b"))
    status, listed = servers[1].call("GET", "pipeline/runs", notebook=NOTEBOOK)
    assert status == 200
    assert [(r["run"], r["state"]) for r in listed["runs"]] == [(run, "running")]

    (root / "release").write_text("")
    deadline = time.monotonic() + 60
    while True:
        status, current = servers[1].call("GET", f"pipeline/runs/{run}", notebook=NOTEBOOK)
        assert status == 200, current
        if current["state"] != "running":
            break
        assert time.monotonic() < deadline, current
        time.sleep(0.2)
    assert current["state"] == "done", current
    status, text = servers[1].call(
        "GET", f"pipeline/runs/{run}/log", notebook=NOTEBOOK, step="hold"
    )
    assert text["eof"] is True and text["text"] == "waiting\nreleased\n"
