"""A planted or forged registry against a real jupyter_server: none of it is believed.

A store may come from elsewhere (a clone, a shared folder). Records the
registry did not write itself (sealed with this user's secret) are not
shown as good versions, pass no preflight, are never served, and their
audit lines are named forged.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops.registry_seal import seal

from .conftest import Api
from .test_registry import MLMODEL, audit, model_of, register, staged


@pytest.fixture
def other_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Switch the per-user secret: what was written before is another user's."""

    def switch(name: str) -> None:
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / name))

    switch("them")
    return switch


async def test_a_registry_written_under_another_secret_is_not_believed(
    api: Api, store: Path, other_user: Any
) -> None:
    lineage = {
        "experiment": {"id": "01JX", "ref": "refs/exps/x/01JX"},
        "notebookHash": "a" * 64,
        "dataHashes": {"d.csv": "b" * 64},
        "metrics": {"accuracy": 0.99},
        "requirements": "scikit-learn==1.0\n",
    }
    for _ in range(2):
        assert (await register(api, "wine", lineage=lineage))[0] == 200
    moved = await api("registry/aliases", {"model": "wine", "alias": "champion", "version": 2})
    assert moved[0] == 200, moved
    other_user("me")  # the same files, now as planted by someone else
    status, listed = await api("registry/models", method="GET")
    assert status == 200
    assert [(m["name"], m["problem"] is not None) for m in listed["models"]] == [(None, True)]
    status, err = await model_of(api, "wine")
    assert (status, err["code"]) == (404, "E_NOT_FOUND")
    log = await audit(api)
    assert log["entries"] == []
    assert not log["verification"]["ok"]
    assert {p["kind"] for p in log["verification"]["problems"]} >= {"forged"}
    # Registering under the same name takes the folder over (the planted
    # version 1 in the way is replaced); the planted version 2 stays
    # corrupt, never deployable, and its alias is not believed.
    assert (await register(api, "wine", lineage=lineage))[0] == 200
    status, model = await model_of(api, "wine")
    assert status == 200
    states = {v["version"]: v["state"] for v in model["versions"]}
    assert states == {1: "ok", 2: "corrupt"}
    assert model["aliases"] == {}
    status, check = await api(
        "registry/preflight", {"model": "wine", "version": 2, "action": "deploy"}
    )
    assert status == 200 and not check["ok"] and check["token"] is None
    files = next(c for c in check["checks"] if c["id"] == "files")
    assert files["reason"] == "version.json was not written by this registry (no valid seal)"


async def test_a_sealed_version_naming_files_outside_its_folder_is_corrupt(
    api: Api, store: Path
) -> None:
    assert (await register(api, "m"))[0] == 200
    (version_json,) = (store / "registry" / "models").glob("*/versions/1/version.json")
    record = {k: v for k, v in json.loads(version_json.read_text()).items() if k != "seal"}
    for name in ("/etc/passwd", "../../../../etc/passwd", "a//b", "."):
        record["files"] = {name: {"sha256": "0" * 64, "size": 1}}
        version_json.write_text(json.dumps(seal(record)))
        status, model = await model_of(api, "m")
        (version,) = model["versions"]
        assert version["state"] == "corrupt" and "is no file name" in version["problem"], name


async def test_planted_version_folders_and_lock_block_nothing(api: Api, store: Path) -> None:
    assert (await register(api, "m"))[0] == 200
    (versions,) = (store / "registry" / "models").glob("*/versions")
    (versions / "999999999").mkdir()
    (versions / "999999999" / "version.json").write_text("{}")
    (versions / "2").write_text("planted: a file where version 2 goes")
    (store / "locks").mkdir(exist_ok=True)
    (store / "locks" / "registry.lock").mkdir()
    (store / "locks" / "registry.lock" / "x").write_text("")
    status, version = await register(api, "m")
    assert (status, version["version"]) == (200, 2), version
    status, model = await model_of(api, "m")
    states = {v["version"]: v["state"] for v in model["versions"]}
    assert states[2] == "ok" and states[999999999] == "corrupt"


async def test_a_long_planted_audit_log_verifies_in_linear_time(api: Api, store: Path) -> None:
    assert (await register(api, "m"))[0] == 200
    log = store / "registry" / "audit.jsonl"
    entry = json.loads(log.read_text().splitlines()[0])
    # 60,000 entries in reverse order: each line a gap "filled later".
    lines = [json.dumps({**entry, "seq": n}) for n in range(60_000, 0, -1)]
    log.write_text("\n".join(lines) + "\n")
    verification = (await audit(api))["verification"]
    assert not verification["ok"] and len(verification["problems"]) == 100


async def test_planted_serving_states_are_not_endpoints(api: Api, store: Path) -> None:
    serving = store / "registry" / "serving"
    serving.mkdir(parents=True)
    (serving / "wine-0123456789abcdef.json").write_text(
        json.dumps({"model": "wine", "version": 1, "port": 1, "pid": os.getpid(), "startTicks": 1})
    )
    with (serving / "wine-0123456789abcdef.log").open("wb") as log:
        log.truncate(64 * 1024 * 1024)  # sparse
    status, listed = await api("registry/serving", method="GET")
    assert (status, listed) == (200, {"serving": []})
    status, err = await api("registry/serving/stop", {"model": "wine"})
    assert (status, err) == (200, {"stopped": False})
    # Nothing was signalled: this very process still runs the test.


async def test_a_staged_model_for_the_forgery_tests_is_a_model(api: Api) -> None:
    # Guards the tests above: the staged folder itself is valid.
    staging = await staged(api, {"MLmodel": MLMODEL.encode(), "model.pkl": b"\x80\x04N."})
    status, version = await api("registry/versions", {"model": "m", "staging": staging})
    assert status == 200, version
