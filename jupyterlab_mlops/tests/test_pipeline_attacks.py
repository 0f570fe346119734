"""The pipeline routes and runner attacked through files planted in the project.

Each test plants what a cloned repository or a shared folder could hold
(another export naming the notebook, a cache entry, symlinks, forged
statuses, manifests) and shows it is refused or ignored, against a real
jupyter_server and real runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import pipeline_process, run_cache
from jupyterlab_mlops.pipeline_paths import pipeline_name

from .conftest import Api
from .helpers import snapshot
from .pipeline_support import (
    LOCAL,
    NB,
    demo_notebook,
    export_files,
    finished,
    first_line,
    gone,
    installed_demo,
    run_route,
    sealed,
    sleeper,
    status_of,
    synthetic,
    wait_for,
)

RUN = "20250101-000000-abcdef"


@pytest.fixture(autouse=True)
def no_process_left(jp_root_dir: Path) -> Iterator[None]:
    """Kill what a failed test left running: runners and their steps' groups."""
    yield
    for path in jp_root_dir.rglob(".mlops-runs/*/status.json"):
        with contextlib.suppress(ValueError, OSError, AttributeError, KeyError):
            status = json.loads(path.read_text())
            pid = status["runner"]["pid"]
            if pid != os.getpid():  # a forged status may name this very process
                with contextlib.suppress(OSError, TypeError):
                    os.kill(pid, signal.SIGKILL)
            for step in status["steps"].values():
                with contextlib.suppress(OSError, TypeError):
                    os.killpg(step["pid"], signal.SIGKILL)


def run_cli(folder: Path, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """A run of `folder` by the runner on the command line; its final status."""
    completed = subprocess.run(
        [sys.executable, "-P", "-m", "jupyterlab_mlops.run", str(folder), "--json", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )
    assert completed.stdout.strip(), completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("a/wine_classifier.ipynb", "wine_classifier"),
        ("wine-classifier v2.ipynb", "wine_classifier_v2"),
        ("2024 report.ipynb", "_2024_report"),
        ("é.ipynb", "_"),
        ("😀.ipynb", "__"),  # two UTF-16 code units in the lab
        (".ipynb.ipynb", "_ipynb"),
        ("x" * 80 + ".ipynb", "x" * 63),
    ],
)
def test_a_pipeline_is_named_as_the_lab_names_it(path: str, name: str) -> None:
    # The same table is in test/pipeline/ir.spec.ts, for pipelineName.
    assert pipeline_name(path) == name


@pytest.mark.timeout(300)
async def test_a_planted_export_under_another_name_is_never_run(
    api: Api, jp_root_dir: Path
) -> None:
    installed_demo(jp_root_dir)
    marker = jp_root_dir / "pwned.txt"
    for name in ("evil", "wine_classifier2"):
        planted = synthetic(
            jp_root_dir, NB, name, {"pwn": f"open({str(marker)!r}, 'w').write('ran')\n"}
        )
        # Claims to be the notebook's, written far in the future.
        ir = json.loads((planted / "pipeline.json").read_text())
        ir["name"] = "wine_classifier" if name == "evil" else name
        (planted / "pipeline.json").write_text(json.dumps(ir))
        (planted / ".mlops-export.json").write_text('{"exportedAt": 1e300}')
    status, listed = await api("pipeline/export", method="GET", params={"notebook": NB})
    assert status == 200
    assert listed["targets"]["local"]["folder"] == LOCAL
    status, started = await api("pipeline/runs", {"notebook": NB})
    assert (status, started["folder"]) == (200, LOCAL), started
    done = await wait_for(api, NB, started["run"], until=finished, timeout=300)
    assert done["state"] == "done" and not marker.exists()


@pytest.mark.parametrize("when", ["Infinity", "NaN", "1e300", "-5", '"soon"', "true"])
async def test_an_export_time_that_is_no_time_is_answered_as_none(
    api: Api, jp_root_dir: Path, when: str
) -> None:
    folder = installed_demo(jp_root_dir)
    (folder / ".mlops-export.json").write_text('{"exportedAt": ' + when + "}")
    status, listed = await api("pipeline/export", method="GET", params={"notebook": NB})
    assert status == 200, listed  # and the answer was valid JSON
    assert listed["targets"]["local"]["exportedAt"] is None


@pytest.mark.parametrize(
    "link", ["pipelines", "pipelines/wine_classifier", "pipelines/wine_classifier/local"]
)
@pytest.mark.parametrize("target", ["local", "dvc"])
async def test_an_export_never_writes_through_a_symlink(
    api: Api, jp_root_dir: Path, link: str, target: str
) -> None:
    demo_notebook(jp_root_dir)
    # A folder elsewhere inside the root, holding what the export would overwrite.
    victim = jp_root_dir / "victim"
    for where in (victim, victim / target, victim / "wine_classifier" / target):
        where.mkdir(parents=True, exist_ok=True)
        (where / "pipeline.json").write_text("mine")
    path = jp_root_dir / "examples" / link.replace("/local", f"/{target}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(victim)
    before = snapshot(victim)
    status, err = await api(
        "pipeline/export", {"notebook": NB, "target": target, "files": export_files()}
    )
    assert (status, err["code"]) == (403, "E_PATH_OUTSIDE_ROOT"), err
    assert snapshot(victim) == before
    status, listed = await api("pipeline/export", method="GET", params={"notebook": NB})
    assert status == 200 and listed["targets"][target] is None


@pytest.mark.timeout(300)
async def test_a_cache_entry_the_runner_did_not_seal_is_never_replayed(
    api: Api, jp_root_dir: Path, tmp_path: Path
) -> None:
    folder = installed_demo(jp_root_dir)
    first = run_cli(folder)
    assert first["state"] == "done"
    again = run_cli(folder)
    assert {s["state"] for s in again["steps"].values()} == {"cached"}
    # Sealed by someone else (another user's secret: a cloned cache).
    theirs = run_cli(folder, env={"XDG_STATE_HOME": str(tmp_path / "them")})
    assert {s["state"] for s in theirs["steps"].values()} == {"done"}
    # Ours again, then: the load step's output changed after it was sealed,
    # the train step's seal of the old shape (an empty .done).
    mine = run_cli(folder)
    assert {s["state"] for s in mine["steps"].values()} == {"done"}
    cache = folder / ".mlops-cache"
    load = cache / "load" / mine["steps"]["load"]["key"]
    output = next(p for p in load.iterdir() if p.name != ".done" and p.suffix)
    output.write_bytes(output.read_bytes() + b"\0")
    (cache / "train" / mine["steps"]["train"]["key"] / ".done").write_text("")
    status, started = await api("pipeline/runs", {"notebook": NB})
    assert status == 200, started
    done = await wait_for(api, NB, started["run"], until=finished, timeout=300)
    assert done["state"] == "done", done
    assert done["steps"]["load"]["state"] == "done"
    assert done["steps"]["train"]["state"] == "done"
    secret = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local/state")
    mode = stat.S_IMODE((secret / "jupyterlab-mlops" / "cache-secret").stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("name", [".mlops-cache", ".mlops-runs", "steps"])
async def test_a_runner_folder_that_is_a_symlink_is_refused(
    api: Api, jp_root_dir: Path, name: str
) -> None:
    folder = installed_demo(jp_root_dir)
    elsewhere = jp_root_dir / "elsewhere"  # inside the root, outside the export
    if name == "steps":
        shutil.move(folder / "steps", elsewhere)
    else:
        elsewhere.mkdir()
    (folder / name).symlink_to(elsewhere)
    before = snapshot(elsewhere)
    status, err = await api("pipeline/runs", {"notebook": NB})
    assert (status, err["code"]) == (403, "E_PATH_OUTSIDE_ROOT"), err
    assert snapshot(elsewhere) == before
    if name != ".mlops-runs":
        assert [p.name for p in (folder / ".mlops-runs").iterdir() if p.name != "active.lock"] == []


@pytest.mark.timeout(300)
async def test_a_step_cache_folder_that_is_a_symlink_is_replaced(
    jp_root_dir: Path, outside: Path
) -> None:
    folder = installed_demo(jp_root_dir)
    (folder / ".mlops-cache").mkdir()
    (folder / ".mlops-cache" / "load").symlink_to(outside)
    before = snapshot(outside)
    assert run_cli(folder)["state"] == "done"
    assert snapshot(outside) == before
    assert not (folder / ".mlops-cache" / "load").is_symlink()


def plant_running(folder: Path, pid: int) -> None:
    run = folder / ".mlops-runs" / RUN
    (run / "logs").mkdir(parents=True)
    step = {"state": "running", "started": 1.0, "finished": None, "log": "logs/load.log"}
    status = {
        "run": RUN,
        "pipeline": "wine_classifier",
        "state": "running",
        "started": 1.0,
        "finished": None,
        "params": {},
        "steps": {"load": step},
        "runner": {"pid": pid, "startTicks": None},
    }
    (run / "status.json").write_text(json.dumps(sealed(status)))


@pytest.mark.timeout(120)
async def test_without_proc_a_forged_status_gets_nothing_signalled(
    api: Api, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pipeline_process, "_PROC", tmp_path / "no-proc")
    victim = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        folder = installed_demo(jp_root_dir)
        plant_running(folder, victim.pid)
        assert (await status_of(api, NB, RUN))["state"] == "interrupted"
        status, err = await api(run_route(RUN, "cancel"), {}, params={"notebook": NB})
        assert (status, err["code"]) == (409, "E_RUN_FINISHED"), err
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()


@pytest.mark.timeout(120)
async def test_without_proc_a_real_run_is_followed_and_cancelled_by_its_lock(
    api: Api, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pipeline_process, "_PROC", tmp_path / "no-proc")
    sleeper(jp_root_dir)
    status, started = await api("pipeline/runs", {"notebook": "examples/sleepy.ipynb"})
    assert status == 200, started
    run = started["run"]
    child = int(await first_line(api, "examples/sleepy.ipynb", run, "nap"))
    assert (await status_of(api, "examples/sleepy.ipynb", run))["state"] == "running"
    status, answer = await api(
        run_route(run, "cancel"), {}, params={"notebook": "examples/sleepy.ipynb"}
    )
    assert (status, answer) == (200, {"cancelled": True})
    done = await wait_for(api, "examples/sleepy.ipynb", run, until=finished, timeout=60)
    assert done["state"] == "cancelled"
    assert gone(child)


@pytest.mark.timeout(120)
async def test_parameters_travel_in_a_private_file_never_on_the_command_line(
    api: Api, jp_root_dir: Path
) -> None:
    count = 240  # 240 x 10,000 characters: over what one command line holds
    parameters = [{"name": f"p{i}", "type": "str", "default": ""} for i in range(count)]
    script = (
        "import json, os, time\n"
        "values = json.load(open(os.environ['MLOPS_PARAMS']))\n"
        "print(len(values['p7']), flush=True)\n"
        "time.sleep(300)\n"
    )
    synthetic(jp_root_dir, "examples/big.ipynb", "big", {"nap": script}, parameters)
    value = "secret-" + "v" * 9_993
    params = {f"p{i}": value for i in range(count)}
    status, started = await api(
        "pipeline/runs", {"notebook": "examples/big.ipynb", "params": params}
    )
    assert status == 200, started
    run = started["run"]
    assert await first_line(api, "examples/big.ipynb", run, "nap") == "10000"
    running = await status_of(api, "examples/big.ipynb", run)
    cmdline = Path(f"/proc/{running['runner']['pid']}/cmdline").read_bytes()
    assert b"secret-" not in cmdline and b"--request" in cmdline
    request = jp_root_dir / "examples/pipelines/big/local/.mlops-runs" / run / "request.json"
    assert stat.S_IMODE(request.stat().st_mode) == 0o600
    await api(run_route(run, "cancel"), {}, params={"notebook": "examples/big.ipynb"})
    await wait_for(api, "examples/big.ipynb", run, until=finished, timeout=60)


@pytest.mark.parametrize(
    "request_text",
    [
        "not json",
        "[]",
        '{"params": "a=1"}',
        '{"params": [1]}',
        '{"params": [], "extra": 1}',
        '{"expect": {"metrics": NaN}}',
        '{"params": ["nope=1"]}',
    ],
)
def test_a_bad_request_file_starts_no_run(jp_root_dir: Path, request_text: str) -> None:
    folder = installed_demo(jp_root_dir)
    path = jp_root_dir / "request.json"
    path.write_text(request_text)
    completed = subprocess.run(
        [sys.executable, "-P", "-m", "jupyterlab_mlops.run", str(folder), "--request", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.startswith("[E_BAD_REQUEST]"), completed.stderr
    assert not (folder / ".mlops-runs").exists()


async def test_a_huge_run_list_is_cut(api: Api, jp_root_dir: Path) -> None:
    folder = installed_demo(jp_root_dir)
    steps = {
        f"s{i}": {"state": "done", "started": 1.0, "finished": 2.0, "log": "x" * 3000}
        for i in range(1000)
    }
    for n in range(12):
        run = f"20250101-0000{n:02d}-abcdef"
        (folder / ".mlops-runs" / run).mkdir(parents=True)
        status = {
            "run": run,
            "pipeline": "wine_classifier",
            "state": "done",
            "started": 1.0 + n,
            "finished": 2.0 + n,
            "params": {},
            "steps": steps,
            "runner": {"pid": 2, "startTicks": 1},
        }
        (folder / ".mlops-runs" / run / "status.json").write_text(json.dumps(sealed(status)))
    status, listed = await api("pipeline/runs", method="GET", params={"notebook": NB})
    assert status == 200
    # ~3 MB each: two fit in the 8 MiB a list reads, the newest first.
    assert [r["run"] for r in listed["runs"]] == [
        "20250101-000011-abcdef",
        "20250101-000010-abcdef",
    ]


async def test_a_status_no_runner_of_this_user_wrote_is_no_run(api: Api, jp_root_dir: Path) -> None:
    folder = installed_demo(jp_root_dir)
    plant_running(folder, os.getpid())
    path = folder / ".mlops-runs" / RUN / "status.json"
    forged = {k: v for k, v in json.loads(path.read_text()).items() if k != "seal"}
    forged["state"], forged["metrics"] = "done", {"accuracy": 1.0}
    for text in (
        json.dumps(forged),  # no seal
        json.dumps({**forged, "seal": "0" * 64}),  # a wrong one
        json.dumps(forged).replace("1.0", "1e999"),  # a number JSON cannot carry
    ):
        path.write_text(text)
        status, err = await api(run_route(RUN), method="GET", params={"notebook": NB})
        assert (status, err["code"]) == (404, "E_RUN_NOT_FOUND"), err
        status, listed = await api("pipeline/runs", method="GET", params={"notebook": NB})
        assert (status, listed) == (200, {"runs": []})


@pytest.mark.timeout(120)
async def test_planted_run_folders_neither_hide_a_run_nor_allow_a_second(
    api: Api, jp_root_dir: Path
) -> None:
    folder = sleeper(jp_root_dir)
    runs = folder / ".mlops-runs"
    for i in range(300):
        planted = runs / f"2099{i % 12 + 1:02d}01-000000-{i:06x}"
        planted.mkdir(parents=True)
        (planted / "status.json").write_text("{}")
    nb = "examples/sleepy.ipynb"
    status, started = await api("pipeline/runs", {"notebook": nb})
    assert status == 200, started
    await first_line(api, nb, started["run"], "nap")
    status, listed = await api("pipeline/runs", method="GET", params={"notebook": nb})
    assert [r["run"] for r in listed["runs"]] == [started["run"]]
    # A second start is refused: by the bridge, which asks the runner's lock.
    status, err = await api("pipeline/runs", {"notebook": nb, "force": True})
    assert (status, err["code"]) == (409, "E_RUN_ACTIVE"), err
    assert started["run"] in err["message"]
    # And by a runner started by hand.
    completed = subprocess.run(
        [sys.executable, "-P", "-m", "jupyterlab_mlops.run", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2 and "[E_RUN_ACTIVE]" in completed.stderr
    await api(run_route(started["run"], "cancel"), {}, params={"notebook": nb})
    await wait_for(api, nb, started["run"], until=finished, timeout=60)


async def test_a_huge_planted_pipeline_json_is_no_export(api: Api, jp_root_dir: Path) -> None:
    folder = installed_demo(jp_root_dir)
    ir = json.loads((folder / "pipeline.json").read_text())
    ir["edges"] = [["load", "train"]] * 700_000  # ~10 MB: over what an export writes
    (folder / "pipeline.json").write_text(json.dumps(ir))
    for _ in range(2):
        status, listed = await api("pipeline/export", method="GET", params={"notebook": NB})
        assert status == 200 and listed["targets"]["local"] is None


@pytest.mark.timeout(300)
def test_whatever_is_in_a_cache_entrys_place_is_replaced(jp_root_dir: Path, outside: Path) -> None:
    folder = installed_demo(jp_root_dir)
    first = run_cli(folder)
    assert first["state"] == "done"
    entry = folder / ".mlops-cache" / "load" / first["steps"]["load"]["key"]
    shutil.rmtree(entry)
    entry.symlink_to(outside)
    before = snapshot(outside)
    again = run_cli(folder)
    assert again["state"] == "done" and again["steps"]["load"]["state"] == "done"
    assert entry.is_dir() and not entry.is_symlink()
    assert snapshot(outside) == before


def test_a_planted_cache_entry_never_gets_its_files_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = tmp_path / "entry"
    entry.mkdir()
    (entry / "x.pickle").write_bytes(b"\0" * 1024)
    (entry / ".done").write_text(json.dumps({"key": "k", "files": {}, "mac": "00"}))

    def never(_folder: Path) -> None:
        raise AssertionError("hashed a planted entry")

    monkeypatch.setattr(run_cache, "entry_files", never)
    assert run_cache.sealed(entry, "k", b"s" * 32) is None
    # Sealed by us, the files listed: then (and only then) hashed.
    monkeypatch.undo()
    run_cache.seal(entry, "k", b"s" * 32)
    assert run_cache.sealed(entry, "k", b"s" * 32) == {
        "x.pickle": hashlib.sha256(b"\0" * 1024).hexdigest()
    }


async def test_a_planted_lock_or_ghost_export_blocks_no_export(api: Api, jp_root_dir: Path) -> None:
    folder = installed_demo(jp_root_dir)
    (folder / ".mlops-export.lock").mkdir()
    (folder / ".mlops-export.lock" / "x").write_text("")
    ir = json.loads((folder / "pipeline.json").read_text())
    ir["notebook"]["path"] = "examples/ghost.ipynb"
    (folder / "pipeline.json").write_text(json.dumps(ir))
    status, answer = await api(
        "pipeline/export", {"notebook": NB, "target": "local", "files": export_files()}
    )
    assert status == 200, answer
    assert json.loads((folder / "pipeline.json").read_text())["notebook"]["path"] == NB


async def test_a_runner_named_without_its_start_time_is_not_alive(
    api: Api, jp_root_dir: Path
) -> None:
    folder = installed_demo(jp_root_dir)
    plant_running(folder, os.getpid())  # this very process, startTicks null
    assert (await status_of(api, NB, RUN))["state"] == "interrupted"
    status, err = await api(run_route(RUN, "cancel"), {}, params={"notebook": NB})
    assert (status, err["code"]) == (409, "E_RUN_FINISHED")
