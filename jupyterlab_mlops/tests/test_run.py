"""The local runner, on the demo's real export: order, cache, parameters, cancel, bad input."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

EXPORT = Path(__file__).parent / "data" / "wine_export"


def run(folder: Path, *args: str, timeout: float = 240) -> tuple[int, dict[str, Any] | None, str]:
    """Run the runner as a user would; its exit code, JSON status and stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "jupyterlab_mlops.run", str(folder), "--json", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    status = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, status, done.stderr


def states(status: dict[str, Any]) -> dict[str, str]:
    return {name: step["state"] for name, step in status["steps"].items()}


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """The demo's export where the lab writes it: next to the notebook."""
    folder = tmp_path / "proj" / "pipelines" / "wine_classifier" / "local"
    shutil.copytree(EXPORT, folder)
    return folder


@pytest.mark.timeout(600)
def test_the_demo_runs_then_replays_then_reruns_what_a_parameter_changes(export: Path) -> None:
    code, status, err = run(export)
    assert code == 0, err
    assert status is not None
    assert states(status) == {"load": "done", "train": "done", "evaluate": "done"}
    # The steps ran in the notebook's folder and passed real variables.
    assert (export.parent.parent.parent / "data" / "wine.csv").is_file()
    log = (export / ".mlops-runs" / status["run"] / "logs" / "evaluate.log").read_text()
    assert "accuracy" in log
    # status.json is the status printed.
    on_disk = json.loads((export / ".mlops-runs" / status["run"] / "status.json").read_text())
    assert on_disk["state"] == "done"
    # The metrics the notebook's metrics cell names, as evaluate computed them.
    assert set(status["metrics"]) == {"accuracy", "f1_macro"}
    assert 0.8 < status["metrics"]["accuracy"] <= 1.0
    assert f"accuracy {status['metrics']['accuracy']:.3f}" in log

    # Unchanged: every step is replayed from the cache, metrics too.
    code, again, _ = run(export)
    assert code == 0
    assert states(again) == {"load": "cached", "train": "cached", "evaluate": "cached"}
    assert again["metrics"] == status["metrics"]

    # A parameter only train reads: load is replayed, train and evaluate run.
    code, changed, _ = run(export, "--param", "max_depth=3")
    assert code == 0
    assert states(changed) == {"load": "cached", "train": "done", "evaluate": "done"}

    # An edited step script runs again, and what depends on it.
    script = export / "steps" / "evaluate.py"
    script.write_text(script.read_text() + "\nprint('edited')\n")
    code, edited, _ = run(export, "--param", "max_depth=3")
    assert states(edited) == {"load": "cached", "train": "cached", "evaluate": "done"}

    code, forced, _ = run(export, "--force")
    assert states(forced) == {"load": "done", "train": "done", "evaluate": "done"}


@pytest.mark.parametrize(
    ("param", "says"),
    [
        ("ghost=1", "not a parameter"),
        ("n_estimators=many", "is not a int"),
        ("n_estimators=1.5", "is not a int"),
        ("test_size=nan", "is not a float"),
        ("n_estimators", "not a parameter"),
    ],
)
def test_bad_parameters_are_refused_before_anything_runs(
    export: Path, param: str, says: str
) -> None:
    code, status, err = run(export, "--param", param)
    assert code == 2
    assert status is None
    assert says in err and "[E_BAD_REQUEST]" in err
    assert not (export / ".mlops-runs").exists()


def test_a_parameter_value_is_never_code(export: Path, tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    hostile = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    code, status, _ = run(export, "--param", f"data_path={hostile}")
    # The path is odd, the load step fails writing it or reads it back as
    # a file name; either way nothing executed it.
    assert status is not None
    assert not marker.exists()
    assert status["params"]["data_path"] == hostile


@pytest.mark.parametrize(
    "spoil",
    [
        lambda folder: (folder / "pipeline.json").unlink(),
        lambda folder: (folder / "pipeline.json").write_text("{not json"),
        lambda folder: (folder / "pipeline.json").write_text(
            json.dumps(
                {
                    **json.loads((folder / "pipeline.json").read_text()),
                    "edges": [["evaluate", "load"]],
                }
            )
        ),
    ],
)
def test_a_bad_export_is_refused_with_its_code(export: Path, spoil: Any) -> None:
    spoil(export)
    code, status, err = run(export)
    assert code == 2
    assert "[E_PIPELINE_INVALID]" in err
    assert status is None


def _sleeper(tmp_path: Path) -> Path:
    """An export of one step that starts a child and sleeps."""
    folder = tmp_path / "sleepy"
    (folder / "steps").mkdir(parents=True)
    ir = json.loads((EXPORT / "pipeline.json").read_text())
    ir.update(
        name="sleepy",
        parameters=[],
        metrics=[],
        shared="",
        edges=[],
        order=["nap"],
        requirements="",
    )
    ir["steps"] = [
        {
            **ir["steps"][0],
            "name": "nap",
            "inputs": {},
            "outputs": [],
            "parameters": [],
            "source": "",
        }
    ]
    (folder / "pipeline.json").write_text(json.dumps(ir))
    shutil.copy(EXPORT / "mlops_marshal.py", folder)
    (folder / "steps" / "nap.py").write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(120)\n"
    )
    return folder


@pytest.mark.timeout(60)
def test_cancel_stops_the_step_and_what_it_started(tmp_path: Path) -> None:
    folder = _sleeper(tmp_path)
    runner = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab_mlops.run", str(folder), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    runs = folder / ".mlops-runs"
    log: Path | None = None
    for _ in range(200):
        logs = list(runs.glob("*/logs/nap.log")) if runs.exists() else []
        if logs and logs[0].read_text().strip():
            log = logs[0]
            break
        time.sleep(0.05)
    assert log is not None, "the step never started"
    child = int(log.read_text().split()[0])
    runner.send_signal(signal.SIGTERM)
    out, _ = runner.communicate(timeout=30)
    assert runner.returncode == 1
    status = json.loads(out)
    assert status["state"] == "cancelled"
    assert status["steps"]["nap"]["state"] == "cancelled"
    # The step's own child went with it (one process group). Orphaned, it
    # may stay a zombie until init reaps it (in a container, never): that
    # is a process that ended.
    for _ in range(100):
        if not _alive(child):
            break
        time.sleep(0.1)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize(
    "expect",
    [
        "not json",
        "NaN",
        '{"metrics": {"accuracy": NaN}, "tolerance": 0.1}',
        '{"metrics": {"accuracy": 1}, "tolerance": -1}',
        '{"metrics": [], "tolerance": 0.1}',
    ],
)
def test_a_bad_expectation_is_refused_before_anything_runs(export: Path, expect: str) -> None:
    code, status, err = run(export, f"--expect={expect}")
    assert code == 2 and status is None
    assert "[E_BAD_REQUEST]" in err
    assert not (export / ".mlops-runs").exists()
