"""The review's attacks on the MLflow outbox, each now a test (real servers, real MLflow).

A file changed through a shared mapping (no new mtime or ctime), a replayed
old alias entry, a version folder or mapping copied from another model, an
idempotency key reused for another model, a FIFO in a model file's place,
2000 planted outbox files, and junk at the worker's lock: none of them
gets bytes or aliases the registry did not record to MLflow, and none of
them stops the worker.
"""

from __future__ import annotations

import json
import mmap
import os
import shutil
import uuid
from pathlib import Path

from .mlflow_support import FaultProxy, MlflowServer, mlflow_server
from .server_support import Server
from .test_registry_mlflow import (
    assert_no_secret,
    bridged,
    keys_of,
    proxy,
    saved_model,
    servers,
    settled,
    versions_of,
)

__all__ = ["mlflow_server", "proxy", "saved_model", "servers"]

MLMODEL = "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n"


def stage(server: Server, files: dict[str, bytes]) -> str:
    status, staging = server.call("POST", "registry/staging", {})
    assert status == 200, staging
    for rel, data in files.items():
        (Path(staging["path"]) / rel).write_bytes(data)
    return staging["id"]


def push(server: Server, name: str, staging: str, key: str) -> tuple[int, dict]:
    body = {"model": name, "staging": staging, "idempotencyKey": key, "push": True}
    return server.call("POST", "registry/versions", body)


def alias(server: Server, model: str, version: int) -> int:
    body = {"model": model, "alias": "champion", "version": version}
    return server.call("POST", "registry/aliases", body)[0]


def test_changed_files_replays_copies_and_key_reuse_reach_mlflow_never(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, mlflow_server: MlflowServer
) -> None:
    proxy.down = True
    root, server = bridged(tmp_path, servers, proxy)
    tag = uuid.uuid4().hex[:6]
    a, b = f"A-{tag}", f"B-{tag}"

    # 1. A write through a shared mapping after registration (times unchanged).
    staging = stage(server, {"MLmodel": MLMODEL.encode(), "model.pkl": b"GOOD" * 2048})
    staged = root / ".mlops" / "registry" / "staging"
    fd = os.open(staged / staging / "model.pkl", os.O_RDWR)
    mapped = mmap.mmap(fd, 8192)
    mapped[0:4] = b"GOOD"
    status, mapped_version = push(server, a, staging, f"mmap-{tag}")
    assert status == 200, mapped_version
    mapped[0:40] = b"EVIL" * 10
    mapped.close()
    os.close(fd)

    # 2. A healthy version of B, and an alias moved twice while MLflow is down.
    status, b1 = push(server, b, stage(server, {"MLmodel": MLMODEL.encode()}), f"b-one-{tag}")
    assert status == 200, b1
    status, b2 = push(
        server, b, stage(server, {"MLmodel": b"# 2\n" + MLMODEL.encode()}), f"b-two-{tag}"
    )
    assert status == 200, b2
    outbox = root / ".mlops" / "registry" / "outbox"
    before = set(outbox.iterdir())
    assert (
        server.call("POST", "registry/aliases", {"model": b, "alias": "champion", "version": 1})[0]
        == 200
    )
    [old_alias] = set(outbox.iterdir()) - before
    saved_alias = old_alias.read_bytes()

    # 3. The same key for another model: refused, nothing registered.
    status, reused = push(server, b, stage(server, {"MLmodel": MLMODEL.encode()}), f"mmap-{tag}")
    assert status == 400 and reused["code"] == "E_BAD_REQUEST", reused

    # 4. 2000 planted files in the outbox, junk at the worker's lock.
    for n in range(2000):
        (outbox / f"0000{n:06d}.json").write_text("{}")
    lock = root / ".mlops" / "locks" / "outbox.flock"
    lock.unlink(missing_ok=True)
    lock.mkdir(parents=True)

    proxy.down = False
    entries = {e["key"]: e for e in settled(server)}
    assert entries[f"mmap-{tag}"]["state"] == "failed"
    assert entries[f"mmap-{tag}"]["lastError"]["code"] == "E_REGISTRY_CORRUPT"
    assert entries[f"b-one-{tag}"]["state"] == entries[f"b-two-{tag}"]["state"] == "done"
    assert versions_of(mlflow_server, a) == []
    mirrored = {keys_of(v)[0]: v["version"] for v in versions_of(mlflow_server, b)}

    def champion() -> str | None:
        found = mlflow_server.call("GET", "mlflow/registered-models/get", name=b)
        aliases = found["registered_model"].get("aliases", [])
        return {x["alias"]: x["version"] for x in aliases}.get("champion")

    assert champion() == mirrored[f"b-one-{tag}"]
    # 5. The alias moves on; an old entry put back is not sent again.
    assert (
        server.call("POST", "registry/aliases", {"model": b, "alias": "champion", "version": 2})[0]
        == 200
    )
    settled(server)
    assert champion() == mirrored[f"b-two-{tag}"]
    old_alias.write_bytes(saved_alias)
    replayed = json.loads(saved_alias)["key"]
    server.call("POST", "registry/outbox/retry", {"key": replayed})
    settled(server)
    assert champion() == mirrored[f"b-two-{tag}"]

    # 6. Another model's version folder and MLflow mapping copied over B's: not believed.
    models = root / ".mlops" / "registry" / "models"
    [b_key] = [p.name for p in models.iterdir() if p.name.startswith("b-")]
    [a_key] = [p.name for p in models.iterdir() if p.name.startswith("a-")]
    shutil.rmtree(models / b_key / "versions" / "1")
    shutil.copytree(models / a_key / "versions" / "1", models / b_key / "versions" / "1")
    status, shown = server.call("GET", f"registry/models/{b}")
    assert shown["versions"][0]["state"] == "corrupt"
    assert "another version" in shown["versions"][0]["problem"]
    # Another model's aliases, copied over: not believed (B has none now).
    assert shown["aliases"] == {"champion": 2}
    assert alias(server, a, 1) in (200, 409)  # A gets an aliases.json of its own
    shutil.copy(models / a_key / "aliases.json", models / b_key / "aliases.json")
    assert server.call("GET", f"registry/models/{b}")[1]["aliases"] == {}
    assert_no_secret(server)


def test_a_fifo_in_a_model_files_place_fails_the_entry_and_the_worker_goes_on(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, mlflow_server: MlflowServer
) -> None:
    proxy.down = True
    root, server = bridged(tmp_path, servers, proxy)
    tag = uuid.uuid4().hex[:6]
    files = {"MLmodel": MLMODEL.encode(), "z.bin": b"z" * 100}
    status, _ = push(server, f"F-{tag}", stage(server, files), f"fifo-{tag}")
    assert status == 200
    status, _ = push(server, f"G-{tag}", stage(server, files), f"next-{tag}")
    assert status == 200
    [zbin] = (root / ".mlops" / "registry" / "models").glob("f-*/versions/1/model/z.bin")
    zbin.unlink()
    os.mkfifo(zbin)
    proxy.down = False
    entries = {e["key"]: e for e in settled(server, timeout_s=60)}
    assert entries[f"fifo-{tag}"]["state"] == "failed"
    assert entries[f"next-{tag}"]["state"] == "done"
