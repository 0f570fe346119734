"""Strict parsing of JSON request bodies against a small field schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .errors import MlopsError

Kind = Literal["str", "bool", "int", "str_list", "object", "int_or_null"]


@dataclass(frozen=True)
class Field:
    """One body field: its JSON kind, whether it is required, its default."""

    kind: Kind
    required: bool = False
    default: Any = None


#: The optional `store` field every POST body accepts.
STORE: dict[str, Field] = {"store": Field("str")}
#: The `path` field of every route that acts on one store path.
PATH: dict[str, Field] = {"path": Field("str", required=True)}


def _reject_constant(name: str) -> None:
    # Python's json accepts NaN and Infinity; JSON does not.
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Duplicate keys are ambiguous (which one wins differs between parsers).
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key!r}")
        obj[key] = value
    return obj


def parse_json_object(raw: bytes, content_length: str | None, max_bytes: int) -> dict[str, Any]:
    """Parse a request body that must be one JSON object of at most `max_bytes`.

    The size is checked from the Content-Length header and from the body
    itself before anything is parsed (`E_BODY_TOO_LARGE`); anything that is
    not a UTF-8 JSON object is `E_BAD_JSON`.
    """
    declared = int(content_length) if content_length and content_length.isdigit() else 0
    if declared > max_bytes or len(raw) > max_bytes:
        raise MlopsError("E_BODY_TOO_LARGE", f"request body is above {max_bytes} bytes")
    try:
        body = json.loads(
            raw.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise MlopsError("E_BAD_JSON", f"body is not valid JSON: {exc}") from None
    except RecursionError:
        # `[[[[…]]]]` thousands deep: no route takes anything nested that far.
        raise MlopsError("E_BAD_JSON", "body is nested too deeply") from None
    if not isinstance(body, dict):
        raise MlopsError("E_BAD_JSON", "body must be a JSON object")
    return body


def _has_kind(value: Any, kind: Kind) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("int", "int_or_null"):
        # JSON true is not 1.
        if value is None:
            return kind == "int_or_null"
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


_KIND_NAMES: dict[Kind, str] = {
    "str": "a string",
    "bool": "a boolean",
    "int": "an integer",
    "str_list": "an array of strings",
    "object": "an object",
    "int_or_null": "an integer or null",
}


def check_fields(body: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """Check `body` against `fields` and return it with defaults filled in.

    Unknown fields, missing required fields and wrong types (including
    `null`) are `E_BAD_REQUEST`.
    """
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise MlopsError("E_BAD_REQUEST", f"unknown field(s): {', '.join(unknown)}")
    checked: dict[str, Any] = {}
    for name, field in fields.items():
        if name not in body:
            if field.required:
                raise MlopsError("E_BAD_REQUEST", f"missing field: {name}")
            checked[name] = field.default
            continue
        if not _has_kind(body[name], field.kind):
            raise MlopsError("E_BAD_REQUEST", f"{name} must be {_KIND_NAMES[field.kind]}")
        checked[name] = body[name]
    return checked
