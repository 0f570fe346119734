"""After a lab restart the Models panel shows what is serving: real servers, one after another.

A deploy through one `jupyter server` starts a scoring process in its own
session; that server is stopped as its terminal would stop it (a signal to
its process group). A new server on the same root lists the endpoint as
serving, "Try it" through it answers, and Stop through it stops it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .server_support import Server
from .test_registry_deploy import GATE, LINEAGE, SAVER, fitted

__all__ = ["fitted"]


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()
    for path in tmp_path.glob("root/.mlops/registry/serving/*.json"):
        with contextlib.suppress(ValueError, OSError, KeyError, TypeError):
            os.kill(json.loads(path.read_text())["pid"], signal.SIGKILL)


@pytest.mark.timeout(240)
def test_an_endpoint_outlives_the_server_and_the_next_one_shows_and_stops_it(
    tmp_path: Path, servers: list[Server], fitted: tuple[Any, Any]
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    first = Server(root, tmp_path / "a")
    servers.append(first)
    status, staging = first.call("POST", "registry/staging", {})
    assert status == 200, staging
    namespace: dict[str, Any] = {"__name__": "saver"}
    exec(compile(SAVER, "sklearn.ts", "exec"), namespace)  # noqa: S102 - our own saver
    namespace["save"](fitted[0], fitted[1], staging["path"], "")
    lineage = {**LINEAGE, "metrics": {"accuracy": 0.95}}
    status, version = first.call(
        "POST", "registry/versions", {"model": "wine", "staging": staging["id"], "lineage": lineage}
    )
    assert status == 200, version
    status, check = first.call(
        "POST",
        "registry/preflight",
        {"model": "wine", "version": 1, "action": "deploy", "gate": GATE},
    )
    assert status == 200 and check["ok"], check
    status, deployed = first.call(
        "POST", "registry/deploy", {"model": "wine", "token": check["token"]}
    )
    assert status == 200, deployed
    url = deployed["endpoint"]["url"]
    first.stop()

    second = Server(root, tmp_path / "b")
    servers.append(second)
    status, listed = second.call("GET", "registry/serving")
    assert status == 200, listed
    [endpoint] = listed["serving"]
    assert (endpoint["model"], endpoint["version"], endpoint["state"], endpoint["url"]) == (
        "wine",
        1,
        "serving",
        url,
    )
    example = json.loads(
        next(
            root.glob(".mlops/registry/models/*/versions/1/model/serving_input_example.json")
        ).read_text()
    )
    status, answer = second.call("POST", "registry/invoke", {"model": "wine", "payload": example})
    assert status == 200 and answer["status"] == 200, answer
    assert len(answer["body"]["predictions"]) == len(example["dataframe_split"]["data"])
    status, stopped = second.call("POST", "registry/serving/stop", {"model": "wine"})
    assert status == 200 and stopped["stopped"] is True, stopped
    status, listed = second.call("GET", "registry/serving")
    assert status == 200 and listed["serving"] == []
    status, log = second.call("GET", "registry/audit")
    assert [e["action"] for e in log["entries"]][:3] == ["stop", "deploy", "register"]
    assert log["verification"]["ok"] is True
