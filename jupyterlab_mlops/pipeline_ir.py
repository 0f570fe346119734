"""Reading `pipeline.json`, the pipeline IR the frontend writes (src/pipeline/ir.ts).

The IR is untrusted input: an export folder can be edited, copied from
elsewhere or planted. It is read with a size cap, parsed as strict JSON
(no NaN, no repeated keys), validated against the JSON Schema shipped with
the package (`schemas/pipeline.schema.json`, generated from the zod schema)
and then checked for what a schema cannot say: step names once, edges and
the run order between known steps, no cycle, inputs produced by a step.
Any failure is `E_PIPELINE_INVALID` naming what is wrong; nothing in the
IR is ever executed here.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .errors import MlopsError

#: The IR version this code reads.
PIPELINE_IR_VERSION = 1
#: A bigger `pipeline.json` is not one we wrote (the schema caps each part).
MAX_IR_BYTES = 8 * 1024 * 1024  # an export's file is at most 8 MiB (pipeline_export)
#: At most this many schema errors are named.
_SHOWN_ERRORS = 5


@cache
def _validator() -> Draft202012Validator:
    text = resources.files(__package__).joinpath("schemas/pipeline.schema.json").read_text()
    schema = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _invalid(message: str, **data: Any) -> MlopsError:
    return MlopsError("E_PIPELINE_INVALID", message, data or None)


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _invalid("pipeline.json repeats a key in one object")
    return dict(pairs)


def _no_constant(name: str) -> Any:
    raise _invalid(f"pipeline.json holds {name}, which is not JSON")


def finite_float(text: str) -> float:
    """A JSON number as a float; `1e999` (infinite) is no JSON number here."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:40]} is out of range")
    return value


def parse_pipeline(raw: bytes) -> dict[str, Any]:
    """Validate an IR document given as bytes; the document, or `E_PIPELINE_INVALID`."""
    if len(raw) > MAX_IR_BYTES:
        raise _invalid(f"pipeline.json is over {MAX_IR_BYTES} bytes")
    try:
        document = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_repeats,
            parse_constant=_no_constant,
            parse_float=finite_float,
        )
    except UnicodeDecodeError:
        raise _invalid("pipeline.json is not UTF-8") from None
    except RecursionError:
        raise _invalid("pipeline.json nests too deep") from None
    except json.JSONDecodeError as err:
        raise _invalid(f"pipeline.json is not JSON: {err.msg} (line {err.lineno})") from None
    if not isinstance(document, dict):
        raise _invalid("pipeline.json is not an object")
    if document.get("schemaVersion") != PIPELINE_IR_VERSION:
        raise _invalid(
            f"pipeline.json is version {document.get('schemaVersion')!r}; "
            f"this package reads version {PIPELINE_IR_VERSION}: export it again"
        )
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        shown = [
            f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message[:200]}"
            for error in errors[:_SHOWN_ERRORS]
        ]
        raise _invalid("pipeline.json does not match its schema: " + "; ".join(shown))
    _check_graph(document)
    return document


def load_pipeline(folder: Path) -> dict[str, Any]:
    """The validated IR of an export folder (`<folder>/pipeline.json`)."""
    path = folder / "pipeline.json"
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_IR_BYTES + 1)
    except FileNotFoundError:
        raise _invalid("no pipeline.json in this folder: export the pipeline first") from None
    except OSError as err:
        raise _invalid(f"pipeline.json cannot be read ({err.strerror})") from None
    return parse_pipeline(raw)


def _check_graph(document: dict[str, Any]) -> None:
    """What the schema cannot say: names once, known steps, one order, no cycle."""
    steps = document["steps"]
    names = [step["name"] for step in steps]
    if len(set(names)) != len(names):
        raise _invalid("a step name repeats")
    known = set(names)
    parents: dict[str, set[str]] = {name: set() for name in names}
    for parent, child in document["edges"]:
        if parent not in known or child not in known:
            raise _invalid(f"the edge {parent} → {child} names an unknown step")
        parents[child].add(parent)
    order = document["order"]
    if sorted(order) != sorted(names):
        raise _invalid("order must list every step once")
    done: set[str] = set()
    for name in order:
        if not parents[name] <= done:
            raise _invalid(f"order runs {name} before a step it follows (or the steps circle)")
        done.add(name)
    for step in steps:
        for variable, producer in step["inputs"].items():
            if producer not in known or producer == step["name"]:
                raise _invalid(f"step {step['name']} takes {variable} from no other step")
