"""The MLflow backend: registrations pushed through the outbox to a real `mlflow server`.

Real pieces only: `mlflow server` (SQLite, local artifact root, 127.0.0.1),
real `jupyter server` processes, and a fault-injecting proxy between them
that answers 503, drops connections and loses replies after MLflow
committed. What MLflow holds is read straight from it (not through the
proxy): one run and one model version per registration, whatever broke
on the way, also across a server restart. The token is seen on the wire to
MLflow and never in any answer of the bridge.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .mlflow_support import MLFLOW_PYTHON, FaultProxy, MlflowServer, Rule, mlflow_server
from .server_support import Server

__all__ = ["mlflow_server"]

TOKEN = "mlflow-tok-" + "S3CRET" * 4
PASSWORD = "pw-" + "H1DDEN" * 3
LINEAGE = {
    "experiment": {"id": "01JMLFLOW", "ref": "refs/exps/wine/01JMLFLOW"},
    "notebook": "demo.ipynb",
    "notebookHash": "a" * 64,
    "dataHashes": {"data/wine.csv": "b" * 64},
    "params": {"max_depth": 5, "criterion": "gini"},
    "metrics": {"accuracy": 0.97, "f1": 0.95},
    "requirements": "scikit-learn==1.9.1\n",
}
SAVE_MODEL = """
import sys
import mlflow.sklearn
from sklearn.datasets import load_wine
from sklearn.tree import DecisionTreeClassifier
X, y = load_wine(return_X_y=True, as_frame=True)
model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
mlflow.sklearn.save_model(model, sys.argv[1], serialization_format="cloudpickle",
                          input_example=X.head(3))
"""


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory, mlflow_server: MlflowServer) -> Path:
    """A scikit-learn model saved by MLflow itself (as the kernel's saver writes one)."""
    folder = tmp_path_factory.mktemp("model") / "wine"
    subprocess.run([str(MLFLOW_PYTHON), "-c", SAVE_MODEL, str(folder)], check=True)
    return folder


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def proxy(mlflow_server: MlflowServer) -> Iterator[FaultProxy]:
    made = FaultProxy(mlflow_server.port)
    yield made
    made.close()


def bridge(root: Path, home: Path, proxy: FaultProxy, **mlops: Any) -> Server:
    """A jupyter server whose MLflow is `proxy` (user:password in the URI, token in the env)."""
    uri = proxy.uri.replace("http://", f"http://alice:{PASSWORD}@")
    return Server(
        root,
        home,
        mlops={
            "mlflow_tracking_uri": uri,
            "mlflow_experiment": f"mlops-{uuid.uuid4().hex[:8]}",
            "mlflow_retry_max_seconds": 0.2,
            **mlops,
        },
        env={"MLFLOW_TRACKING_TOKEN": TOKEN},
    )


def bridged(tmp_path: Path, servers: list[Server], proxy: FaultProxy) -> tuple[Path, Server]:
    """A project root and a `bridge` server on it (stopped by the `servers` fixture)."""
    root = tmp_path / "root"
    root.mkdir()
    server = bridge(root, tmp_path / "home", proxy)
    servers.append(server)
    return root, server


def register(server: Server, model_dir: Path, name: str, key: str, **more: Any) -> dict[str, Any]:
    status, staging = server.call("POST", "registry/staging", {})
    assert status == 200, staging
    shutil.copytree(model_dir, staging["path"], dirs_exist_ok=True)
    body = {
        "model": name,
        "staging": staging["id"],
        "source": "experiment",
        "lineage": LINEAGE,
        "idempotencyKey": key,
        "push": True,
        **more,
    }
    status, answer = server.call("POST", "registry/versions", body)
    assert status == 200, answer
    return answer


def settled(server: Server, timeout_s: float = 120) -> list[dict[str, Any]]:
    """The outbox once nothing in it is pending."""
    deadline = time.monotonic() + timeout_s
    while True:
        status, answer = server.call("GET", "registry/outbox")
        assert status == 200, answer
        pending = [e for e in answer["entries"] if e["state"] == "pending"]
        if not pending:
            return answer["entries"]
        assert time.monotonic() < deadline, f"still pending: {pending}"
        time.sleep(0.2)


def runs_with_key(mlflow: MlflowServer, key: str) -> list[dict[str, Any]]:
    experiments = mlflow.call("POST", "mlflow/experiments/search", {"max_results": 1000})
    ids = [e["experiment_id"] for e in experiments.get("experiments", [])]
    found = mlflow.call(
        "POST",
        "mlflow/runs/search",
        {"experiment_ids": ids, "filter": f"tags.`mlops.idempotency_key` = '{key}'"},
    )
    return found.get("runs", [])


def versions_of(mlflow: MlflowServer, name: str) -> list[dict[str, Any]]:
    found = mlflow.call("GET", "mlflow/model-versions/search", filter=f"name = '{name}'")
    return found.get("model_versions", [])


def keys_of(version: dict[str, Any]) -> list[str]:
    return [t["value"] for t in version.get("tags", []) if t["key"] == "mlops.idempotency_key"]


def assert_no_secret(server: Server) -> None:
    for raw in server.answers:
        assert TOKEN.encode() not in raw
        assert PASSWORD.encode() not in raw


@pytest.mark.timeout(400)
def test_every_registration_lands_once_through_503s_drops_and_lost_replies(
    tmp_path: Path,
    servers: list[Server],
    proxy: FaultProxy,
    mlflow_server: MlflowServer,
    saved_model: Path,
) -> None:
    # The first of each call kind breaks in a chosen way, then one call in ten at random.
    proxy.rules = [
        Rule("POST", "runs/search", "drop"),
        Rule("POST", "runs/create", "lost"),
        Rule("POST", "runs/log-batch", "503"),
        Rule("PUT", "mlflow-artifacts/artifacts", "drop"),
        Rule("PUT", "mlflow-artifacts/artifacts", "lost"),
        Rule("POST", "registered-models/create", "lost"),
        Rule("GET", "model-versions/search", "503"),
        Rule("POST", "model-versions/create", "lost", times=2),
        Rule("POST", "registered-models/alias", "lost"),
    ]
    proxy.rate = 0.1
    root, server = bridged(tmp_path, servers, proxy)
    name = f"wine-{uuid.uuid4().hex[:6]}"
    keys = [str(uuid.uuid4()) for _ in range(4)]
    answers = [register(server, saved_model, name, key) for key in keys]
    assert [a["version"] for a in answers] == [1, 2, 3, 4]
    # The lab sends a registration again when its answer was lost: the same version.
    again = register(server, saved_model, name, keys[1])
    assert again["version"] == 2 and again["replayed"] is True
    status, moved = server.call(
        "POST", "registry/aliases", {"model": name, "alias": "champion", "version": 2}
    )
    assert status == 200, moved

    entries = settled(server)
    assert {e["state"] for e in entries} == {"done"}, entries
    assert sorted(e["key"] for e in entries if e["kind"] == "version") == sorted(keys)
    counts = proxy.counts()
    assert counts.get("503", 0) and counts.get("drop", 0) and counts.get("lost", 0), counts

    # Straight from MLflow: one run and one version per registration.
    for key in keys:
        assert len(runs_with_key(mlflow_server, key)) == 1, key
    versions = versions_of(mlflow_server, name)
    assert sorted(k for v in versions for k in keys_of(v)) == sorted(keys)
    by_key = {keys_of(v)[0]: v for v in versions}
    model = mlflow_server.call("GET", "mlflow/registered-models/get", name=name)
    aliases = {a["alias"]: a["version"] for a in model["registered_model"].get("aliases", [])}
    assert aliases == {"champion": by_key[keys[1]]["version"]}

    # The run holds the lineage and the very files the registry holds.
    run = runs_with_key(mlflow_server, keys[0])[0]
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    metrics = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    assert params == {"max_depth": "5", "criterion": "gini"}
    assert metrics == {"accuracy": 0.97, "f1": 0.95}
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["mlops.experiment"] == "01JMLFLOW" and tags["mlops.notebook_hash"] == "a" * 64
    history = mlflow_server.call(
        "GET", "mlflow/metrics/get-history", run_id=run["info"]["run_id"], metric_key="accuracy"
    )
    assert len(history["metrics"]) == 1  # re-logged after a 503, stored once
    root_uri = run["info"]["artifact_uri"].split(":", 1)[1].lstrip("/")
    for rel in ("MLmodel", "model.pkl", "requirements.txt"):
        pushed = mlflow_server.download(f"{root_uri}/model/{rel}")
        assert (
            hashlib.sha256(pushed).digest()
            == hashlib.sha256((saved_model / rel).read_bytes()).digest()
        )
    lineage = json.loads(mlflow_server.download(f"{root_uri}/mlops/version.json"))
    assert lineage["lineage"]["experiment"]["id"] == "01JMLFLOW"

    # MLflow's own client loads the version by its alias from the server, and predicts.
    code = (
        "import mlflow, pandas as pd\n"
        "from sklearn.datasets import load_wine\n"
        f"m = mlflow.pyfunc.load_model('models:/{name}@champion')\n"
        "print([int(v) for v in m.predict(load_wine(as_frame=True).data.head(3))])\n"
    )
    printed = subprocess.run(
        [str(MLFLOW_PYTHON), "-c", code],
        env={**os.environ, "MLFLOW_TRACKING_URI": mlflow_server.uri},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert printed.strip().startswith("[") and len(json.loads(printed.strip())) == 3

    # The token (and the URI's password) went to MLflow, never to the browser.
    assert any(h.get("Authorization") == f"Bearer {TOKEN}" for h in proxy.headers)
    status, backend = server.call("GET", "registry/backend")
    assert status == 200 and backend["mlflow"]["uri"] == proxy.uri
    assert_no_secret(server)


@pytest.mark.timeout(300)
def test_the_outbox_outlives_the_server_and_a_planted_entry_is_never_sent(
    tmp_path: Path,
    servers: list[Server],
    proxy: FaultProxy,
    mlflow_server: MlflowServer,
    saved_model: Path,
) -> None:
    proxy.down = True  # MLflow unreachable: everything waits in the outbox
    root = tmp_path / "root"
    root.mkdir()
    first = bridge(root, tmp_path / "a", proxy, mlflow_experiment="mlops-restart")
    servers.append(first)
    name = f"restart-{uuid.uuid4().hex[:6]}"
    keys = [str(uuid.uuid4()) for _ in range(2)]
    for key in keys:
        register(first, saved_model, name, key)
    deadline = time.monotonic() + 30
    while True:
        _, answer = first.call("GET", "registry/outbox")
        if answer["entries"][0]["attempts"] >= 2:
            break
        assert time.monotonic() < deadline, answer
        time.sleep(0.1)
    assert {e["state"] for e in answer["entries"]} == {"pending"}
    # In order: the second waits behind the first, which MLflow keeps refusing.
    assert answer["entries"][0]["lastError"]["code"] == "HTTP_503"
    assert answer["entries"][1]["attempts"] == 0
    first.stop()  # the lab's tab and its server go away mid-outbox

    # Someone plants an entry (a copy of a real one under a new key): not sealed, never sent.
    outbox = root / ".mlops" / "registry" / "outbox"
    real = json.loads((outbox / f"{keys[0]}.json").read_text())
    planted = {**real, "key": "planted-00000001"}
    (outbox / "planted-00000001.json").write_text(json.dumps(planted))

    proxy.down = False
    second = bridge(root, tmp_path / "b", proxy, mlflow_experiment="mlops-restart")
    servers.append(second)
    entries = settled(second)  # the reopened tab sees every entry done
    assert sorted(e["key"] for e in entries) == sorted(keys)
    assert {e["state"] for e in entries} == {"done"}
    for key in keys:
        assert len(runs_with_key(mlflow_server, key)) == 1
    assert runs_with_key(mlflow_server, "planted-00000001") == []
    assert len(versions_of(mlflow_server, name)) == 2
    assert_no_secret(first)
    assert_no_secret(second)


@pytest.mark.timeout(200)
def test_an_error_that_echoes_the_credentials_shows_them_redacted(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, saved_model: Path
) -> None:
    proxy.echo_headers = True  # a hostile proxy answers 400 with the request's headers
    root, server = bridged(tmp_path, servers, proxy)
    key = str(uuid.uuid4())
    register(server, saved_model, "echoed", key)
    deadline = time.monotonic() + 30
    while True:
        _, answer = server.call("GET", "registry/outbox")
        entry = answer["entries"][0]
        if entry["state"] == "failed":
            break
        assert time.monotonic() < deadline, entry
        time.sleep(0.1)
    assert entry["lastError"]["code"] == "INVALID_PARAMETER_VALUE"
    assert "Bearer ***" in entry["lastError"]["message"]
    # Retry queues it again (and it fails again the same way).
    status, retried = server.call("POST", "registry/outbox/retry", {"key": key})
    assert status == 200 and retried["state"] == "pending"
    assert_no_secret(server)
    with contextlib.suppress(FileNotFoundError):
        log = server.log.read_text()
        assert TOKEN not in log and PASSWORD not in log


@pytest.mark.timeout(200)
def test_a_file_changed_after_registration_is_never_pushed(
    tmp_path: Path,
    servers: list[Server],
    proxy: FaultProxy,
    mlflow_server: MlflowServer,
    saved_model: Path,
) -> None:
    proxy.down = True
    root, server = bridged(tmp_path, servers, proxy)
    name = f"changed-{uuid.uuid4().hex[:6]}"
    touched, swapped = str(uuid.uuid4()), str(uuid.uuid4())
    register(server, saved_model, name, touched)
    register(server, saved_model, name, swapped)
    versions = root / ".mlops" / "registry" / "models"
    [first] = versions.glob("*/versions/1/model/model.pkl")
    [second] = versions.glob("*/versions/2/model/model.pkl")
    # v1: the same bytes written again (a new mtime and ctime): hashed again, pushed.
    first.write_bytes(first.read_bytes())
    # v2: other bytes of the same size: hashed again, refused.
    data = bytearray(second.read_bytes())
    data[-2] ^= 0xFF
    second.write_bytes(bytes(data))
    proxy.down = False
    entries = {e["key"]: e for e in settled(server)}
    assert entries[touched]["state"] == "done", entries[touched]
    assert entries[swapped]["state"] == "failed"
    assert entries[swapped]["lastError"]["code"] == "E_REGISTRY_CORRUPT"
    assert "model.pkl changed" in entries[swapped]["lastError"]["message"]
    assert [keys_of(v) for v in versions_of(mlflow_server, name)] == [[touched]]
    [run] = runs_with_key(mlflow_server, swapped)
    folder = run["info"]["artifact_uri"].split(":", 1)[1].lstrip("/") + "/model"
    listed = mlflow_server.call("GET", "mlflow-artifacts/artifacts", path=folder)
    assert "model.pkl" not in [f["path"] for f in listed.get("files", [])]


@pytest.mark.timeout(300)
def test_deploy_and_rollback_move_production_on_mlflow_too(
    tmp_path: Path, servers: list[Server], proxy: FaultProxy, mlflow_server: MlflowServer
) -> None:
    from sklearn.datasets import load_wine
    from sklearn.tree import DecisionTreeClassifier

    from .test_registry_deploy import GATE, SAVER
    from .test_registry_deploy import LINEAGE as DEPLOY_LINEAGE

    frame, target = load_wine(return_X_y=True, as_frame=True)
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(frame, target)
    proxy.rules = [Rule("POST", "registered-models/alias", "lost", times=2)]
    root, server = bridged(tmp_path, servers, proxy)
    name = f"deployed-{uuid.uuid4().hex[:6]}"
    namespace: dict[str, Any] = {"__name__": "saver"}
    exec(compile(SAVER, "sklearn.ts", "exec"), namespace)  # noqa: S102 - our own saver
    keys = []
    for accuracy in (0.9, 0.95):
        status, staging = server.call("POST", "registry/staging", {})
        namespace["save"](model, frame, staging["path"], "")
        keys.append(str(uuid.uuid4()))
        body = {
            "model": name,
            "staging": staging["id"],
            "lineage": {**DEPLOY_LINEAGE, "metrics": {"accuracy": accuracy}},
            "idempotencyKey": keys[-1],
            "push": True,
        }
        status, answer = server.call("POST", "registry/versions", body)
        assert status == 200, answer

    def move(action: str, version: int | None) -> None:
        status, check = server.call(
            "POST",
            "registry/preflight",
            {"model": name, "version": version, "action": action, "gate": GATE},
        )
        assert status == 200 and check["ok"], check
        status, done = server.call(
            "POST", f"registry/{action}", {"model": name, "token": check["token"]}
        )
        assert status == 200, done

    def production() -> str | None:
        settled(server)
        model = mlflow_server.call("GET", "mlflow/registered-models/get", name=name)
        aliases = {a["alias"]: a["version"] for a in model["registered_model"].get("aliases", [])}
        return aliases.get("production")

    try:
        by_key = {}
        move("deploy", 1)
        move("deploy", 2)
        assert production() is not None
        by_key = {keys_of(v)[0]: v["version"] for v in versions_of(mlflow_server, name)}
        assert production() == by_key[keys[1]]
        move("rollback", None)
        assert production() == by_key[keys[0]]
    finally:
        server.call("POST", "registry/serving/stop", {"model": name})
    kinds = [e["kind"] for e in settled(server)]
    assert kinds.count("alias") == 3
    assert_no_secret(server)
