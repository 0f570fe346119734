"""A real `jupyter server` process with the extension, for tests that restart servers
or need the server's whole answers (pipeline restarts, the MLflow outbox)."""

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
from pathlib import Path
from typing import Any

TOKEN = "restart-test-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A `jupyter server` process with the extension, on `root`.

    `mlops` is more `c.MlopsExtension` config; `env` more environment. Every
    answer's raw body is kept in `answers` (tests grep them).
    """

    def __init__(
        self,
        root: Path,
        home: Path,
        *,
        mlops: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.answers: list[bytes] = []
        config = home / "config"
        config.mkdir(parents=True, exist_ok=True)
        settings: dict[str, Any] = {
            "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}}
        }
        if mlops:
            settings["MlopsExtension"] = mlops
        (config / "jupyter_server_config.json").write_text(json.dumps(settings))
        environ = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(config),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            **(env or {}),
        }
        self.log = home / "server.log"
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
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(OSError):
                if self.call("GET", "status")[0] == 200:
                    return
            assert self.process.poll() is None, self.log.read_text()[-3000:]
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
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as err:
            raw = err.read() or b"null"
            status = err.code
        self.answers.append(raw)
        return status, json.loads(raw)

    def stop(self) -> None:
        """Stop it as its terminal would: a signal to its whole process group."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
