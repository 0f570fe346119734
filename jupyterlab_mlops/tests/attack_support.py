"""Shared by the attack tests (test_pipeline_attacks.py, test_pipeline_forgery.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .pipeline_support import sealed

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
