"""`/mlops/pipeline/runs`: real runs of real exports, started, followed, streamed, cancelled."""

from __future__ import annotations

import contextlib
import json
import os
import py_compile
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .pipeline_support import (
    LOCAL,
    NB,
    alive,
    export_files,
    finished,
    first_line,
    gone,
    installed_demo,
    run_route,
    sleeper,
    status_of,
    synthetic,
    wait_for,
)

SLEEPY = "examples/sleepy.ipynb"


@pytest.fixture(autouse=True)
def no_process_left(jp_root_dir: Path) -> Iterator[None]:
    """Kill what a failed test left running: runners and their steps' groups."""
    yield
    for path in jp_root_dir.rglob(".mlops-runs/*/status.json"):
        with contextlib.suppress(ValueError, OSError):
            status = json.loads(path.read_text())
            pids = [status.get("runner", {}).get("pid")]
            groups = [step.get("pid") for step in status["steps"].values()]
            for pid in filter(None, pids):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            for pid in filter(None, groups):
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)


@pytest.mark.timeout(600)
async def test_the_demo_runs_to_its_metrics(api: Api, jp_root_dir: Path) -> None:
    installed_demo(jp_root_dir)
    status, started = await api("pipeline/runs", {"notebook": NB, "params": {"max_depth": 3}})
    assert status == 200, started
    assert started["folder"] == LOCAL
    run = started["run"]
    # Readable at once: the start waited for the runner's first status.
    first = await status_of(api, NB, run)
    assert first["run"] == run and first["runner"]["pid"] > 1
    done = await wait_for(api, NB, run, until=finished, timeout=500)
    assert done["state"] == "done", done
    assert {name: step["state"] for name, step in done["steps"].items()} == {
        "load": "done",
        "train": "done",
        "evaluate": "done",
    }
    assert done["params"]["max_depth"] == 3
    assert set(done["metrics"]) == {"accuracy", "f1_macro"}
    assert 0.5 < done["metrics"]["accuracy"] <= 1.0
    # The steps ran in the notebook's folder.
    assert (jp_root_dir / "examples" / "data" / "wine.csv").is_file()
    status, listed = await api("pipeline/runs", method="GET", params={"notebook": NB})
    assert status == 200 and listed["runs"][0]["run"] == run
    status, log = await api(
        run_route(run, "log"), method="GET", params={"notebook": NB, "step": "evaluate"}
    )
    assert status == 200 and log["eof"] is True
    assert f"accuracy {done['metrics']['accuracy']:.3f}" in log["text"]
    assert log["offset"] == len(log["text"].encode())
    assert (
        (jp_root_dir / LOCAL / ".mlops-runs" / run / "runner.log")
        .read_text()
        .startswith("     done")
    )
    # Without an expectation, no reproducibility check is recorded.
    assert "reproduction" not in done

    # Against the snapshot's metrics: the same numbers reproduce (the
    # second run replays every step from the cache) ...
    expect = {"experiment": "refs/exps/nb/01J", "metrics": done["metrics"], "tolerance": 0.001}
    again = await start_and_wait(api, {"params": {"max_depth": 3}, "expect": expect})
    assert {step["state"] for step in again["steps"].values()} == {"cached"}
    assert again["reproduction"]["state"] == "reproduced"
    assert again["reproduction"]["experiment"] == "refs/exps/nb/01J"
    # ... other numbers drift, and a metric the run lacks is named.
    drift = {**expect, "metrics": {"accuracy": 0.1, "ghost": 1}}
    drifted = (await start_and_wait(api, {"params": {"max_depth": 3}, "expect": drift}))[
        "reproduction"
    ]
    assert drifted["state"] == "drifted"
    assert drifted["missing"] == ["ghost"]
    assert drifted["checks"] == [
        {
            "name": "accuracy",
            "expected": 0.1,
            "got": done["metrics"]["accuracy"],
            "ok": False,
        }
    ]


async def start_and_wait(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    status, started = await api("pipeline/runs", {"notebook": NB, **body})
    assert status == 200, started
    return await wait_for(api, NB, started["run"], until=finished, timeout=300)


@pytest.mark.parametrize(
    "expect",
    [
        "accuracy",
        [],
        {"metrics": {"accuracy": 0.9}},
        {"metrics": {"accuracy": 0.9}, "tolerance": 2},
        {"metrics": {"accuracy": 0.9}, "tolerance": True},
        {"metrics": {"accuracy": "0.9"}, "tolerance": 0.1},
        {"metrics": {"accuracy": True}, "tolerance": 0.1},
        {"metrics": {f"m{i}": 1 for i in range(201)}, "tolerance": 0.1},
        {"metrics": {}, "tolerance": 0.1, "experiment": "x" * 301},
        {"metrics": {}, "tolerance": 0.1, "code": "__import__('os')"},
    ],
)
async def test_a_bad_expectation_starts_nothing(
    api: Api, jp_root_dir: Path, expect: object
) -> None:
    installed_demo(jp_root_dir)
    status, answer = await api("pipeline/runs", {"notebook": NB, "expect": expect})
    assert status == 400 and answer["code"] == "E_BAD_REQUEST", answer
    assert not (jp_root_dir / LOCAL / ".mlops-runs").exists()


ECHO = (
    "import json, os\n"
    "params = json.load(open(os.environ['MLOPS_PARAMS']))\n"
    "print(json.dumps(params, sort_keys=True))\n"
)
ECHO_PARAMS = [
    {"name": "code", "type": "str", "default": "x"},
    {"name": "count", "type": "int", "default": 1},
    {"name": "rate", "type": "float", "default": 0.5},
    {"name": "flag", "type": "bool", "default": False},
    {"name": "empty", "type": "none", "default": None},
]


@pytest.mark.timeout(120)
async def test_a_parameter_is_data_never_code(api: Api, jp_root_dir: Path) -> None:
    synthetic(jp_root_dir, "echo.ipynb", "echo", {"say": ECHO}, ECHO_PARAMS)
    hostile = "__import__('os').system('touch PWNED')"
    params = {"code": hostile, "count": "7", "rate": 2, "flag": True, "empty": "text"}
    status, started = await api("pipeline/runs", {"notebook": "echo.ipynb", "params": params})
    assert status == 200, started
    done = await wait_for(api, "echo.ipynb", started["run"], until=finished)
    assert done["state"] == "done", done
    expected = {"code": hostile, "count": 7, "rate": 2.0, "flag": True, "empty": "text"}
    assert done["params"] == expected
    status, log = await api(
        run_route(started["run"], "log"),
        method="GET",
        params={"notebook": "echo.ipynb", "step": "say"},
    )
    assert json.loads(log["text"]) == expected
    assert not list(jp_root_dir.rglob("PWNED")) and not Path("PWNED").exists()


#: 300 KiB of multi-byte text and an invalid byte, a pause, 300 KiB more.
CHATTY = (
    "import sys, time\n"
    "out = sys.stdout.buffer\n"
    "line = ('é😀漢' * 20 + '\\n').encode()\n"
    "out.write(b'start \\xff\\n' + line * 1500); out.flush()\n"
    "time.sleep(1.5)\n"
    "out.write(line * 1500 + b'end\\n'); out.flush()\n"
)


@pytest.mark.timeout(120)
async def test_a_log_streams_in_pieces_never_splitting_a_character(
    api: Api, jp_root_dir: Path
) -> None:
    folder = synthetic(jp_root_dir, "chatty.ipynb", "chatty", {"talk": CHATTY})
    status, started = await api("pipeline/runs", {"notebook": "chatty.ipynb"})
    assert status == 200, started
    run = started["run"]
    pieces: list[str] = []
    offset, calls, eof = 0, 0, False
    while not eof:
        status, log = await api(
            run_route(run, "log"),
            method="GET",
            params={"notebook": "chatty.ipynb", "step": "talk", "offset": str(offset)},
        )
        assert status == 200, log
        assert log["offset"] - offset <= 256 * 1024
        pieces.append(log["text"])
        offset, eof, calls = log["offset"], log["eof"], calls + 1
        assert calls < 2000
    raw = (folder / ".mlops-runs" / run / "logs" / "talk.log").read_bytes()
    assert offset == len(raw)
    assert "".join(pieces) == raw.decode("utf-8", "replace")
    assert "".join(pieces).count("\ufffd") == 1
    assert sum(1 for piece in pieces if piece) >= 3
    assert (await status_of(api, "chatty.ipynb", run))["state"] == "done"


@pytest.mark.timeout(120)
async def test_cancel_stops_the_run_and_what_its_step_started(api: Api, jp_root_dir: Path) -> None:
    folder = sleeper(jp_root_dir)
    status, started = await api("pipeline/runs", {"notebook": SLEEPY})
    assert status == 200, started
    run = started["run"]
    child = int(await first_line(api, SLEEPY, run, "nap"))
    running = await status_of(api, SLEEPY, run)
    step_pid, runner_pid = running["steps"]["nap"]["pid"], running["runner"]["pid"]

    # One run at a time per export, and no re-export under a running run.
    status, err = await api("pipeline/runs", {"notebook": SLEEPY})
    assert (status, err["code"]) == (409, "E_RUN_ACTIVE")
    files = {"pipeline.json": (folder / "pipeline.json").read_text()}
    status, err = await api(
        "pipeline/export", {"notebook": SLEEPY, "target": "local", "files": files}
    )
    assert (status, err["code"]) == (409, "E_RUN_ACTIVE")

    status, answer = await api(run_route(run, "cancel"), {}, params={"notebook": SLEEPY})
    assert (status, answer) == (200, {"cancelled": True})
    done = await wait_for(api, SLEEPY, run, until=finished, timeout=60)
    assert done["state"] == "cancelled"
    assert done["steps"]["nap"]["state"] == "cancelled"
    assert gone(child) and gone(step_pid) and gone(runner_pid)
    status, err = await api(run_route(run, "cancel"), {}, params={"notebook": SLEEPY})
    assert (status, err["code"]) == (409, "E_RUN_FINISHED")
    # Cancelled, the export is free again.
    status, log = await api(
        run_route(run, "log"), method="GET", params={"notebook": SLEEPY, "step": "nap"}
    )
    assert log["eof"] is True and log["text"].startswith(str(child))


@pytest.mark.timeout(120)
async def test_a_killed_runner_is_reported_interrupted(api: Api, jp_root_dir: Path) -> None:
    sleeper(jp_root_dir)
    status, started = await api("pipeline/runs", {"notebook": SLEEPY})
    assert status == 200, started
    run = started["run"]
    child = int(await first_line(api, SLEEPY, run, "nap"))
    running = await status_of(api, SLEEPY, run)
    assert running["state"] == "running"
    os.kill(running["runner"]["pid"], signal.SIGKILL)
    interrupted = await wait_for(
        api, SLEEPY, run, until=lambda s: s["state"] == "interrupted", timeout=30
    )
    assert interrupted["steps"]["nap"]["state"] == "running"
    status, listed = await api("pipeline/runs", method="GET", params={"notebook": SLEEPY})
    assert [(r["run"], r["state"]) for r in listed["runs"]] == [(run, "interrupted")]
    status, err = await api(run_route(run, "cancel"), {}, params={"notebook": SLEEPY})
    assert (status, err["code"]) == (409, "E_RUN_FINISHED")
    # The orphaned step is the user's to stop; an interrupted run holds nothing up.
    os.killpg(running["steps"]["nap"]["pid"], signal.SIGKILL)
    assert gone(child)
    status, again = await api("pipeline/runs", {"notebook": SLEEPY, "force": True})
    assert status == 200, again
    await first_line(api, SLEEPY, again["run"], "nap")
    status, _ = await api(run_route(again["run"], "cancel"), {}, params={"notebook": SLEEPY})
    assert status == 200
    assert (await wait_for(api, SLEEPY, again["run"], until=finished))["state"] == "cancelled"
    assert not alive(running["runner"]["pid"])


@pytest.mark.timeout(120)
async def test_a_runner_that_refuses_to_start_leaves_no_run(
    api: Api, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = synthetic(jp_root_dir, "echo.ipynb", "echo", {"say": ECHO}, ECHO_PARAMS)
    # The export changes between the bridge's check and the runner's start.
    from jupyterlab_mlops import pipeline_runs

    spawn = pipeline_runs.spawn_runner

    def spoiled(*args: object, **kwargs: object) -> object:
        (folder / "pipeline.json").write_text("{}")
        return spawn(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline_runs, "spawn_runner", spoiled)
    status, err = await api("pipeline/runs", {"notebook": "echo.ipynb"})
    assert (status, err["code"]) == (400, "E_PIPELINE_INVALID"), err
    assert [p.name for p in (folder / ".mlops-runs").iterdir() if p.name != "active.lock"] == []


def test_export_files_of_the_demo_are_text() -> None:
    assert "pipeline.json" in export_files()


PLANTED = (
    "import sys\n"
    "open({marker!r}, 'a').write(__name__ + ' ' + ' '.join(sys.argv) + '\\n')\n"
    "del sys.modules[__name__]\n"
    "sys.path = [p for p in sys.path if p not in ('', '.')]\n"
)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("fork", [True, False])
async def test_a_module_planted_in_the_export_folder_runs_nowhere(
    api: Api, jp_root_dir: Path, fork: bool
) -> None:
    folder = installed_demo(jp_root_dir)
    marker = jp_root_dir / "planted.txt"
    # The runner imports hashlib and secrets; the steps json, importlib and
    # what the notebook imports (numpy, pandas, sklearn); a step script's
    # own folder is steps/.
    names = ("hashlib", "secrets", "json", "importlib", "pkgutil", "types", "numpy", "pandas")
    for where in (folder, folder / "steps"):
        for name in (*names, "sklearn"):
            (where / f"{name}.py").write_text(PLANTED.format(marker=str(marker)))
    # A bytecode cache Python never checks against its source (PEP 552,
    # unchecked hash), for the marshal helper: it is compiled from source.
    planted = folder / "planted_marshal.py"
    planted.write_text(PLANTED.format(marker=str(marker)))
    (folder / "__pycache__").mkdir()
    py_compile.compile(
        str(planted),
        cfile=str(folder / "__pycache__" / f"mlops_marshal.{sys.implementation.cache_tag}.pyc"),
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    if fork:
        status, started = await api("pipeline/runs", {"notebook": NB})
        assert status == 200, started
        done = await wait_for(api, NB, started["run"], until=finished, timeout=300)
    else:
        done = run_route_cli(folder, "--no-fork")
    assert done["state"] == "done", done
    assert not marker.exists(), marker.read_text()


def run_route_cli(folder: Path, *args: str) -> dict[str, Any]:
    """A run of `folder` by the runner on the command line (as the bridge starts it); its status."""
    completed = subprocess.run(
        [sys.executable, "-P", "-m", "jupyterlab_mlops.run", str(folder), "--json", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])
