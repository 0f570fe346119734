"""POST /mlops/fs/read and /mlops/fs/write, including atomicity."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

import pytest

from .conftest import Api
from .helpers import b64, snapshot, temp_files, unb64


async def test_write_then_read_round_trips_bytes_and_creates_the_store(
    api: Api, store: Path
) -> None:
    payload = bytes(range(256)) * 3
    status, body = await api(
        "fs/write", {"path": "objects/ab/cdef", "data": b64(payload), "parents": True}
    )
    assert (status, body) == (200, {"path": "objects/ab/cdef", "size": len(payload)})
    assert (store / "objects" / "ab" / "cdef").read_bytes() == payload

    status, body = await api("fs/read", {"path": "objects/ab/cdef"})
    assert status == 200
    assert (body["path"], body["size"], unb64(body["data"])) == ("objects/ab/cdef", 768, payload)


async def test_write_replaces_an_existing_file(api: Api, store: Path) -> None:
    store.mkdir()
    (store / "tip").write_text("old")
    status, _ = await api("fs/write", {"path": "tip", "data": b64("new")})
    assert status == 200
    assert (store / "tip").read_text() == "new"
    assert temp_files(store) == []


async def test_write_and_read_an_empty_file(api: Api, store: Path) -> None:
    assert (await api("fs/write", {"path": "empty", "data": ""}))[0] == 200
    status, body = await api("fs/read", {"path": "empty"})
    assert (status, body["data"], body["size"]) == (200, "", 0)


async def test_write_accepts_a_255_byte_name(api: Api, store: Path) -> None:
    name = "n" * 255
    status, _ = await api("fs/write", {"path": name, "data": b64("x")})
    assert status == 200
    assert (store / name).read_text() == "x"


async def test_fullwidth_dots_are_an_ordinary_name(api: Api, store: Path) -> None:
    status, _ = await api("fs/write", {"path": "\uff0e\uff0e", "data": b64("x")})
    assert status == 200
    assert (store / "\uff0e\uff0e").read_text() == "x"


async def test_dot_components_are_dropped(api: Api, store: Path) -> None:
    status, body = await api("fs/write", {"path": "./a/./b.txt", "data": b64("x"), "parents": True})
    assert (status, body["path"]) == (200, "./a/./b.txt")
    assert (store / "a" / "b.txt").read_text() == "x"


async def test_write_without_parents_needs_the_folder(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    status, body = await api("fs/write", {"path": "missing/file", "data": b64("x")})
    assert (status, body["code"]) == (404, "E_NOT_FOUND")
    # Not even the store folder, created for the attempt, is left behind.
    assert snapshot(jp_root_dir) == before


async def test_write_exclusive_creates_but_never_replaces(api: Api, store: Path) -> None:
    body = {"path": "refs/x", "data": b64("first"), "exclusive": True, "parents": True}
    assert (await api("fs/write", body))[0] == 200
    status, err = await api("fs/write", {**body, "data": b64("second")})
    assert (status, err["code"]) == (409, "E_EXISTS")
    assert (store / "refs" / "x").read_text() == "first"
    assert temp_files(store) == []


async def test_write_onto_a_folder_fails_and_leaves_no_temp_file(api: Api, store: Path) -> None:
    (store / "dir").mkdir(parents=True)
    status, err = await api("fs/write", {"path": "dir", "data": b64("x")})
    assert (status, err["code"]) == (409, "E_IS_A_DIRECTORY")
    assert (store / "dir").is_dir()
    assert temp_files(store) == []


async def test_write_under_a_file_is_not_a_directory(api: Api, store: Path) -> None:
    store.mkdir()
    (store / "file").write_text("x")
    status, err = await api("fs/write", {"path": "file/child", "data": b64("y"), "parents": True})
    assert (status, err["code"]) == (409, "E_NOT_A_DIRECTORY")
    assert (store / "file").read_text() == "x"


@pytest.mark.parametrize("path", ["", "."], ids=["empty", "dot"])
async def test_write_of_the_store_itself_is_refused(api: Api, store: Path, path: str) -> None:
    store.mkdir()
    status, err = await api("fs/write", {"path": path, "data": b64("x")})
    assert (status, err["code"]) == (400, "E_STORE_ROOT")
    assert store.is_dir() and list(store.iterdir()) == []


async def test_read_errors(api: Api, store: Path) -> None:
    (store / "dir").mkdir(parents=True)
    assert [
        (status, err["code"])
        for status, err in [
            await api("fs/read", {"path": "nope"}),
            await api("fs/read", {"path": "dir"}),
            await api("fs/read", {"path": ""}),
        ]
    ] == [(404, "E_NOT_FOUND"), (409, "E_IS_A_DIRECTORY"), (409, "E_IS_A_DIRECTORY")]


async def test_read_of_a_fifo_does_not_hang(api: Api, store: Path) -> None:
    store.mkdir()
    os.mkfifo(store / "pipe")
    status, err = await api("fs/read", {"path": "pipe"})
    assert (status, err["code"]) == (500, "E_IO")


async def test_read_follows_a_symlink_inside_the_store(api: Api, store: Path) -> None:
    (store / "real").mkdir(parents=True)
    (store / "real" / "f").write_text("via link")
    (store / "alias").symlink_to("real")
    status, body = await api("fs/read", {"path": "alias/f"})
    assert (status, unb64(body["data"])) == (200, b"via link")


async def test_failed_write_keeps_the_old_content_and_no_temp_file(
    api: Api, store: Path, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.mkdir()
    (store / "config").write_text("old")

    def broken_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    before = snapshot(jp_root_dir, mtimes=False)
    status, err = await api("fs/write", {"path": "config", "data": b64("new")})
    assert (status, err["code"]) == (500, "E_IO")
    assert "EIO" in err["message"]
    status, err = await api("fs/write", {"path": "a/b/c", "data": b64("new"), "parents": True})
    assert (status, err["code"]) == (500, "E_IO")
    assert snapshot(jp_root_dir, mtimes=False) == before
    assert (store / "config").read_text() == "old"
    assert temp_files(jp_root_dir) == []


async def test_readers_see_the_old_or_the_new_content_never_a_mix(api: Api, store: Path) -> None:
    old, new = b"o" * (1 << 20), b"n" * (1 << 20)
    assert (await api("fs/write", {"path": "big", "data": b64(old)}))[0] == 200

    async def write(i: int) -> None:
        status, _ = await api("fs/write", {"path": "big", "data": b64(new if i % 2 else old)})
        assert status == 200

    async def read() -> bytes:
        status, body = await api("fs/read", {"path": "big"})
        assert status == 200
        return unb64(body["data"])

    tasks = [write(i) for i in range(12)] + [read() for _ in range(24)]
    results = await asyncio.gather(*tasks)
    seen = {data for data in results if data is not None}
    assert seen <= {old, new}
    assert temp_files(store) == []


async def test_a_slow_request_says_where_its_time_went(
    api: Api, store: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A snapshot was seen waiting 30 s on write-many in a long galata run:
    # a slow request logs its wait for a thread and its own work.
    from jupyterlab_mlops import base_handler

    monkeypatch.setattr(base_handler, "SLOW_REQUEST_S", 0.0)
    with caplog.at_level("WARNING"):
        status, _ = await api("fs/write", {"path": "x", "data": b64("y"), "parents": True})
    assert status == 200
    [message] = [r.getMessage() for r in caplog.records if "took" in r.getMessage()]
    assert "/mlops/fs/write took" in message and message.startswith("jupyterlab_mlops: POST ")
    assert "waiting for a thread" in message and "working" in message

    caplog.clear()
    monkeypatch.setattr(base_handler, "SLOW_REQUEST_S", 60.0)
    with caplog.at_level("WARNING"):
        await api("fs/write", {"path": "x", "data": b64("z")})
    assert not [r for r in caplog.records if "took" in r.getMessage()]
