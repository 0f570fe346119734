"""Kale 2.3's own reading of notebooks, for the conformance test.

Run with the Python of a venv that has `kubeflow-kale==2.3.0` (the test
makes one): for each notebook path given, Kale's `NotebookProcessor` builds
its pipeline and this prints, as one JSON list, each notebook's steps with
their parents and the variables Kale passes into them (`ins`) and out of
them (`outs`), or the error Kale raised.

Kale 2.3 refuses what older notebooks carry, so it reads a translated copy:
Kale 1's `block:NAME` as `step:NAME`, a bare `block:` dropped, `prev:a:b`
as `prev:a` and `prev:b`; papermill's and our tags as Kale's
(`parameters` and `injected-parameters` as `pipeline-parameters`, `metrics`
as `pipeline-metrics`; a metrics cell Kale would refuse (code, or names
with `_`, which KFP metric names cannot have) as `skip`;
`data:PATH` dropped); and the notebook's
`kubeflow_notebook` settings of older Kale releases (`docker_image`,
`autosnapshot`, ...) left out. The cells and their order stay as they are.
"""

import json
import logging
import os
import re
import sys
import tempfile

import nbformat

logging.disable(logging.CRITICAL)

from kale.processors.nbprocessor import NotebookProcessor  # noqa: E402

OURS_TO_KALE = {
    "parameters": "pipeline-parameters",
    "injected-parameters": "pipeline-parameters",
    "metrics": "pipeline-metrics",
}


# A metric line as Kale 2.3 takes it: a name, or print(name), and names
# as KFP wants them (lowercase, digits and -, no _).
PRINTED_NAME = re.compile(r"^(?:print\(\s*)?[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\s*\))?$")


def kale_tags(tags, source):
    """The tags as Kale 2.3 spells them."""
    out = []
    for tag in tags:
        tag = tag.strip()
        if tag in ("metrics", "pipeline-metrics") and not all(
            PRINTED_NAME.match(line.strip())
            for line in source.splitlines()
            if line.strip() and not line.strip().startswith("#")
        ):
            # Our metrics cell may compute its metrics, or name them with
            # `_`; Kale's only names them, KFP's way.
            tag = "skip"
        if tag in OURS_TO_KALE:
            tag = OURS_TO_KALE[tag]
        if tag.startswith("data:") or tag == "block:":
            continue
        if tag.startswith("block:"):
            tag = "step:" + tag[len("block:") :]
        if tag.startswith("prev:") and tag.count(":") > 1:
            out.extend("prev:" + name for name in tag[len("prev:") :].split(":"))
            continue
        if tag not in out:
            out.append(tag)
    return out


def translated(path):
    """A copy of the notebook that Kale 2.3 accepts (see the docstring)."""
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    notebook.metadata.pop("kubeflow_notebook", None)
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags")
        if isinstance(tags, list):
            cell.metadata["tags"] = kale_tags(tags, cell.get("source", ""))
    handle, copy = tempfile.mkstemp(suffix=".ipynb")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        nbformat.write(notebook, out)
    return copy


def read(path):
    copy = translated(path)
    try:
        processor = NotebookProcessor(
            copy,
            nb_metadata_overrides={
                "experiment_name": "conformance",
                "pipeline_name": "conformance",
            },
        )
        pipeline = processor.run()
    except Exception as err:  # noqa: BLE001 - Kale's refusal is a result
        return {"path": path, "error": f"{type(err).__name__}: {err}"}
    finally:
        os.unlink(copy)
    steps = []
    for step in pipeline.steps:
        steps.append(
            {
                "name": step.name,
                "prev": sorted(pipeline.predecessors(step.name)),
                "ins": sorted(step.ins),
                "outs": sorted(step.outs),
            }
        )
    return {"path": path, "steps": steps}


if __name__ == "__main__":
    print(json.dumps([read(path) for path in sys.argv[1:]]))
