"""A model version's scoring server: `python -m jupyterlab_mlops.serve VERSION_DIR --port N`.

VERSION_DIR is `<store>/registry/models/<key>/versions/<n>` (its
`version.json` and its MLflow model in `model/`). Before loading anything it
checks every file of the model against the SHA-256 `version.json` records
(a changed file: it refuses to start, exit 3). It then loads the model as
the `sklearn` flavor of its `MLmodel` says (cloudpickle or pickle), in this
process only: the Jupyter server never loads a model.

It speaks MLflow's scoring protocol on 127.0.0.1: `GET /ping` and
`GET /health` (200 once loaded), `GET /version`, `POST /invocations` with
`{"dataframe_split": …}`, `{"dataframe_records": …}`, `{"instances": …}` or
`{"inputs": …}` (JSON, at most 16 MiB), answering `{"predictions": […]}`, or
400 `{"error_code": "BAD_REQUEST", "message": …}`. Why not `mlflow models
serve`: MLflow is not a dependency (the lab works after `pip install` and
nothing else); where it is installed, `mlflow models serve -m
VERSION_DIR/model --env-manager local` serves the same folder (tested).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MAX_BODY = 16 * 1024 * 1024
VERSION = "jupyterlab-mlops-serve/1"


def _sha(path: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(version_dir: Path) -> dict[str, Any]:
    """`version.json`, once every file it lists has its recorded SHA-256; else SystemExit(3)."""
    record = json.loads((version_dir / "version.json").read_text(encoding="utf-8"))
    files = record.get("files")
    if not isinstance(files, dict) or "MLmodel" not in files:
        raise SystemExit(3)
    if os.path.islink(version_dir / "model"):
        raise SystemExit(3)
    for rel, info in files.items():
        parts = rel.split("/")
        if any(p in ("", ".", "..") for p in parts) or not isinstance(info, dict):
            raise SystemExit(3)
        path = version_dir / "model" / rel
        if any(
            os.path.islink(version_dir / "model" / "/".join(parts[:i]))
            for i in range(1, len(parts))
        ):
            raise SystemExit(3)
        try:
            digest = _sha(path)
        except OSError:
            print(f"[E_REGISTRY_CORRUPT] {rel} is missing", file=sys.stderr)
            raise SystemExit(3) from None
        if digest != info.get("sha256"):
            print(f"[E_REGISTRY_CORRUPT] {rel} changed since it was registered", file=sys.stderr)
            raise SystemExit(3)
    return record


def load(model_dir: Path, files: dict[str, Any]) -> Any:
    """The model, by the `sklearn` flavor of its `MLmodel` (cloudpickle or pickle).

    Only a file `verify` checked is loaded.
    """
    import yaml

    mlmodel = yaml.safe_load((model_dir / "MLmodel").read_text(encoding="utf-8"))
    flavor = mlmodel["flavors"]["sklearn"]
    fmt = flavor.get("serialization_format", "cloudpickle")
    name = flavor.get("pickled_model", "model.pkl")
    if name not in files:
        raise SystemExit(f"[E_MODEL_INVALID] {str(name)[:80]!r} is not a file of the version")
    path = model_dir / name
    if fmt == "cloudpickle":
        import cloudpickle as pickler
    elif fmt == "pickle":
        import pickle as pickler
    else:
        raise SystemExit(f"[E_MODEL_INVALID] serialization {fmt!r} is not served here")
    with path.open("rb") as handle:
        return pickler.load(handle)  # noqa: S301 - the serving process, after verify()


def _frame(payload: dict[str, Any]) -> Any:
    import pandas as pd

    if "dataframe_split" in payload:
        split = payload["dataframe_split"]
        return pd.DataFrame(split["data"], columns=split.get("columns"))
    if "dataframe_records" in payload:
        return pd.DataFrame(payload["dataframe_records"])
    for key in ("instances", "inputs"):
        if key in payload:
            import numpy as np

            return np.asarray(payload[key])
    raise ValueError("expected dataframe_split, dataframe_records, instances or inputs")


def _plain(value: Any) -> Any:
    tolist = getattr(value, "tolist", None)
    value = tolist() if callable(tolist) else value
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Handler(BaseHTTPRequestHandler):
    model: Any = None
    info: dict[str, Any] = {}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)

    def _answer(self, status: int, body: Any) -> None:
        data = json.dumps(body, allow_nan=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        if self.path in ("/ping", "/health"):
            self._answer(200, {"status": "ok"})
        elif self.path == "/version":
            self._answer(200, {"server": VERSION, **self.info})
        else:
            self._answer(404, {"error_code": "NOT_FOUND", "message": self.path[:200]})

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/invocations":
            self._answer(404, {"error_code": "NOT_FOUND", "message": self.path[:200]})
            return
        try:
            length = int(self.headers.get("Content-Length") or "-1")
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._answer(413, {"error_code": "BAD_REQUEST", "message": f"at most {MAX_BODY} bytes"})
            return
        try:
            payload = json.loads(self.rfile.read(length).decode("utf-8"))
            if not isinstance(payload, dict):
                raise ValueError("the body must be a JSON object")
            predictions = self.model.predict(_frame(payload))
        except Exception as err:  # noqa: BLE001 - any bad input is the caller's 400
            message = f"{type(err).__name__}: {err}"[:2000]
            self._answer(400, {"error_code": "BAD_REQUEST", "message": message})
            return
        self._answer(200, {"predictions": _plain(predictions)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jupyterlab_mlops.serve")
    parser.add_argument("version_dir", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    record = verify(args.version_dir)
    Handler.model = load(args.version_dir / "model", record["files"])
    Handler.info = {"model": record.get("model"), "version": record.get("version")}
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(
        f"serving {record.get('model')!r} version {record.get('version')} on "
        f"http://127.0.0.1:{args.port}",
        file=sys.stderr,
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
