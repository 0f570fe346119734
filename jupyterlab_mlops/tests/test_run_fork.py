"""Steps forked from a runner that imported the shared modules once (run_fork.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops.run_fork import preload, shared_modules

EXPORT = Path(__file__).parent / "data" / "wine_export"


def one_step_export(tmp_path: Path, script: str, shared: str = "") -> Path:
    """An export of one step `only` whose script is `script`, in proj/pipelines/p/local."""
    folder = tmp_path / "proj" / "pipelines" / "p" / "local"
    (folder / "steps").mkdir(parents=True)
    ir = json.loads((EXPORT / "pipeline.json").read_text())
    ir.update(name="p", parameters=[], metrics=["answer"], shared=shared, edges=[], order=["only"])
    ir["steps"] = [
        {**ir["steps"][0], "name": "only", "inputs": {}, "outputs": [], "parameters": []}
    ]
    (folder / "pipeline.json").write_text(json.dumps(ir))
    shutil.copy(EXPORT / "mlops_marshal.py", folder)
    (folder / "steps" / "only.py").write_text(script)
    return folder


def run(folder: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, "-m", "jupyterlab_mlops.run", str(folder), "--json", "--force", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, json.loads(done.stdout), done.stderr


def log_of(folder: Path, status: dict[str, Any]) -> str:
    return (folder / ".mlops-runs" / status["run"] / "logs" / "only.log").read_text()


@pytest.mark.parametrize("mode", [[], ["--no-fork"]])
def test_a_forked_step_runs_as_python_would_run_its_script(tmp_path: Path, mode: list[str]) -> None:
    script = (
        "import atexit, os, sys\n"
        "atexit.register(lambda: print('atexit ran'))\n"
        "print('cwd', os.getcwd())\n"
        "print('main', __name__, os.path.basename(sys.argv[0]))\n"
        "print('stdin', repr(sys.stdin.read()))\n"
        "print('env', os.environ['MLOPS_OUTPUTS'].endswith('.partial'))\n"
        "print('to stderr', file=sys.stderr)\n"
        "here = os.path.dirname(os.path.abspath(__file__))\n"
        "print('path', any(os.path.abspath(p or '.') in (here, os.path.dirname(here))"
        " for p in sys.path))\n"
    )
    folder = one_step_export(tmp_path, script)
    code, status, err = run(folder, *mode)
    assert code == 0, err
    log = log_of(folder, status)
    # The notebook's folder; __main__; stdin empty; its environment; both streams.
    assert f"cwd {tmp_path / 'proj'}" in log
    assert "main __main__ only.py" in log
    assert "stdin ''" in log
    assert "env True" in log
    assert "to stderr" in log
    # Unlike `python script`: nothing of the export on the path (a module
    # planted beside the scripts would run).
    assert "path False" in log
    assert log.rstrip().endswith("atexit ran")


@pytest.mark.parametrize(
    ("script", "exit_code", "says"),
    [
        ("import sys\nsys.exit(3)\n", 3, ""),
        ("import sys\nsys.exit('no data')\n", 1, "no data"),
        ("raise ValueError('bad x')\n", 1, "ValueError: bad x"),
        ("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", -9, ""),
    ],
)
@pytest.mark.parametrize("mode", [[], ["--no-fork"]])
def test_a_failing_step_fails_the_same_way_forked_or_not(
    tmp_path: Path, mode: list[str], script: str, exit_code: int, says: str
) -> None:
    folder = one_step_export(tmp_path, script)
    code, status, _ = run(folder, *mode)
    assert code == 1
    assert status["steps"]["only"]["state"] == "failed"
    assert status["steps"]["only"]["exitCode"] == exit_code
    assert says in log_of(folder, status)


def test_the_demo_gives_the_same_metrics_forked_or_not(tmp_path: Path) -> None:
    folder = tmp_path / "proj" / "pipelines" / "wine_classifier" / "local"
    shutil.copytree(EXPORT, folder)
    forked = run(folder)
    spawned = run(folder, "--no-fork")
    assert forked[0] == spawned[0] == 0, (forked[2], spawned[2])
    assert forked[1]["metrics"] == spawned[1]["metrics"]
    assert set(forked[1]["metrics"]) == {"accuracy", "f1_macro"}


def test_the_shared_modules_are_only_imported_never_run(tmp_path: Path) -> None:
    shared = (
        "import json, os.path as p\n"
        "from collections import OrderedDict\n"
        "from . import nothing\n"
        "import no_such_module_here\n"
        "open('RAN', 'w').write('the shared code ran in the runner')\n"
        "def f():\n    import email\n"
    )
    assert shared_modules(shared) == ["json", "os.path", "collections", "no_such_module_here"]
    assert shared_modules("def (:") == []
    (tmp_path / "noisy.py").write_text("print('imported noisily')\n")
    assert preload(["noisy", "no_such_module_here", "json"], tmp_path) == ["noisy", "json"]
    # The runner's own output stays its own (JSON): a module printing at
    # import, the notebook's code never run by the runner.
    folder = one_step_export(tmp_path, "answer = 42\n", shared="import noisy\n" + shared)
    (tmp_path / "proj" / "noisy.py").write_text("print('imported noisily')\n")
    code, status, err = run(folder)
    assert code == 0, err
    assert not (tmp_path / "proj" / "RAN").exists()
    # The step's own script ran (the shared code is its export's to run).
    assert status["steps"]["only"]["state"] == "done"
