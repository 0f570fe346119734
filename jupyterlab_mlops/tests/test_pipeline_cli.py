"""`jupyter mlops check|run`, and the content hash that `check` shares with the lab."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops.pipeline_hash import notebook_content_hash

from .pipeline_support import DEMO_NOTEBOOK, EXPORT, synthetic

REPO = Path(__file__).parent.parent.parent

#: Notebooks as JSON text (lone surrogates need JSON's escapes), and the
#: hashes src/notebook/health.ts gives them (`notebookContentHash(readCells(nb))`,
#: computed with the TypeScript compiled by tsc, run by node).
VECTORS = r"""[
 {"cells":[{"cell_type":"code","source":["a\n","b"]}]},
 5,
 {"cells":[1]},
 [1,2],
 {"cells":[[1]]},
 {"cells":[]},
 {},
 {"cells":{"a":1}},
 {"cells":[{"cell_type":null,"source":null},{"cell_type":7,"source":["a",1]},{"source":"x"},{"cell_type":"markdown"}]},
 {"cells":[{"cell_type":"code","source":"quote \" back \\ nl \n tab \t cr \r bs \b ff \f nul \u0000 us \u001f del \u007f ls \u2028 ps \u2029 é 漢 😀"}]},
 {"cells":[{"cell_type":"code","source":["\ud83d","\ude00"," lone \ud800 and \udfff and pair \ud83d\ude00"]},{"cell_type":"raw","source":"\udbff"}]},
 {"cells":[{"cell_type":"code","source":"</script><!-- & ' < >","outputs":[{"x":1}],"execution_count":3,"metadata":{"tags":["a"]}}]}
]"""  # noqa: E501
TS_HASHES = [
    "238a6ccfa60c0b3f729499c6b75183c249db0f9fc1eea0be90036747af454d02",
    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    "7405d2400bb23eebb045cd7b84e86a612d3a8b75ba8dd979c0d92017d2aefd2f",
    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    "7405d2400bb23eebb045cd7b84e86a612d3a8b75ba8dd979c0d92017d2aefd2f",
    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
    "0674bcad1b0b535c804db5fcf73fbdb6aa64cb06815510f362896a2283f50e04",
    "8ad7364b83b63b4e5d1fe8ca2badb3ed7bc831c2e8ebd5ada6ce4e828a5d3ae8",
    "13326b26885cc592b87064249bec53eb47c170c2ff1098b81680ed822e044c3f",
    "f19dbe8de3b628a4414d857b264b94670c5a9ea37de4c979b21bdeddc547e3aa",
]


def test_the_content_hash_is_the_labs_on_every_kind_of_input() -> None:
    assert [notebook_content_hash(nb) for nb in json.loads(VECTORS)] == TS_HASHES


HASH_JS = """
const { readCells } = require('./notebook/cells');
const { notebookContentHash } = require('./notebook/health');
const fs = require('fs');
const notebooks = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(notebooks.map(nb => notebookContentHash(readCells(nb)))));
"""


@pytest.mark.timeout(300)
def test_the_content_hash_is_what_the_typescript_computes_now(tmp_path: Path) -> None:
    # The TypeScript as it is in src/ today, compiled and run (skipped without node).
    node, tsc = shutil.which("node"), REPO / "node_modules" / ".bin" / "tsc"
    if node is None or not tsc.exists():
        pytest.skip("needs node and the repository's node_modules")
    out = tmp_path / "js"
    sources = [REPO / "src" / "notebook" / name for name in ("cells.ts", "health.ts")]
    subprocess.run(
        [str(tsc), "--outDir", str(out), "--rootDir", str(REPO / "src"), "--module", "commonjs"]
        + ["--target", "ES2022", "--moduleResolution", "node", "--esModuleInterop"]
        + ["--skipLibCheck", "--lib", "ES2022,DOM", *map(str, sources)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    (out / "hash.js").write_text(HASH_JS)
    notebooks = [*json.loads(VECTORS), json.loads(DEMO_NOTEBOOK.read_text())]
    done = subprocess.run(
        [node, str(out / "hash.js")],
        input=json.dumps(notebooks).encode(),
        env={**os.environ, "NODE_PATH": str(REPO / "node_modules")},
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert json.loads(done.stdout) == [notebook_content_hash(nb) for nb in notebooks]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jupyterlab_mlops.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    """The demo notebook and its export, its content hash made current."""
    notebook = tmp_path / "proj" / "wine_classifier.ipynb"
    folder = tmp_path / "proj" / "pipelines" / "wine_classifier" / "local"
    shutil.copytree(EXPORT, folder)
    shutil.copy(DEMO_NOTEBOOK, notebook)
    ir = json.loads((folder / "pipeline.json").read_text())
    ir["notebook"]["contentHash"] = notebook_content_hash(json.loads(notebook.read_text()))
    (folder / "pipeline.json").write_text(json.dumps(ir))
    return {"notebook": notebook, "folder": folder}


def test_check_passes_a_fresh_export_and_fails_a_stale_one(project: dict[str, Path]) -> None:
    notebook, folder = project["notebook"], project["folder"]
    done = cli("check", str(notebook), str(folder))
    assert done.returncode == 0, done.stderr
    assert "fresh" in done.stdout
    # Outputs and execution counts are not content.
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["execution_count"] = 99
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    notebook.write_text(json.dumps(nb))
    assert cli("check", str(notebook), str(folder)).returncode == 0
    # A changed cell is.
    nb["cells"][-1]["source"] = "print('changed')\n"
    notebook.write_text(json.dumps(nb))
    done = cli("check", str(notebook), str(folder))
    assert done.returncode == 1
    assert "stale" in done.stderr and "export the pipeline again" in done.stderr


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (lambda p: p["notebook"].unlink(), "cannot read the notebook"),
        (lambda p: p["notebook"].write_text("{not json"), "not a notebook"),
        (lambda p: p["notebook"].write_bytes(b'{"cells": "\xff"}'), "not a notebook"),
        (lambda p: p["notebook"].write_text('{"worksheets": []}'), "no cells list"),
        (lambda p: shutil.rmtree(p["folder"]), "not an export folder"),
        (lambda p: (p["folder"] / "pipeline.json").unlink(), "[E_PIPELINE_INVALID]"),
        (lambda p: (p["folder"] / "pipeline.json").write_text("[]"), "[E_PIPELINE_INVALID]"),
    ],
)
def test_check_says_what_it_cannot_read(project: dict[str, Path], spoil: Any, says: str) -> None:
    spoil(project)
    done = cli("check", str(project["notebook"]), str(project["folder"]))
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr


def test_check_needs_its_two_arguments() -> None:
    done = cli("check", "only-one.ipynb")
    assert done.returncode == 2 and "usage" in done.stderr
    assert cli().returncode == 2


def test_jupyter_finds_the_mlops_command(project: dict[str, Path], tmp_path: Path) -> None:
    jupyter = shutil.which("jupyter") or str(Path(sys.executable).parent / "jupyter")
    if not Path(jupyter).exists():
        pytest.skip("no jupyter command")
    # What the console script of pyproject.toml installs, for a checkout
    # installed without it.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "jupyter-mlops"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m jupyterlab_mlops.cli "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(
        [jupyter, "mlops", "check", str(project["notebook"]), str(project["folder"])],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "fresh" in done.stdout


def test_jupyter_mlops_run_is_the_runner(tmp_path: Path) -> None:
    folder = synthetic(tmp_path, "nb.ipynb", "hello", {"say": "print('hello')\n"})
    done = cli("run", str(folder), "--json", "--run-id", "20250102-030405-a1b2c3")
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    assert status["run"] == "20250102-030405-a1b2c3" and status["state"] == "done"
    assert status["runner"]["pid"] > 1 and status["runner"]["startTicks"] > 0
    logs = folder / ".mlops-runs" / status["run"] / "logs"
    assert (logs / "say.log").read_text() == "hello\n"
    # An id is used once, and has one shape.
    again = cli("run", str(folder), "--run-id", "20250102-030405-a1b2c3")
    assert again.returncode == 2 and "[E_BAD_REQUEST]" in again.stderr
    for bad in ("../x", "x" * 300, "20250102-030405-A1B2C3"):
        refused = cli("run", str(folder), "--run-id", bad)
        assert refused.returncode == 2 and "[E_BAD_REQUEST]" in refused.stderr
    runs = sorted(p.name for p in (folder / ".mlops-runs").iterdir())
    assert runs == sorted([status["run"], "active.lock"])
