"""A real MLflow server for the outbox's tests, and a fault-injecting proxy in front of it.

`.venv-mlflow` is the same virtualenv the vitest suite makes
(test/registry/mlflow.ts: MLflow and the kernel's own model libraries, one
stamp file); it is made here when missing. The server runs on 127.0.0.1
with a SQLite backend and a local artifact root, as the issue asks.

`FaultProxy` sits between the bridge and MLflow and breaks calls on
purpose: a 503 without forwarding, a dropped connection without
forwarding, or a reply lost after MLflow committed the call (forwarded,
then the connection is closed without an answer). Rules pick calls by
method and path; `rate` adds seeded random faults. It also records every
request's headers, so a test can see what reached the wire.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import importlib.metadata
import json
import random
import socketserver
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .server_support import free_port

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-mlflow"
MLFLOW = VENV / "bin" / "mlflow"
MLFLOW_PYTHON = VENV / "bin" / "python"
MLFLOW_VERSION = "3.17.2"
STAMP = VENV / ".mlops-requirements.txt"


def ensure_mlflow_venv() -> None:
    """Make `.venv-mlflow` as test/registry/mlflow.ts does, unless it is there."""
    pins = [
        f"{d}=={importlib.metadata.version(d)}"
        for d in ("scikit-learn", "numpy", "pandas", "scipy", "cloudpickle")
    ]
    wanted = "\n".join([f"mlflow=={MLFLOW_VERSION}", *pins]) + "\n"
    if MLFLOW.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not MLFLOW_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [
            str(MLFLOW_PYTHON),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "--progress-bar",
            "off",
            *wanted.split(),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    STAMP.write_text(wanted)


@dataclass
class MlflowServer:
    port: int
    process: subprocess.Popen[bytes]
    folder: Path

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, method: str, endpoint: str, body: Any = None, **query: str) -> Any:
        """Straight to MLflow (never through a proxy): what really is there."""
        url = f"{self.uri}/api/2.0/{endpoint}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(  # noqa: S310 - our own test server
            url,
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")

    def download(self, artifact: str) -> bytes:
        url = f"{self.uri}/api/2.0/mlflow-artifacts/artifacts/{artifact}"
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
            return response.read()


def start_mlflow(folder: Path) -> MlflowServer:
    ensure_mlflow_venv()
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            str(MLFLOW),
            "server",
            "--backend-store-uri",
            f"sqlite:///{folder / 'mlflow.db'}",
            "--artifacts-destination",
            str(folder / "artifacts"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
        ],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=(folder / "mlflow.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while True:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5):  # noqa: S310
                return MlflowServer(port, process, folder)
        assert process.poll() is None, (folder / "mlflow.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "mlflow server did not start"
        time.sleep(0.3)


@pytest.fixture(scope="session")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    server = start_mlflow(tmp_path_factory.mktemp("mlflow"))
    yield server
    server.process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=20)
    if server.process.poll() is None:
        server.process.kill()


FAULTS = ("503", "drop", "lost")


@dataclass
class Rule:
    """Break the next `times` calls whose method is `method` and path holds `path`."""

    method: str
    path: str
    fault: str
    times: int = 1


@dataclass
class FaultProxy:
    upstream: int
    rules: list[Rule] = field(default_factory=list)
    rate: float = 0.0
    seed: int = 7
    echo_headers: bool = False
    down: bool = False
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - seeded faults, not secrets
        self._lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _any  # noqa: N815

        class Threaded(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Threaded(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _fault(self, method: str, path: str) -> str:
        with self._lock:
            if self.down:
                return "503"
            for rule in self.rules:
                if rule.times > 0 and rule.method == method and rule.path in path:
                    rule.times -= 1
                    return rule.fault
            if self.rate and self._random.random() < self.rate:
                return self._random.choice(FAULTS)
        return "ok"

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for _, _, fault in self.seen:
            found[fault] = found.get(fault, 0) + 1
        return found

    def handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        method, path = request.command, request.path
        self.headers.append(dict(request.headers.items()))
        fault = self._fault(method, path)
        with self._lock:
            self.seen.append((method, path, fault))
        length = int(request.headers.get("Content-Length") or 0)
        if self.echo_headers:
            request.rfile.read(length)
            body = json.dumps(
                {"error_code": "INVALID_PARAMETER_VALUE", "message": str(dict(request.headers))}
            ).encode()
            request.send_response(400)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
            return
        if fault == "503":
            request.rfile.read(length)
            request.send_response(503)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        if fault == "drop":
            request.close_connection = True
            return  # nothing forwarded, nothing answered
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=120)
        upstream.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers.items():
            if name.lower() not in ("connection",):
                upstream.putheader(name, value)
        upstream.endheaders()
        left = length
        while left > 0:
            block = request.rfile.read(min(left, 1 << 20))
            if not block:
                break
            upstream.send(block)
            left -= len(block)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        if fault == "lost":
            request.close_connection = True
            return  # MLflow committed it; the bridge never hears
        request.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
