"""The demo notebook in examples/: valid, tagged for pipelines, and runs offline."""

import ast
import json
import re
import shutil
import sys
from pathlib import Path

import nbclient
import nbformat

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NOTEBOOK = EXAMPLES / "wine_classifier.ipynb"

# Kale-compatible tag vocabulary (DESIGN.md, "Pipelines").
TAG_RE = re.compile(
    r"^(imports|functions|pipeline-parameters|parameters|pipeline-metrics|metrics|skip"
    r"|(step|block|prev):[a-z0-9_-]+)$"
)
PROBE = "import sys\nprint('KERNEL_PREFIX=' + sys.prefix)"


def read_notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def tags(cell) -> list[str]:
    return list(cell.metadata.get("tags", []))


def cell_tagged(nb, tag: str):
    found = [cell for cell in nb.cells if tag in tags(cell)]
    assert len(found) == 1, f"expected exactly one cell tagged {tag!r}, found {len(found)}"
    return found[0]


def stdout_of(cell) -> str:
    return "".join(
        out.get("text", "")
        for out in cell.get("outputs", [])
        if out.output_type == "stream" and out.name == "stdout"
    )


def test_notebook_is_valid_and_clean():
    nb = read_notebook()
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [cell.id for cell in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "cell ids must be present and unique"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {cell.id} has saved outputs"
            assert cell.execution_count is None, f"cell {cell.id} has an execution count"


def test_tags_follow_kale_vocabulary():
    nb = read_notebook()
    assert nb.cells[0].cell_type == "markdown"
    for cell in nb.cells:
        for tag in tags(cell):
            assert TAG_RE.match(tag), f"cell {cell.id}: tag {tag!r} is not in the vocabulary"

    order = [
        cell_tagged(nb, "imports"),
        cell_tagged(nb, "parameters"),
        cell_tagged(nb, "step:load"),
        cell_tagged(nb, "step:train"),
        cell_tagged(nb, "step:evaluate"),
        cell_tagged(nb, "pipeline-metrics"),
    ]
    positions = [nb.cells.index(cell) for cell in order]
    assert positions == sorted(positions), "cells are out of pipeline order"
    assert all(cell.cell_type == "code" for cell in order)

    # Only the alias `parameters` is used, not both spellings.
    assert not any("pipeline-parameters" in tags(cell) for cell in nb.cells)
    assert not any("prev:" in tag for tag in tags(cell_tagged(nb, "step:load")))
    assert "prev:load" in tags(cell_tagged(nb, "step:train"))
    assert "prev:train" in tags(cell_tagged(nb, "step:evaluate"))


def test_parameters_are_simple_literal_assignments():
    source = cell_tagged(read_notebook(), "parameters").source
    params = {}
    for node in ast.parse(source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1
        assert isinstance(node.targets[0], ast.Name)
        params[node.targets[0].id] = ast.literal_eval(node.value)
    assert params == {
        "n_estimators": 50,
        "max_depth": 2,
        "test_size": 0.25,
        "random_state": 42,
        "data_path": "data/wine.csv",
        "model_path": "models/wine_rf.pkl",
    }


def test_metrics_cell_names_scalars_kale_style():
    body = ast.parse(cell_tagged(read_notebook(), "pipeline-metrics").source).body
    names = [n.value.id for n in body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Name)]
    assert names == ["accuracy", "f1_macro"]


def test_notebook_runs_offline(tmp_path):

    workdir = tmp_path / "examples"
    shutil.copytree(EXAMPLES, workdir, ignore=shutil.ignore_patterns("data", "models", ".*"))
    nb = nbformat.read(workdir / NOTEBOOK.name, as_version=4)
    # Probe (in memory only): the kernel must be this venv's Python, not another one.
    nb.cells.append(nbformat.v4.new_code_cell(PROBE, id="probe"))

    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()

    assert f"KERNEL_PREFIX={sys.prefix}" in stdout_of(nb.cells[-1])

    data_file = workdir / "data" / "wine.csv"
    model_file = workdir / "models" / "wine_rf.pkl"
    assert data_file.is_file()
    assert model_file.is_file() and model_file.stat().st_size > 0
    rows = data_file.read_text().splitlines()
    assert len(rows) == 1 + 178 and rows[0].endswith(",target")

    evaluate_out = stdout_of(cell_tagged(nb, "step:evaluate"))
    metrics = json.loads(evaluate_out.strip().splitlines()[-1])
    assert set(metrics) == {"accuracy", "f1_macro"}
    assert all(isinstance(v, float) for v in metrics.values())
    assert 0.8 <= metrics["accuracy"] <= 1.0
    assert 0.8 <= metrics["f1_macro"] <= 1.0
    # The human-readable line shows the same numbers.
    assert f"accuracy {metrics['accuracy']:.3f}" in evaluate_out
