"""A small client of MLflow 3's REST API, for the registry's outbox (registry_outbox).

Only what the outbox needs: JSON calls under `/api/2.0/mlflow/`, and
artifact uploads through the proxied artifact API
(`PUT /api/2.0/mlflow-artifacts/artifacts/<path>`), streamed from the file
in 1 MiB blocks so memory stays flat whatever the file's size.

The URI and the credentials come from the server's configuration or its
environment (`MLFLOW_TRACKING_URI`, `MLFLOW_TRACKING_TOKEN`,
`MLFLOW_TRACKING_USERNAME`/`PASSWORD`) and never leave this process: every
message this module makes is passed through `redact`, which removes the
token, the password and any user:password of the URI, even when the server
(or something in front of it) echoes them back.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

#: Largest JSON answer read from MLflow.
MAX_ANSWER_BYTES = 8 * 1024 * 1024
#: Block size of streamed uploads.
UPLOAD_BLOCK = 1 << 20
#: The slowest upload allowed (bytes/s) before a call's deadline cuts it.
MIN_UPLOAD_RATE = 256 * 1024
ERROR_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,79}")

#: Statuses worth another try: the server (or a proxy) was busy or broken.
RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


def _cut(conn: http.client.HTTPConnection) -> None:
    """End a call that ran past its deadline (from the watchdog's thread)."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class MlflowError(Exception):
    """A failed MLflow call: `code` (MLflow's error_code, or HTTP_<n>, or CONNECTION)."""

    def __init__(self, code: str, message: str, *, status: int = 0, retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retryable = retryable


@dataclass
class MlflowTarget:
    """Where MLflow is and how to sign in; built from the server's settings."""

    uri: str
    token: str = ""
    username: str = ""
    password: str = ""
    timeout_s: float = 60.0
    secrets: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.uri)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("the MLflow tracking URI must be http:// or https://host[:port]")
        if parsed.username or parsed.password:
            self.username = self.username or urllib.parse.unquote(parsed.username or "")
            self.password = self.password or urllib.parse.unquote(parsed.password or "")
        for what, value in (
            ("token", self.token),
            ("user", self.username),
            ("password", self.password),
        ):
            # Never in a message: only what went wrong, not the value.
            if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
                raise ValueError(f"the MLflow {what} has a control character (a newline?)")
        pair = f"{self.username}:{self.password}".encode()
        basic = base64.b64encode(pair).decode("ascii") if self.username else ""
        found = [self.token, self.password, parsed.password or "", basic]
        # Longest first: a secret that holds another is removed whole.
        self.secrets = sorted({s for s in found if s}, key=len, reverse=True)

    @property
    def shown(self) -> str:
        """The URI as users may see it: scheme, host and port, no credentials."""
        parsed = urllib.parse.urlsplit(self.uri)
        host = parsed.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parsed.port}" if parsed.port else ""
        return f"{parsed.scheme}://{host}{port}{parsed.path.rstrip('/')}"

    def redact(self, text: str) -> str:
        """`text` without any credential of this target."""
        text = text.replace(self.uri, self.shown)
        for secret in self.secrets:
            text = text.replace(secret, "***")
            quoted = urllib.parse.quote(secret, safe="")
            if quoted != secret:
                text = text.replace(quoted, "***")
        return text


def target_from(uri: str, token: str = "") -> MlflowTarget | None:
    """The configured target (None when no URI is set), credentials from the environment."""
    uri = uri or os.environ.get("MLFLOW_TRACKING_URI", "")
    if not uri:
        return None
    return MlflowTarget(
        uri=uri,
        token=token or os.environ.get("MLFLOW_TRACKING_TOKEN", ""),
        username=os.environ.get("MLFLOW_TRACKING_USERNAME", ""),
        password=os.environ.get("MLFLOW_TRACKING_PASSWORD", ""),
    )


class Mlflow:
    """Calls to one MLflow server (a new connection per call: simple and robust to drops)."""

    def __init__(self, target: MlflowTarget):
        self.target = target
        parsed = urllib.parse.urlsplit(target.uri)
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname or ""
        self._port = parsed.port
        self._base = parsed.path.rstrip("/")

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": "jupyterlab-mlops"}
        if self.target.token:
            headers["Authorization"] = f"Bearer {self.target.token}"
        elif self.target.username:
            pair = f"{self.target.username}:{self.target.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return headers

    def _connection(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return kind(self._host, self._port, timeout=self.target.timeout_s)

    def _fail(self, code: str, message: str, **kw: Any) -> MlflowError:
        # Redacted whole, then cut: a cut could split a secret the redaction would miss.
        return MlflowError(code[:80], self.target.redact(message)[:2000], **kw)

    def _send(
        self,
        method: str,
        path: str,
        body: bytes | None,
        headers: dict[str, str],
        stream: Any = None,
        deadline_s: float | None = None,
    ) -> tuple[int, bytes]:
        """One request; the whole of it (sending and the answer) within `deadline_s`."""
        deadline = time.monotonic() + (deadline_s or self.target.timeout_s)

        def check() -> None:
            if time.monotonic() > deadline:
                raise TimeoutError("no complete answer in time")

        conn = self._connection()
        # The socket's timeout bounds each wait; this bounds the whole call,
        # even against a server that drips its status line or headers.
        watchdog = threading.Timer(deadline - time.monotonic(), _cut, (conn,))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.putrequest(method, self._base + path, skip_accept_encoding=True)
            for name, value in {**self._headers(), **headers}.items():
                conn.putheader(name, value)
            conn.endheaders()
            if body is not None:
                conn.send(body)
            elif stream is not None:
                for block in iter(lambda: stream.read(UPLOAD_BLOCK), b""):
                    check()
                    conn.send(block)
            response = conn.getresponse()
            raw = b""
            while len(raw) <= MAX_ANSWER_BYTES:
                check()
                chunk = response.read1(65536) if hasattr(response, "read1") else b""
                if not chunk:
                    break
                raw += chunk
            return response.status, raw
        except (OSError, http.client.HTTPException) as err:
            # The exception's text may quote what was sent (a header): only its kind.
            raise self._fail(
                "CONNECTION", f"{method} {path}: {type(err).__name__}", retryable=True
            ) from None
        finally:
            watchdog.cancel()
            conn.close()

    def _answer(self, method: str, path: str, status: int, raw: bytes) -> dict[str, Any]:
        if len(raw) > MAX_ANSWER_BYTES:
            raise self._fail("HTTP_ANSWER_TOO_BIG", f"{method} {path}: answer over 8 MiB")
        try:
            data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError, RecursionError):
            data = None
        if 200 <= status < 300:
            if not isinstance(data, dict):
                raise self._fail(
                    "HTTP_NOT_JSON", f"{method} {path}: the answer is not JSON", retryable=True
                )
            return data
        # Only MLflow's own JSON error is quoted (redacted, then cut); any
        # other body (a proxy's page, an echo of the request) is not.
        code = f"HTTP_{status}"
        message = ""
        if isinstance(data, dict) and isinstance(data.get("error_code"), str):
            # A code is MLflow's word (RESOURCE_DOES_NOT_EXIST): anything else is not quoted.
            if ERROR_CODE.fullmatch(data["error_code"]):
                code = data["error_code"]
            message = self.target.redact(str(data.get("message", "")))[:500]
        raise self._fail(
            code,
            f"{method} {path}: {status} {message}",
            status=status,
            retryable=status in RETRYABLE_STATUS,
        )

    def call(
        self,
        method: str,
        endpoint: str,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """`method /api/2.0/mlflow/<endpoint>` with a JSON body; the JSON answer."""
        path = f"/api/2.0/mlflow/{endpoint}"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        data = None if body is None else json.dumps(body, allow_nan=False).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if data is not None:
            headers["Content-Length"] = str(len(data))
        status, raw = self._send(method, path, data, headers)
        return self._answer(method, endpoint, status, raw)

    def upload(self, artifact_path: str, file: Any, size: int) -> None:
        """Stream `size` bytes of `file` (anything with `read(n)`) to the proxied artifact
        `artifact_path`, in 1 MiB blocks, within a deadline that grows with the size
        (at least 256 KiB/s)."""
        quoted = urllib.parse.quote(artifact_path, safe="/")
        path = f"/api/2.0/mlflow-artifacts/artifacts/{quoted}"
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        deadline = self.target.timeout_s + size / MIN_UPLOAD_RATE
        status, raw = self._send("PUT", path, None, headers, stream=file, deadline_s=deadline)
        self._answer("PUT", f"artifacts/{artifact_path}", status, raw)

    def list_artifacts(self, artifact_path: str) -> list[dict[str, Any]]:
        """The files under a proxied artifact folder: `[{path, is_dir, file_size}]`."""
        path = "/api/2.0/mlflow-artifacts/artifacts?" + urllib.parse.urlencode(
            {"path": artifact_path}
        )
        status, raw = self._send("GET", path, None, {})
        files = self._answer("GET", "artifacts", status, raw).get("files", [])
        return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
