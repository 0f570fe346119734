"""Shared by the pipeline route tests: the demo in a Jupyter root, synthetic exports, polling."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyterlab_mlops.run_cache import cache_secret, seal_status

from .conftest import Api

HERE = Path(__file__).parent
EXPORT = HERE / "data" / "wine_export"
DEMO_NOTEBOOK = HERE.parent.parent / "examples" / "wine_classifier.ipynb"
NB = "examples/wine_classifier.ipynb"
LOCAL = "examples/pipelines/wine_classifier/local"


def sealed(status: dict[str, Any]) -> dict[str, Any]:
    """A status as a runner of this user writes it: sealed with the per-user secret."""
    return seal_status(status, cache_secret())


def demo_notebook(root: Path) -> Path:
    """The demo notebook at `examples/wine_classifier.ipynb` under `root`."""
    target = root / NB
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEMO_NOTEBOOK, target)
    return target


def export_files(source: Path = EXPORT) -> dict[str, str]:
    """An export folder's files as the browser sends them (path → text)."""
    return {
        path.relative_to(source).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(source.rglob("*"))
        if path.is_file()
    }


def installed_demo(root: Path) -> Path:
    """The demo notebook with its local export in place; the export folder."""
    demo_notebook(root)
    folder = root / LOCAL
    shutil.copytree(EXPORT, folder)
    return folder


def synthetic_ir(name: str, notebook: str, steps: list[str], **fields: Any) -> dict[str, Any]:
    """A valid IR of steps that run one after the other and hand nothing on."""
    ir = json.loads((EXPORT / "pipeline.json").read_text())
    template = ir["steps"][0]
    ir.update(
        {
            "name": name,
            "notebook": {"path": notebook, "contentHash": "c" * 64},
            "parameters": [],
            "metrics": [],
            "shared": "",
            "edges": [[a, b] for a, b in zip(steps, steps[1:], strict=False)],
            "order": list(steps),
            "requirements": "",
            **fields,
        }
    )
    ir["steps"] = [
        {**template, "name": step, "inputs": {}, "outputs": [], "parameters": [], "source": ""}
        for step in steps
    ]
    return ir


def synthetic(
    root: Path,
    notebook: str,
    name: str,
    scripts: dict[str, str],
    parameters: list[dict[str, Any]] | None = None,
) -> Path:
    """A notebook (empty) with a local export whose steps are `scripts` (name → code)."""
    nb = root / notebook
    nb.parent.mkdir(parents=True, exist_ok=True)
    if not nb.exists():
        nb.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    folder = nb.parent / "pipelines" / name / "local"
    (folder / "steps").mkdir(parents=True)
    ir = synthetic_ir(name, notebook, list(scripts), parameters=parameters or [])
    (folder / "pipeline.json").write_text(json.dumps(ir))
    shutil.copy(EXPORT / "mlops_marshal.py", folder)
    for step, code in scripts.items():
        (folder / "steps" / f"{step}.py").write_text(code)
    return folder


#: A step that starts a child, prints its pid, and sleeps (cancel tests).
NAP = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(300)\n"
)


def sleeper(root: Path) -> Path:
    """`examples/sleepy.ipynb` whose local export's one step naps (see `NAP`)."""
    return synthetic(root, "examples/sleepy.ipynb", "sleepy", {"nap": NAP})


def run_route(run: str, *rest: str) -> str:
    """The route of a run (its id URL-escaped as one path segment)."""
    return "/".join(["pipeline", "runs", quote(run, safe=""), *rest])


async def status_of(api: Api, notebook: str, run: str) -> dict[str, Any]:
    code, status = await api(run_route(run), method="GET", params={"notebook": notebook})
    assert code == 200, status
    return status


async def wait_for(
    api: Api, notebook: str, run: str, *, until: Any, timeout: float = 240
) -> dict[str, Any]:
    """Poll a run's status until `until(status)`; the status."""
    deadline = time.monotonic() + timeout
    while True:
        status = await status_of(api, notebook, run)
        if until(status):
            return status
        assert time.monotonic() < deadline, f"run {run} stuck: {status}"
        await asyncio.sleep(0.1)


def finished(status: dict[str, Any]) -> bool:
    return status["state"] != "running"


async def first_line(api: Api, notebook: str, run: str, step: str) -> str:
    """Wait for the step's log to hold a line; that line."""
    for _ in range(600):
        code, log = await api(
            run_route(run, "log"),
            method="GET",
            params={"notebook": notebook, "step": step, "offset": "0"},
        )
        assert code == 200, log
        if "\n" in log["text"]:
            return log["text"].split("\n")[0]
        await asyncio.sleep(0.1)
    raise AssertionError("the step never printed")


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def gone(pid: int, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
