"""Deploy, serve, try, roll back and stop a registered model against a real jupyter_server.

The model is a real scikit-learn estimator saved by the lab's own saver
(src/registry/flavors/sklearn.ts, run here as the kernel would run it);
each deploy starts a real scoring process (serve.py) on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Api

REPO = Path(__file__).resolve().parent.parent.parent
SAVER = re.search(
    r"const SKLEARN_SAVER = String\.raw`(.*?)`;",
    (REPO / "src/registry/flavors/sklearn.ts").read_text(),
    re.DOTALL,
).group(1)  # type: ignore[union-attr]
LINEAGE = {
    "experiment": {"id": "01JDEPLOY", "ref": "refs/exps/wine/01JDEPLOY"},
    "notebookHash": "a" * 64,
    "dataHashes": {"data/wine.csv": "b" * 64},
    "params": {"max_depth": 2},
    "requirements": "scikit-learn==1.0\n",
}
GATE = {"metric": "accuracy", "min": 0.8, "maxDrop": 0.02}


@pytest.fixture(scope="module")
def fitted() -> tuple[Any, Any]:
    from sklearn.datasets import load_wine
    from sklearn.tree import DecisionTreeClassifier

    frame, target = load_wine(return_X_y=True, as_frame=True)
    return DecisionTreeClassifier(max_depth=3, random_state=0).fit(frame, target), frame


@pytest.fixture(autouse=True)
def no_server_left(store: Path) -> Iterator[None]:
    yield
    for path in (store / "registry" / "serving").glob("*.json"):
        with contextlib.suppress(ValueError, OSError, KeyError, TypeError):
            os.kill(json.loads(path.read_text())["pid"], signal.SIGKILL)


async def register(
    api: Api, fitted: tuple[Any, Any], accuracy: float | None, model: str = "wine"
) -> int:
    """Save the model with the lab's saver into a staging folder, then register it."""
    status, staging = await api("registry/staging", {})
    assert status == 200, staging
    namespace: dict[str, Any] = {"__name__": "saver"}
    exec(compile(SAVER, "sklearn.ts", "exec"), namespace)  # noqa: S102 - our own saver
    namespace["save"](fitted[0], fitted[1], staging["path"], "")
    lineage = None if accuracy is None else {**LINEAGE, "metrics": {"accuracy": accuracy}}
    body = {"model": model, "staging": staging["id"], **({"lineage": lineage} if lineage else {})}
    status, version = await api("registry/versions", body)
    assert status == 200, version
    return int(version["version"])


async def preflight(api: Api, version: int | None, action: str = "deploy") -> dict[str, Any]:
    status, answer = await api(
        "registry/preflight", {"model": "wine", "version": version, "action": action, "gate": GATE}
    )
    assert status == 200, answer
    return answer


async def production(api: Api) -> int | None:
    status, model = await api("registry/models/wine", method="GET")
    assert status == 200, model
    return model["aliases"].get("production")


@pytest.mark.timeout(240)
async def test_deploy_try_and_roll_back_through_the_confirmation(
    api: Api, store: Path, fitted: tuple[Any, Any]
) -> None:
    model, frame = fitted
    assert await register(api, fitted, 0.90) == 1
    assert await register(api, fitted, 0.95) == 2

    check = await preflight(api, 1)
    assert check["ok"], check
    assert [c["id"] for c in check["checks"]] == [
        "lineage",
        "metric",
        "files",
        "flavor",
        "environment",
        "approval",
        "audit",
    ]
    assert check["change"] == {"alias": "production", "from": None, "to": 1}
    # The audit log's count in words ("1 entry", not "1 entries").
    audited = next(c["reason"] for c in check["checks"] if c["id"] == "audit")
    assert re.fullmatch(r"(1 entry|([02-9]|\d\d+) entries), chain verified", audited), audited
    assert check["signature"]["inputs"].startswith('[{"type": "double", "name": "alcohol"')
    # No change without the preflight's token, a made-up one, or a GET.
    for token in ("", "made-up"):
        status, err = await api("registry/deploy", {"model": "wine", "token": token})
        assert (status, err["code"]) == (409, "E_NOT_CONFIRMED"), err
    status, err = await api("registry/deploy", {"model": "wine"})
    assert (status, err["code"]) == (400, "E_BAD_REQUEST")
    assert await production(api) is None

    status, deployed = await api("registry/deploy", {"model": "wine", "token": check["token"]})
    assert status == 200, deployed
    assert (deployed["from"], deployed["to"]) == (None, 1)
    assert deployed["endpoint"]["state"] == "serving"
    assert await production(api) == 1
    # The token was used: once only.
    status, err = await api("registry/deploy", {"model": "wine", "token": check["token"]})
    assert (status, err["code"]) == (409, "E_NOT_CONFIRMED")

    # Try it: the saved example, through the bridge, to /invocations.
    example = json.loads(
        next(
            (store / "registry" / "models").glob("*/versions/1/model/serving_input_example.json")
        ).read_text()
    )
    status, answer = await api("registry/invoke", {"model": "wine", "payload": example})
    assert status == 200, answer
    assert answer["status"] == 200
    assert answer["body"]["predictions"] == model.predict(frame.iloc[:5]).tolist()
    status, bad = await api("registry/invoke", {"model": "wine", "payload": {"nope": 1}})
    assert (status, bad["status"], bad["body"]["error_code"]) == (200, 400, "BAD_REQUEST")

    # Version 2 replaces it; the old process stops once the new one answers.
    first_pid = json.loads(next((store / "registry" / "serving").glob("*.json")).read_text())["pid"]
    check = await preflight(api, 2)
    assert check["change"] == {"alias": "production", "from": 1, "to": 2}
    status, deployed = await api("registry/deploy", {"model": "wine", "token": check["token"]})
    assert status == 200, deployed
    assert await production(api) == 2
    assert (
        not Path(f"/proc/{first_pid}").exists()
        or "Z" in Path(f"/proc/{first_pid}/stat").read_text().rsplit(")", 1)[1][:3]
    )

    # Rollback: back to 1, in one confirmed change.
    back = await preflight(api, None, "rollback")
    assert back["ok"] and back["change"] == {"alias": "production", "from": 2, "to": 1}
    status, err = await api("registry/deploy", {"model": "wine", "token": back["token"]})
    assert (status, err["code"]) == (409, "E_NOT_CONFIRMED")  # a rollback's token is not a deploy's
    back = await preflight(api, None, "rollback")
    status, rolled = await api("registry/rollback", {"model": "wine", "token": back["token"]})
    assert status == 200, rolled
    assert (rolled["from"], rolled["to"]) == (2, 1)
    assert await production(api) == 1
    status, serving = await api("registry/serving", method="GET")
    assert [(s["model"], s["version"], s["state"]) for s in serving["serving"]] == [
        ("wine", 1, "serving")
    ]

    status, log = await api("registry/audit", method="GET")
    assert log["verification"]["ok"]
    actions = [
        (e["action"], e["details"].get("from"), e["details"].get("to")) for e in log["entries"]
    ]
    assert actions[:3] == [("rollback", 2, 1), ("deploy", 1, 2), ("deploy", None, 1)]

    # Stop: clean, audited, and the endpoint is gone.
    status, stopped = await api("registry/serving/stop", {"model": "wine"})
    assert (status, stopped) == (200, {"stopped": True})
    status, serving = await api("registry/serving", method="GET")
    assert serving == {"serving": []}
    status, err = await api("registry/invoke", {"model": "wine", "payload": example})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")


async def test_the_gate_and_the_lineage_refuse_and_give_no_token(
    api: Api, fitted: tuple[Any, Any]
) -> None:
    assert await register(api, fitted, 0.95) == 1
    assert await register(api, fitted, 0.70) == 2  # under the gate's minimum
    assert await register(api, fitted, None) == 3  # no lineage
    low = await preflight(api, 2)
    assert not low["ok"] and low["token"] is None
    metric = next(c for c in low["checks"] if c["id"] == "metric")
    assert metric == {"id": "metric", "ok": False, "reason": "accuracy 0.7 < 0.8"}
    bare = await preflight(api, 3)
    lineage = next(c for c in bare["checks"] if c["id"] == "lineage")
    assert not bare["ok"] and lineage["reason"] == "incomplete: no snapshot"
    assert next(c for c in bare["checks"] if c["id"] == "metric")["reason"] == (
        "the version has no accuracy"
    )


@pytest.mark.timeout(240)
async def test_worse_than_production_is_refused(api: Api, fitted: tuple[Any, Any]) -> None:
    assert await register(api, fitted, 0.95) == 1
    assert await register(api, fitted, 0.90) == 2
    check = await preflight(api, 1)
    assert (await api("registry/deploy", {"model": "wine", "token": check["token"]}))[0] == 200
    worse = await preflight(api, 2)
    metric = next(c for c in worse["checks"] if c["id"] == "metric")
    assert not metric["ok"]
    assert "worse than production's 0.95 by more than 0.02" in metric["reason"]


@pytest.mark.timeout(240)
async def test_a_changed_file_stops_a_deploy_and_a_serving_process(
    api: Api, store: Path, fitted: tuple[Any, Any]
) -> None:
    assert await register(api, fitted, 0.95) == 1
    check = await preflight(api, 1)
    pickle_file = next((store / "registry" / "models").glob("*/versions/1/model/model.pkl"))
    data = bytearray(pickle_file.read_bytes())
    data[-2] ^= 1  # same size, other content
    pickle_file.write_bytes(bytes(data))
    status, err = await api("registry/deploy", {"model": "wine", "token": check["token"]})
    assert (status, err["code"]) == (409, "E_PREFLIGHT_FAILED"), err
    assert "files: model.pkl changed (content)" in err["message"]
    assert await production(api) is None
    # The scoring process itself refuses to load it.
    from jupyterlab_mlops import serve

    with pytest.raises(SystemExit) as leaving:
        serve.verify(pickle_file.parent.parent)
    assert leaving.value.code == 3


@pytest.mark.timeout(240)
async def test_a_crashed_endpoint_is_reported_with_its_log(
    api: Api, store: Path, fitted: tuple[Any, Any]
) -> None:
    assert await register(api, fitted, 0.95) == 1
    check = await preflight(api, 1)
    assert (await api("registry/deploy", {"model": "wine", "token": check["token"]}))[0] == 200
    state = json.loads(next((store / "registry" / "serving").glob("*.json")).read_text())
    os.kill(state["pid"], signal.SIGKILL)
    for _ in range(100):
        status, serving = await api("registry/serving", method="GET")
        if serving["serving"][0]["state"] == "crashed":
            break
        await __import__("asyncio").sleep(0.05)
    shown = serving["serving"][0]
    assert shown["state"] == "crashed" and "serving 'wine' version 1" in shown["log"]


@pytest.mark.parametrize(
    "body",
    [
        {"model": "wine", "version": 1, "action": "destroy"},
        {"model": "wine", "version": 0, "action": "deploy"},
        {"model": "wine", "version": 1, "action": "deploy", "gate": {"min": "high"}},
        {"model": "wine", "version": 1, "action": "deploy", "gate": {"evil": 1}},
        {"model": "wine", "version": 1, "action": "deploy", "gate": {"flavors": "sklearn"}},
        {"model": "../wine", "version": 1, "action": "deploy"},
    ],
)
async def test_a_bad_preflight_request_is_refused(
    api: Api, fitted: tuple[Any, Any], body: dict[str, Any]
) -> None:
    await register(api, fitted, 0.95)
    status, err = await api("registry/preflight", body)
    assert (status, err["code"]) == (400, "E_BAD_REQUEST"), err


async def test_there_is_nothing_to_roll_back_to_at_first(api: Api, fitted: tuple[Any, Any]) -> None:
    await register(api, fitted, 0.95)
    status, err = await api("registry/preflight", {"model": "wine", "action": "rollback"})
    assert (status, err["code"]) == (404, "E_NOT_FOUND"), err
