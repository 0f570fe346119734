"""A run outlives the server that started it: real servers, stopped as a terminal would.

Each server is its own `jupyter server` process in its own process group;
stopping it signals the whole group (what Ctrl-C in its terminal does). The
runner started its own session, so it keeps running; a new server on the
same root lists the run, and it finishes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pipeline_support import alive, synthetic
from .server_support import Server

NOTEBOOK = "held.ipynb"
#: A step that waits for the test to let it go (at most two minutes).
HELD = (
    "import os, time\n"
    "print('waiting', flush=True)\n"
    "for _ in range(1200):\n"
    "    if os.path.exists('release'):\n"
    "        break\n"
    "    time.sleep(0.1)\n"
    "print('released', flush=True)\n"
)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.mark.timeout(300)
def test_a_run_outlives_the_server_and_a_new_one_follows_it(
    tmp_path: Path, servers: list[Server]
) -> None:
    root = tmp_path / "root"
    folder = synthetic(root, NOTEBOOK, "held", {"hold": HELD})
    servers.append(Server(root, tmp_path / "a"))
    status, started = servers[0].call("POST", "pipeline/runs", {"notebook": NOTEBOOK})
    assert status == 200, started
    run = started["run"]
    log = folder / ".mlops-runs" / run / "logs" / "hold.log"
    deadline = time.monotonic() + 60
    while not (log.exists() and "waiting" in log.read_text()):
        assert time.monotonic() < deadline, "the step never started"
        time.sleep(0.1)
    runner = json.loads((folder / ".mlops-runs" / run / "status.json").read_text())["runner"]

    servers[0].stop()
    assert servers[0].process.returncode is not None
    assert alive(runner["pid"]), "the runner went down with the server"

    servers.append(Server(root, tmp_path / "b"))
    status, listed = servers[1].call("GET", "pipeline/runs", notebook=NOTEBOOK)
    assert status == 200
    assert [(r["run"], r["state"]) for r in listed["runs"]] == [(run, "running")]

    (root / "release").write_text("")
    deadline = time.monotonic() + 60
    while True:
        status, current = servers[1].call("GET", f"pipeline/runs/{run}", notebook=NOTEBOOK)
        assert status == 200, current
        if current["state"] != "running":
            break
        assert time.monotonic() < deadline, current
        time.sleep(0.2)
    assert current["state"] == "done", current
    status, text = servers[1].call(
        "GET", f"pipeline/runs/{run}/log", notebook=NOTEBOOK, step="hold"
    )
    assert text["eof"] is True and text["text"] == "waiting\nreleased\n"
