"""GET /mlops/status."""

from __future__ import annotations

from pathlib import Path

from jupyterlab_mlops import __version__

from .conftest import Api


async def test_status_reports_version_store_capabilities_and_limits(api: Api, store: Path) -> None:
    status, body = await api("status", method="GET")
    assert status == 200
    assert body == {
        "version": __version__,
        "storeDir": ".mlops",
        "storeExists": False,
        "capabilities": [
            "fs",
            "read-many",
            "write-many",
            "commit",
            "write-blob",
            "lock",
            "hash",
            "project-git",
            "store-init",
            "store-sync",
            "store-index",
            "store-delete-ref",
        ],
        "limits": {"maxBodyBytes": 32 * 1024 * 1024, "maxReadManyPaths": 1000},
    }
    assert not store.exists(), "status must not create the store"


async def test_status_sees_an_existing_store(api: Api, store: Path) -> None:
    store.mkdir()
    status, body = await api("status", method="GET")
    assert status == 200
    assert body["storeExists"] is True


async def test_status_accepts_another_store(api: Api, jp_root_dir: Path) -> None:
    (jp_root_dir / "team" / "store").mkdir(parents=True)
    status, body = await api("status", method="GET", params={"store": "team/store"})
    assert status == 200
    assert (body["storeDir"], body["storeExists"]) == ("team/store", True)
