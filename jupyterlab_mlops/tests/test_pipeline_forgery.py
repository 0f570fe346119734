"""Forged and planted run state: statuses, run folders, cache entries, locks, a huge IR.

What a cloned repository or a shared folder could hold in an export's
`.mlops-runs`, `.mlops-cache` or `pipeline.json`, against a real
jupyter_server and real runs: none of it is shown as a run, allows a second
run, gets hashed or loaded, or blocks an export.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jupyterlab_mlops import run_cache

from .attack_support import RUN, no_process_left, plant_running, run_cli  # noqa: F401
from .conftest import Api
from .helpers import snapshot
from .pipeline_support import (
    NB,
    export_files,
    finished,
    first_line,
    installed_demo,
    run_route,
    sleeper,
    status_of,
    wait_for,
)


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

    def never(_path: Path) -> None:
        raise AssertionError("hashed a planted entry")

    monkeypatch.setattr(run_cache, "file_sha", never)
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


@pytest.mark.timeout(120)
@pytest.mark.parametrize("junk", ["fifo", "folder", "link"])
async def test_junk_at_the_active_lock_blocks_no_run(
    api: Api, jp_root_dir: Path, outside: Path, junk: str
) -> None:
    folder = installed_demo(jp_root_dir)
    lock = folder / ".mlops-runs" / "active.lock"
    lock.parent.mkdir()
    if junk == "fifo":
        os.mkfifo(lock)
    elif junk == "folder":
        lock.mkdir()
        (lock / "x").write_text("")
    else:
        lock.symlink_to(outside / "sentinel.txt")
    status, started = await api("pipeline/runs", {"notebook": NB})
    assert status == 200, started
    done = await wait_for(api, NB, started["run"], until=finished, timeout=120)
    assert done["state"] == "done"
    assert (outside / "sentinel.txt").read_text() == "do not touch"
