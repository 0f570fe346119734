"""Reading pipeline.json: the demo's IR, and every kind of bad input."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.pipeline_ir import MAX_IR_BYTES, load_pipeline, parse_pipeline

DEMO = Path(__file__).parent / "data" / "wine_classifier.pipeline.json"


def demo() -> dict[str, Any]:
    return json.loads(DEMO.read_text())


def refused(raw: bytes) -> str:
    with pytest.raises(MlopsError) as caught:
        parse_pipeline(raw)
    assert caught.value.code == "E_PIPELINE_INVALID"
    return caught.value.message


def test_the_demo_ir_the_frontend_builds_is_read() -> None:
    document = parse_pipeline(DEMO.read_bytes())
    assert [step["name"] for step in document["steps"]] == ["load", "train", "evaluate"]
    assert document["order"] == ["load", "train", "evaluate"]
    assert {"name": "n_estimators", "type": "int", "default": 50} in document["parameters"]


def test_a_folder_is_read_and_a_missing_file_named(tmp_path: Path) -> None:
    with pytest.raises(MlopsError) as caught:
        load_pipeline(tmp_path)
    assert caught.value.code == "E_PIPELINE_INVALID"
    assert "export the pipeline first" in caught.value.message
    (tmp_path / "pipeline.json").write_bytes(DEMO.read_bytes())
    assert load_pipeline(tmp_path)["name"] == "wine_classifier"


def _spoil(change: Callable[[dict[str, Any]], Any]) -> bytes:
    document = copy.deepcopy(demo())
    change(document)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("why", "change", "says"),
    [
        ("unknown key", lambda d: d.update(extra=1), "extra"),
        ("newer version", lambda d: d.update(schemaVersion=2), "version 2"),
        ("no version", lambda d: d.pop("schemaVersion"), "version None"),
        (
            "code as a step name",
            lambda d: d["steps"][0].update(name="__import__('os').system('id')"),
            "steps/0/name",
        ),
        ("dotted parameter", lambda d: d["parameters"][0].update(name="os.system"), "name"),
        (
            "parameter type",
            lambda d: d["parameters"][0].update(type="object"),
            "parameters/0/type",
        ),
        ("data out of folder", lambda d: d["steps"][0].update(data=["../../x"]), "data"),
        ("absolute data", lambda d: d["steps"][0].update(data=["/etc/passwd"]), "data"),
        ("image on two lines", lambda d: d["steps"][0].update(image="a\nRUN x"), "image"),
        ("short hash", lambda d: d["notebook"].update(contentHash="abc"), "contentHash"),
        ("no steps", lambda d: d.update(steps=[]), "steps"),
        ("edge to nowhere", lambda d: d["edges"].append(["load", "ghost"]), "ghost"),
        ("step twice", lambda d: d["steps"].append(copy.deepcopy(d["steps"][0])), "repeats"),
        ("order short", lambda d: d["order"].pop(), "order"),
        ("order backwards", lambda d: d["order"].reverse(), "before a step it follows"),
        ("cycle", lambda d: d["edges"].append(["evaluate", "load"]), "circle"),
        (
            "input from itself",
            lambda d: d["steps"][1]["inputs"].update(X="train"),
            "from no other step",
        ),
        ("wrong type", lambda d: d.update(steps="all"), "steps"),
    ],
)
def test_bad_documents_are_refused_with_what_is_wrong(
    why: str, change: Callable[[dict[str, Any]], Any], says: str
) -> None:
    assert says in refused(_spoil(change)), why


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"", "not JSON"),
        (b"{", "not JSON"),
        (b"[]", "not an object"),
        (b'"x"', "not an object"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"a": NaN}', "NaN"),
        (b'{"a": 1, "a": 2}', "repeats a key"),
        (b"[" * 100_000 + b"]" * 100_000, "nests too deep"),
    ],
)
def test_malformed_bytes_are_refused(raw: bytes, says: str) -> None:
    assert says in refused(raw)


def test_an_oversized_document_is_refused_before_parsing(tmp_path: Path) -> None:
    assert "over" in refused(b" " * (MAX_IR_BYTES + 1))
    big = tmp_path / "pipeline.json"
    with big.open("wb") as out:
        out.truncate(MAX_IR_BYTES + 10)
    with pytest.raises(MlopsError) as caught:
        load_pipeline(tmp_path)
    assert "over" in caught.value.message


def test_a_folder_named_pipeline_json_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "pipeline.json").mkdir()
    with pytest.raises(MlopsError) as caught:
        load_pipeline(tmp_path)
    assert caught.value.code == "E_PIPELINE_INVALID"
