"""The MLflow tracking mirror: each snapshot becomes one MLflow run, exactly once,
through a fault-injecting proxy in front of a real `mlflow server` (SQLite,
127.0.0.1), with real `jupyter server` processes. What MLflow holds is read
straight from it: one run per snapshot, each parameter once, each metric
point once (step-wise ones at their steps), the stored notebook and
requirements byte for byte, the tags that lead back to the experiment."""

from __future__ import annotations

import base64
import json
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from .git_remote_support import git
from .mlflow_support import FaultProxy, MlflowServer, Rule, mlflow_server
from .server_support import Server
from .test_registry_mlflow import (
    PASSWORD,
    TOKEN,
    assert_no_secret,
    bridged,
    proxy,
    runs_with_key,
    servers,
    settled,
)

__all__ = ["mlflow_server", "proxy", "servers"]

ULIDS = [f"01JT{n:022d}" for n in range(1, 6)]
#: The `fs/commit` tests' own keys: the MLflow server is the session's, and
#: runs are looked up by key across its experiments.
COMMITTED = [f"01JW{n:022d}" for n in range(1, 4)]


def notebook(n: int) -> bytes:
    cells = [{"cell_type": "code", "source": f"x = {n}", "metadata": {}, "outputs": []}]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}).encode()


def snapshot(git_dir: Path, ulid: str, n: int, *, manifest_id: str | None = None) -> str:
    """An experiment commit as the lab stores one; its ref."""
    commit = snapshot_commit(git_dir, ulid, n, manifest_id=manifest_id)
    ref = f"refs/exps/demo/{ulid}"
    git(git_dir, "update-ref", ref, commit)
    return ref


def snapshot_commit(git_dir: Path, ulid: str, n: int, *, manifest_id: str | None = None) -> str:
    """The commit of `snapshot`, its objects written in `git_dir` and no ref set."""
    manifest = {
        "schemaVersion": 1,
        "id": manifest_id or ulid,
        "createdAt": f"2026-12-01T10:00:0{n}.000Z",
        "author": {"username": "alice", "name": "Alice"},
        "notebook": {"path": "demo.ipynb", "slug": "demo", "contentHash": f"{n}" * 64},
        "parameters": {"max_depth": n, "criterion": "gini", "data_path": "data/wine.csv"},
        "metrics": {"accuracy": 0.9 + n / 100, "loss": 0.5},
        "metricSeries": {"loss": [[step, 1.0 / (step + n)] for step in range(1, 6)]},
        "code": {"commit": "c" * 40, "branch": "main", "dirty": False},
        "user": {"name": f"run-{n}", "tags": [], "starred": False, "note": "", "parent": None},
    }
    blobs = {
        "manifest.json": json.dumps(manifest, indent=2).encode(),
        "notebook.ipynb": notebook(n),
        "requirements.txt": f"scikit-learn==1.{n}.0\n".encode(),
    }
    lines = ""
    for name, data in blobs.items():
        oid = git(git_dir, "hash-object", "-w", "--stdin", stdin=data.decode()).strip()
        lines += f"100644 blob {oid}\t{name}\n"
    tree = git(git_dir, "mktree", stdin=lines).strip()
    return git(git_dir, "commit-tree", tree, "-m", f"snapshot: run-{n}").strip()


def mirror(server: Server, ref: str) -> dict[str, Any]:
    status, answer = server.call("POST", "tracking/mirror", {"ref": ref})
    assert status == 200, answer
    return answer


def store_of(root: Path, server: Server) -> Path:
    assert server.call("POST", "store/init", {})[0] == 200
    return root / ".mlops" / "experiments.git"


def commit_body(tmp_path: Path, ulid: str, n: int, mirror: Any = True) -> dict[str, Any]:
    """An `fs/commit` body as the lab sends one: a snapshot's loose objects, its new ref."""
    scratch = tmp_path / f"scratch-{ulid}.git"
    subprocess.run(["git", "init", "-q", "--bare", str(scratch)], check=True)
    commit = snapshot_commit(scratch, ulid, n)
    files = [
        {
            "path": f"experiments.git/objects/{loose.parent.name}/{loose.name}",
            "data": base64.b64encode(loose.read_bytes()).decode(),
        }
        for loose in sorted((scratch / "objects").glob("??/*"))
    ]
    ref = {"name": f"refs/exps/demo/{ulid}", "oid": commit, "old": None}
    return {"files": files, "ref": ref, "mirror": mirror}


@pytest.mark.timeout(300)
def test_a_snapshot_committed_with_mirror_lands_once_even_if_the_tab_never_asks(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, mlflow_server: MlflowServer
) -> None:
    """`fs/commit {mirror: true}` queues the snapshot in the request that stores it: the
    tab may close right after (it never sends `tracking/mirror`), the run lands all the
    same, once, through lost replies; a `tracking/mirror` sent after all adds nothing."""
    proxy.rules = [Rule("POST", "runs/create", "lost"), Rule("POST", "runs/log-batch", "503")]
    root, server = bridged(tmp_path, servers, proxy)
    git_dir = store_of(root, server)
    ulid = COMMITTED[0]
    status, answer = server.call("POST", "fs/commit", commit_body(tmp_path, ulid, 1))
    assert status == 200, answer
    assert answer["mirror"] == "queued"
    ref = f"refs/exps/demo/{ulid}"
    assert answer["ref"]["name"] == ref
    assert git(git_dir, "rev-parse", ref).strip() == answer["ref"]["oid"]

    entries = settled(server)
    assert [(e["kind"], e["key"], e["state"]) for e in entries] == [("snapshot", ulid, "done")]
    assert proxy.counts().get("lost", 0) >= 1
    assert len(runs_with_key(mlflow_server, ulid)) == 1
    # The tab did live: its own request finds the entry there is.
    again = mirror(server, ref)
    assert (again["key"], again["kind"]) == (ulid, "snapshot")
    settled(server)
    assert len(runs_with_key(mlflow_server, ulid)) == 1
    # Without the flag nothing is queued (a setting that is off).
    status, answer = server.call("POST", "fs/commit", commit_body(tmp_path, COMMITTED[1], 2, False))
    assert status == 200 and answer["mirror"] is None, answer
    assert [e["key"] for e in settled(server)] == [ulid]
    assert_no_secret(server)


@pytest.mark.parametrize("bad", ["yes", 1, None, [], {}])
def test_a_mirror_flag_that_is_not_a_boolean_stores_nothing(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, bad: Any
) -> None:
    root, server = bridged(tmp_path, servers, proxy)
    git_dir = store_of(root, server)
    before = sorted(p.relative_to(git_dir) for p in git_dir.rglob("*"))
    status, answer = server.call("POST", "fs/commit", commit_body(tmp_path, COMMITTED[0], 1, bad))
    assert status == 400 and answer["code"] == "E_BAD_REQUEST", answer
    assert "mirror" in answer["message"]
    assert sorted(p.relative_to(git_dir) for p in git_dir.rglob("*")) == before
    assert server.call("GET", "registry/outbox")[1]["entries"] == []


@pytest.mark.timeout(400)
def test_every_snapshot_lands_once_through_503s_drops_and_lost_replies(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, mlflow_server: MlflowServer
) -> None:
    proxy.rules = [
        Rule("POST", "runs/search", "drop"),
        Rule("POST", "runs/create", "lost", times=2),
        Rule("POST", "runs/log-batch", "lost"),
        Rule("POST", "runs/log-batch", "503"),
        Rule("GET", "metrics/get-history", "503"),
        Rule("PUT", "mlflow-artifacts/artifacts", "lost"),
        Rule("PUT", "mlflow-artifacts/artifacts", "drop"),
        Rule("POST", "runs/update", "lost"),
    ]
    proxy.rate = 0.1
    root, server = bridged(tmp_path, servers, proxy)
    git_dir = store_of(root, server)
    refs = [snapshot(git_dir, ulid, n) for n, ulid in enumerate(ULIDS, start=1)]
    for ref in refs:
        assert mirror(server, ref)["state"] == "pending"
    # The lab asks again (a retried request): the same entry, nothing more.
    again = mirror(server, refs[0])
    assert again["key"] == ULIDS[0] and again["kind"] == "snapshot"

    entries = settled(server)
    mine = [e for e in entries if e["kind"] == "snapshot"]
    assert sorted(e["key"] for e in mine) == ULIDS and {e["state"] for e in mine} == {"done"}
    counts = proxy.counts()
    assert counts.get("503", 0) and counts.get("drop", 0) and counts.get("lost", 0), counts

    for n, (ulid, ref) in enumerate(zip(ULIDS, refs, strict=True), start=1):
        runs = runs_with_key(mlflow_server, ulid)
        assert len(runs) == 1, (ulid, len(runs))
        run = runs[0]
        run_id = run["info"]["run_id"]
        assert run["info"]["status"] == "FINISHED"
        assert run["info"]["run_name"] == f"run-{n}"
        params = {p["key"]: p["value"] for p in run["data"]["params"]}
        assert params == {"max_depth": str(n), "criterion": "gini", "data_path": "data/wine.csv"}
        tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
        assert tags["mlops.experiment_ref"] == ref
        assert tags["mlops.notebook_hash"] == f"{n}" * 64
        assert tags["mlops.git_commit"] == "c" * 40
        assert tags["mlflow.user"] == "alice"
        final = mlflow_server.call(
            "GET", "mlflow/metrics/get-history", run_id=run_id, metric_key="accuracy"
        )["metrics"]
        assert [(m["step"], m["value"]) for m in final] == [(0, 0.9 + n / 100)]
        loss = mlflow_server.call(
            "GET", "mlflow/metrics/get-history", run_id=run_id, metric_key="loss"
        )["metrics"]
        # Each step once, whatever was sent again.
        assert sorted((m["step"], m["value"]) for m in loss) == [
            (step, 1.0 / (step + n)) for step in range(1, 6)
        ]
        root_uri = run["info"]["artifact_uri"].split(":", 1)[1].lstrip("/")
        assert mlflow_server.download(f"{root_uri}/notebook.ipynb") == notebook(n)
        assert mlflow_server.download(f"{root_uri}/requirements.txt") == (
            f"scikit-learn==1.{n}.0\n".encode()
        )
        status, where = server.call("GET", "tracking/mirror", ref=ref)
        assert status == 200 and where["state"] == "done", where
        assert where["runUrl"].endswith(f"/runs/{run_id}")
        assert where["runUrl"].startswith(proxy.uri) and PASSWORD not in where["runUrl"]
    assert_no_secret(server)
    for path in (root / ".mlops").rglob("*.json"):
        assert (
            TOKEN.encode() not in path.read_bytes() and PASSWORD.encode() not in path.read_bytes()
        )


@pytest.mark.timeout(200)
def test_bad_refs_and_forged_snapshots_never_reach_mlflow(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, mlflow_server: MlflowServer
) -> None:
    root, server = bridged(tmp_path, servers, proxy)
    git_dir = store_of(root, server)
    for bad in ("refs/heads/main", "refs/exps/demo/../x", "refs/exps/demo/not-a-ulid", "x" * 5000):
        status, answer = server.call("POST", "tracking/mirror", {"ref": bad})
        assert (status, answer["code"]) == (400, "E_BAD_REQUEST"), answer
        status, answer = server.call("GET", "tracking/mirror", ref=bad)
        assert (status, answer["code"]) == (400, "E_BAD_REQUEST"), answer
    for body in ({}, {"ref": 1}, {"ref": None}, {"ref": "x", "more": 1}):
        status, answer = server.call("POST", "tracking/mirror", body)
        assert (status, answer["code"]) == (400, "E_BAD_REQUEST"), answer
    missing = f"refs/exps/demo/{ULIDS[4]}"
    status, answer = server.call("POST", "tracking/mirror", {"ref": missing})
    assert (status, answer["code"]) == (404, "E_NOT_FOUND")
    status, answer = server.call("GET", "tracking/mirror", ref=missing)
    assert (status, answer["state"]) == (200, "none")
    # A commit whose manifest names another experiment (copied under a new id).
    forged_id = f"01JF{uuid.uuid4().int % 10**22:022d}"
    forged = snapshot(git_dir, forged_id, 7, manifest_id=ULIDS[0])
    mirror(server, forged)
    deadline = time.monotonic() + 60
    while True:
        entry = server.call("GET", "tracking/mirror", ref=forged)[1]
        if entry["state"] != "pending":
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert entry["state"] == "failed" and entry["lastError"]["code"] == "E_STORE_CORRUPT"
    assert runs_with_key(mlflow_server, forged_id) == []


def test_no_mlflow_uri_is_a_coded_error(tmp_path: Path, servers: list[Server]) -> None:
    root = tmp_path / "root"
    root.mkdir()
    server = Server(root, tmp_path / "home", env={"MLFLOW_TRACKING_URI": ""})
    servers.append(server)
    git_dir = store_of(root, server)
    ref = snapshot(git_dir, ULIDS[0], 1)
    status, answer = server.call("POST", "tracking/mirror", {"ref": ref})
    assert (status, answer["code"]) == (409, "E_MLFLOW_UNCONFIGURED")
    assert "tracking setting" in answer["message"]


def hostile(git_dir: Path, ulid: str, manifest: dict[str, Any]) -> str:
    """A snapshot commit holding `manifest` (merged over a valid one)."""
    base = {
        "schemaVersion": 1,
        "id": ulid,
        "createdAt": "2026-12-01T10:00:00.000Z",
        "notebook": {"path": "demo.ipynb", "slug": "demo", "contentHash": "a" * 64},
        "user": {"name": "hostile", "tags": [], "starred": False, "note": "", "parent": None},
        **manifest,
    }
    oid = git(git_dir, "hash-object", "-w", "--stdin", stdin=json.dumps(base)).strip()
    tree = git(git_dir, "mktree", stdin=f"100644 blob {oid}\tmanifest.json\n").strip()
    commit = git(git_dir, "commit-tree", tree, "-m", "snapshot").strip()
    ref = f"refs/exps/demo/{ulid}"
    git(git_dir, "update-ref", ref, commit)
    return ref


def wait_settled(server: Server, ref: str) -> dict[str, Any]:
    deadline = time.monotonic() + 90
    while True:
        state = server.call("GET", "tracking/mirror", ref=ref)[1]
        if state["state"] not in ("pending", "none"):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.2)


@pytest.mark.timeout(300)
def test_what_the_second_review_found(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, mlflow_server: MlflowServer
) -> None:
    root, server = bridged(tmp_path, servers, proxy)
    git_dir = store_of(root, server)
    ids = [f"01JV{uuid.uuid4().int % 10**22:022d}" for _ in range(5)]
    # 1. 100 parameters and a 1000-point series: MLflow takes 1000 items per call.
    many = hostile(
        git_dir,
        ids[0],
        {
            "parameters": {f"p{i:03d}": i for i in range(100)},
            "metrics": {"acc": 0.5},
            "metricSeries": {"loss": [[s, 1 / (s + 1)] for s in range(1000)]},
        },
    )
    # 2. Names MLflow refuses, and two that meet once made legal.
    names = hostile(
        git_dir,
        ids[1],
        {"parameters": {"lr(initial)": 0.1, "lr[initial]": 0.2}, "metrics": {"f1@k": 0.7}},
    )
    # 4. A manifest over 8 MiB (a teammate's, through Sync), and 5. a malformed one.
    huge = hostile(git_dir, ids[3], {"padding": "x" * (9 * 1024 * 1024)})
    malformed = hostile(
        git_dir, ids[4], {"metricSeries": {"loss": "steps"}, "parameters": 7, "user": "x"}
    )
    for ref in (many, names, huge, malformed):
        mirror(server, ref)

    state = wait_settled(server, many)
    assert state["state"] == "done", state
    run = runs_with_key(mlflow_server, ids[0])[0]
    assert len(run["data"]["params"]) == 100
    loss = mlflow_server.call(
        "GET", "mlflow/metrics/get-history", run_id=run["info"]["run_id"], metric_key="loss"
    )["metrics"]
    assert sorted(m["step"] for m in loss) == list(range(1000))

    state = wait_settled(server, names)
    assert state["state"] == "done", state
    run = runs_with_key(mlflow_server, ids[1])[0]
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    assert params == {"lr_initial_": "0.1", "lr_initial_-2": "0.2"}
    assert {m["key"] for m in run["data"]["metrics"]} == {"f1_k"}

    # 3. A run of someone else's, in the same MLflow experiment, carrying the
    # key of a snapshot mirrored after it.
    experiment_id = run["info"]["experiment_id"]
    foreign = mlflow_server.call(
        "POST",
        "mlflow/runs/create",
        {
            "experiment_id": experiment_id,
            "tags": [
                {"key": "mlops.idempotency_key", "value": ids[2]},
                {"key": "mlops.kind", "value": "version"},
            ],
        },
    )["run"]["info"]["run_id"]
    adopted = hostile(git_dir, ids[2], {"parameters": {"p": 1}})
    mirror(server, adopted)
    state = wait_settled(server, adopted)
    assert state["state"] == "failed" and state["lastError"]["code"] == "E_NAME_COLLISION"
    untouched = mlflow_server.call("GET", "mlflow/runs/get", run_id=foreign)["run"]
    assert untouched["data"].get("params") in (None, [])
    assert untouched["info"]["status"] == "RUNNING"

    for ref in (huge, malformed):
        state = wait_settled(server, ref)
        assert state["state"] == "failed" and state["lastError"]["code"] == "E_STORE_CORRUPT"
    assert runs_with_key(mlflow_server, ids[3]) == [] == runs_with_key(mlflow_server, ids[4])


@pytest.mark.timeout(120)
def test_a_mirror_the_outbox_cannot_take_leaves_the_snapshot_stored_and_the_server_free(
    tmp_path: Path, servers: list[Server]
) -> None:
    """Attack review: a registry lock held for a minute (a killed registration) made a
    mirrored commit hold a heavy thread 15 s; an outbox file planted nested too deep to
    seal-check made it E_INTERNAL after its ref was set, and the outbox unreadable. Now:
    answered in about a second, `"failed"`, the experiment stored, the outbox readable."""
    root = tmp_path / "root"
    root.mkdir()
    server = Server(
        root,
        tmp_path / "home",
        mlops={"mlflow_tracking_uri": "http://127.0.0.1:9", "mlflow_retry_max_seconds": 30},
    )
    servers.append(server)
    git_dir = store_of(root, server)
    store = root / ".mlops"
    outbox = store / "registry" / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    deep = 985
    (outbox / f"{COMMITTED[0]}.json").write_text(
        '{"seal": "x", "a": ' + '{"a": ' * deep + "1" + "}" * deep + "}"
    )
    status, answer = server.call("POST", "fs/commit", commit_body(tmp_path, COMMITTED[0], 1))
    assert status == 200, answer
    assert answer["mirror"] in ("failed", "queued")
    stored = git(git_dir, "rev-parse", f"refs/exps/demo/{COMMITTED[0]}").strip()
    assert stored == answer["ref"]["oid"]
    status, listed = server.call("GET", "registry/outbox")
    assert status == 200, listed

    lock = store / "locks" / "registry.lock"
    lock.parent.mkdir(exist_ok=True)
    lock.write_text(
        json.dumps({"token": "x", "pid": 1, "createdMs": int(time.time() * 1000), "ttlMs": 60_000})
    )
    started = time.monotonic()
    status, answer = server.call("POST", "fs/commit", commit_body(tmp_path, COMMITTED[1], 2))
    took = time.monotonic() - started
    assert status == 200 and answer["mirror"] == "failed", answer
    assert took < 5, took
    stored = git(git_dir, "rev-parse", f"refs/exps/demo/{COMMITTED[1]}").strip()
    assert stored == answer["ref"]["oid"]
