"""`c.MlopsExtension.*` settings: store folder, body size and read-many limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .helpers import b64, snapshot


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """The extension with small limits and another store folder."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": {
            "store_dir": "data/store",
            "max_body_bytes": 1024,
            "max_read_many_paths": 3,
        },
    }


async def test_status_reports_the_configured_values(api: Api) -> None:
    status, body = await api("status", method="GET")
    assert status == 200
    assert body["storeDir"] == "data/store"
    assert body["limits"] == {"maxBodyBytes": 1024, "maxReadManyPaths": 3}


async def test_writes_land_in_the_configured_store(api: Api, jp_root_dir: Path) -> None:
    assert (await api("fs/write", {"path": "f", "data": b64("x")}))[0] == 200
    assert (jp_root_dir / "data" / "store" / "f").read_text() == "x"
    assert not (jp_root_dir / ".mlops").exists()


async def test_a_body_above_the_limit_is_refused(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    status, err = await api("fs/write", {"path": "big", "data": b64(b"x" * 1024)})
    assert (status, err["code"]) == (413, "E_BODY_TOO_LARGE")
    assert snapshot(jp_root_dir) == before
    # Just under the limit is fine.
    status, _ = await api("fs/write", {"path": "small", "data": b64(b"x" * 700)})
    assert status == 200


async def test_too_large_wins_over_bad_json(api: Api) -> None:
    status, err = await api("fs/write", raw=b"{" * 2000)
    assert (status, err["code"]) == (413, "E_BODY_TOO_LARGE")


async def test_read_many_path_count_limit(api: Api) -> None:
    status, body = await api("fs/read-many", {"paths": ["a", "b", "c"]})
    assert status == 200 and len(body["files"]) == 3
    status, err = await api("fs/read-many", {"paths": ["a", "b", "c", "d"]})
    assert (status, err["code"]) == (400, "E_BAD_REQUEST")
