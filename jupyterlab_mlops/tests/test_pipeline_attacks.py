"""The pipeline routes and runner attacked through files planted in the project.

Each test plants what a cloned repository or a shared folder could hold
(another export naming the notebook, a cache entry, symlinks, forged
statuses, manifests) and shows it is refused or ignored, against a real
jupyter_server and real runs.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from jupyterlab_mlops import pipeline_process
from jupyterlab_mlops.pipeline_paths import pipeline_name

from .attack_support import RUN, no_process_left, plant_running, run_cli  # noqa: F401
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
