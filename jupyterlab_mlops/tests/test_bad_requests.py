"""Malformed bodies: bad JSON, wrong shapes, wrong types, bad base64."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .helpers import b64, snapshot

OK = b64("data")

BAD_JSON = [
    pytest.param(b"", id="empty-body"),
    pytest.param(b"{", id="truncated"),
    pytest.param(b"{'path': 'x'}", id="single-quotes"),
    pytest.param(b'{"path": "x",}', id="trailing-comma"),
    pytest.param(b"[]", id="array"),
    pytest.param(b'"path"', id="string"),
    pytest.param(b"null", id="null"),
    pytest.param(b"42", id="number"),
    pytest.param(b'{"path": "x", "data": NaN}', id="nan"),
    pytest.param(b'{"path": "x", "path": "y", "data": ""}', id="duplicate-key"),
    pytest.param(b'{"path": "\xff", "data": ""}', id="invalid-utf8"),
]


@pytest.mark.parametrize("raw", BAD_JSON)
async def test_bad_json_is_refused(api: Api, jp_root_dir: Path, raw: bytes) -> None:
    before = snapshot(jp_root_dir)
    status, err = await api("fs/write", raw=raw)
    assert (status, err["code"]) == (400, "E_BAD_JSON")
    assert set(err) == {"code", "message"}
    assert snapshot(jp_root_dir) == before


BAD_FIELDS = [
    pytest.param("fs/read", {}, id="read-missing-path"),
    pytest.param("fs/write", {"path": "x"}, id="write-missing-data"),
    pytest.param("fs/write", {"data": OK}, id="write-missing-path"),
    pytest.param("fs/unlock", {"path": "x"}, id="unlock-missing-token"),
    pytest.param("fs/read-many", {}, id="read-many-missing-paths"),
    pytest.param("fs/read", {"path": "x", "extra": 1}, id="read-unknown-field"),
    pytest.param("fs/write", {"path": "x", "data": OK, "mode": 420}, id="write-unknown-field"),
    pytest.param("fs/read", {"path": "x", "Path": "y"}, id="read-field-case"),
    pytest.param("fs/read", {"path": 1}, id="path-number"),
    pytest.param("fs/read", {"path": None}, id="path-null"),
    pytest.param("fs/read", {"path": ["x"]}, id="path-array"),
    pytest.param("fs/read", {"path": {"p": "x"}}, id="path-object"),
    pytest.param("fs/read", {"path": "x", "store": None}, id="store-null"),
    pytest.param("fs/read", {"path": "x", "store": 7}, id="store-number"),
    pytest.param("fs/write", {"path": "x", "data": 1}, id="data-number"),
    pytest.param("fs/write", {"path": "x", "data": OK, "exclusive": 1}, id="exclusive-int"),
    pytest.param("fs/write", {"path": "x", "data": OK, "parents": "yes"}, id="parents-string"),
    pytest.param("fs/stat", {"path": "x", "follow": 0}, id="follow-int"),
    pytest.param("fs/rm", {"path": "x", "recursive": None}, id="recursive-null"),
    pytest.param("fs/lock", {"path": "x", "ttlMs": False}, id="ttl-bool"),
    pytest.param("fs/write", {"path": "x", "data": "not base64!"}, id="base64-bad-chars"),
    pytest.param("fs/write", {"path": "x", "data": "ZGF0YQ"}, id="base64-no-padding"),
    pytest.param("fs/write", {"path": "x", "data": "ZGF0\nYQ=="}, id="base64-newline"),
    pytest.param("fs/write", {"path": "x", "data": "ZGF0YQ==ZA=="}, id="base64-two-chunks"),
    pytest.param("fs/write", {"path": "x", "data": "ZGF0YQ\u00e9="}, id="base64-non-ascii"),
]


@pytest.mark.parametrize(("route", "body"), BAD_FIELDS)
async def test_bad_fields_are_refused(
    api: Api, jp_root_dir: Path, route: str, body: dict[str, Any]
) -> None:
    (jp_root_dir / ".mlops").mkdir()
    (jp_root_dir / ".mlops" / "x").write_text("keep")
    before = snapshot(jp_root_dir)
    status, err = await api(route, body)
    assert (status, err["code"]) == (400, "E_BAD_REQUEST")
    assert err["message"]
    assert snapshot(jp_root_dir) == before
