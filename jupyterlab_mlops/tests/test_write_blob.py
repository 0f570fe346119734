"""POST /mlops/fs/write-blob: a file's bytes, streamed, become the blob of their own name.

Against a real jupyter_server, and the git CLI to read what was written.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from .. import write_blob
from ..errors import MlopsError
from .conftest import Api
from .helpers import snapshot, temp_files

OCTETS = {"Content-Type": "application/octet-stream"}


def git(store: Path, *args: str, data: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", "--git-dir", str(store / "experiments.git"), *args],
        input=data,
        capture_output=True,
        check=True,
    ).stdout


def blob_oid(store: Path, data: bytes) -> str:
    return git(store, "hash-object", "--stdin", data=data).decode().strip()


def loose(store: Path, oid: str) -> Path:
    return store / "experiments.git" / "objects" / oid[:2] / oid[2:]


async def created(api: Api, store: Path) -> None:
    status, _ = await api("store/init", {})
    assert status == 200 and (store / "experiments.git" / "HEAD").is_file()


async def put(api: Api, data: bytes, **kw: Any) -> tuple[int, Any]:
    return await api("fs/write-blob", raw=data, headers={**OCTETS, **kw.pop("headers", {})}, **kw)


def settings(app: Any) -> Any:
    return app.web_app.settings


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"hello\n", id="small"),
        pytest.param(os.urandom(3 * 1024 * 1024 + 17), id="3-MiB-random"),
        pytest.param(b'{"cells": []}\n' * 200_000, id="2.8-MB-text"),
    ],
)
async def test_the_bytes_become_their_blob_which_git_reads(
    api: Api, store: Path, jp_serverapp: Any, data: bytes
) -> None:
    await created(api, store)
    status, body = await put(api, data)
    oid = blob_oid(store, data)
    assert (status, body) == (200, {"oid": oid, "size": len(data), "written": True})
    assert git(store, "cat-file", "blob", oid) == data
    # Stored at level 0 (zlib's stored blocks) until the deflater has run.
    write_blob.deflater(settings(jp_serverapp)).drain()
    git(store, "fsck", "--strict", "--no-dangling")
    assert git(store, "cat-file", "blob", oid) == data
    if len(data) >= write_blob.DEFLATE_LATER_BYTES and data[:1] == b"{":
        # Text deflates: the deflater replaced the stored copy.
        assert loose(store, oid).stat().st_size < len(data) // 10
    # Again: the sound copy is kept (the temp file the bytes streamed into
    # is removed: only the folder's mtime says it was there).
    before = snapshot(store, mtimes=False)
    status, body = await put(api, data)
    assert (status, body["written"]) == (200, False)
    assert snapshot(store, mtimes=False) == before
    assert temp_files(store) == []


async def test_a_corrupt_or_linked_copy_in_its_place_is_replaced(
    api: Api, store: Path, outside: Path
) -> None:
    await created(api, store)
    data = b"the real content\n"
    oid = blob_oid(store, data)
    target = loose(store, oid)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(zlib.compress(b"blob 5\x00wrong"))
    status, body = await put(api, data)
    assert (status, body["written"]) == (200, True)
    assert git(store, "cat-file", "blob", oid) == data
    # A symlink at the object's name to a file of the store is replaced,
    # never written through.
    (store / "other").write_text("keep")
    target.unlink()
    target.symlink_to(store / "other")
    status, body = await put(api, data)
    assert (status, body["written"]) == (200, True)
    assert not target.is_symlink() and (store / "other").read_text() == "keep"
    assert git(store, "cat-file", "blob", oid) == data
    # One leading out of the store is refused, as write-many refuses it.
    target.unlink()
    target.symlink_to(outside / "sentinel.txt")
    status, body = await put(api, data)
    assert (status, body["code"]) == (403, "E_PATH_OUTSIDE_ROOT"), body
    assert (outside / "sentinel.txt").read_text() == "do not touch"
    assert temp_files(store) == []


@pytest.mark.parametrize(
    ("headers", "params", "code"),
    [
        pytest.param({"Content-Type": "application/json"}, None, "E_BAD_REQUEST", id="json"),
        pytest.param({"Content-Type": "text/plain"}, None, "E_BAD_REQUEST", id="text"),
        pytest.param({}, {"path": "x"}, "E_BAD_REQUEST", id="unknown-argument"),
        pytest.param({}, {"store": "../outside"}, "E_PATH_INVALID", id="store-dot-dot"),
        pytest.param({}, {"store": "/etc"}, "E_PATH_INVALID", id="store-absolute"),
    ],
)
async def test_a_malformed_request_is_refused_and_nothing_is_written(
    api: Api,
    store: Path,
    jp_root_dir: Path,
    headers: dict[str, str],
    params: dict[str, str] | None,
    code: str,
) -> None:
    await created(api, store)
    before = snapshot(jp_root_dir)
    status, body = await put(api, b"data\n", headers=headers, params=params)
    assert 400 <= status < 500 and body["code"] == code, body
    assert snapshot(jp_root_dir) == before


async def test_a_body_over_the_limit_is_refused_with_its_code_and_nothing_written(
    api: Api, store: Path, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    await created(api, store)
    settings(jp_serverapp)["mlops"].max_write_many_inflated_bytes = 1024 * 1024
    before = snapshot(jp_root_dir)
    status, body = await put(api, os.urandom(1024 * 1024 + 1))
    assert (status, body["code"]) == (413, "E_BODY_TOO_LARGE")
    assert "max_write_many_inflated_bytes" in body["message"]
    assert snapshot(jp_root_dir) == before
    status, body = await put(api, os.urandom(1024 * 1024))
    assert (status, body["written"]) == (200, True)


async def test_without_a_store_repository_it_says_so(api: Api, store: Path) -> None:
    status, body = await put(api, b"x")
    assert (status, body["code"]) == (404, "E_NOT_FOUND")
    assert "store/init" in body["message"]
    assert not (store / "experiments.git").exists()


async def test_an_objects_folder_linked_elsewhere_is_refused(
    api: Api, store: Path, outside: Path
) -> None:
    await created(api, store)
    objects = store / "experiments.git" / "objects"
    os.rename(objects, outside / "objects")
    objects.symlink_to(outside / "objects")
    before = snapshot(outside)
    status, body = await put(api, b"x")
    assert status >= 400 and body["code"].startswith("E_"), body
    assert snapshot(outside) == before


async def raw_request(port: int, head: str, body: bytes, *, close_early: bool = False) -> bytes:
    """Send a request by hand; what the server answered (it may close before the body is sent)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head.encode() + b"\r\n" + body)
        await writer.drain()
    except (ConnectionResetError, BrokenPipeError):
        pass
    if close_early:
        writer.close()
        await writer.wait_closed()
        return b""
    try:
        answer = await asyncio.wait_for(reader.read(), 30)
    except ConnectionResetError:
        answer = b""
    writer.close()
    return answer


def head(base: str, token: str | None, length: int, extra: str = "") -> str:
    auth = f"Authorization: token {token}\r\n" if token else ""
    return (
        f"POST {base}mlops/fs/write-blob HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}"
        f"Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n"
        f"Connection: close\r\n{extra}"
    )


async def test_no_byte_of_an_unauthenticated_body_is_written(
    api: Api, store: Path, jp_root_dir: Path, jp_http_port: int, jp_base_url: str
) -> None:
    await created(api, store)
    before = snapshot(jp_root_dir)
    data = os.urandom(2 * 1024 * 1024)
    for token in (None, "not-the-token"):
        answer = await raw_request(jp_http_port, head(jp_base_url, token, len(data)), data)
        # Answered before the body was read (or the connection closed on it).
        assert answer == b"" or answer.startswith(b"HTTP/1.1 403"), answer[:200]
    assert snapshot(jp_root_dir) == before
    assert temp_files(store) == []


async def test_a_client_gone_mid_body_leaves_no_temp_file_and_no_object(
    api: Api, store: Path, jp_http_port: int, jp_base_url: str, jp_serverapp: Any
) -> None:
    await created(api, store)
    token = jp_serverapp.identity_provider.token
    data = os.urandom(4 * 1024 * 1024)
    await raw_request(
        jp_http_port, head(jp_base_url, token, len(data)), data[: len(data) // 2], close_early=True
    )
    for _ in range(50):
        await asyncio.sleep(0.1)
        if not temp_files(store) and settings(jp_serverapp)["mlops_blob_uploads"] == [0]:
            break
    assert temp_files(store) == []
    assert settings(jp_serverapp)["mlops_blob_uploads"] == [0]
    assert git(store, "count-objects").startswith(b"0 objects")
    # The route still works.
    status, body = await put(api, b"after\n")
    assert (status, body["written"]) == (200, True)


async def test_a_body_shorter_or_longer_than_said_is_refused(
    api: Api, store: Path, jp_http_port: int, jp_base_url: str, jp_serverapp: Any
) -> None:
    await created(api, store)
    token = jp_serverapp.identity_provider.token
    # Longer: tornado reads Content-Length bytes; the rest is a bad next request.
    answer = await raw_request(jp_http_port, head(jp_base_url, token, 4), b"12345678")
    assert answer.startswith(b"HTTP/1.1 200")
    assert b'"size": 4' in answer
    assert temp_files(store) == []
    # No Content-Length at all (chunked): refused with a code, nothing kept.
    chunked = (
        f"POST {jp_base_url}mlops/fs/write-blob HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: token {token}\r\nContent-Type: application/octet-stream\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n"
    )
    answer = await raw_request(jp_http_port, chunked, b"5\r\nhello\r\n0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400") and b"E_BAD_REQUEST" in answer
    assert temp_files(store) == []
    assert git(store, "count-objects").startswith(b"1 objects")


async def test_beyond_the_uploads_allowed_at_once_it_is_busy(
    api: Api, store: Path, jp_serverapp: Any
) -> None:
    await created(api, store)
    uploads = settings(jp_serverapp).setdefault("mlops_blob_uploads", [0])
    config = settings(jp_serverapp)["mlops"]
    uploads[0] = config.max_heavy_requests + config.max_heavy_queue
    try:
        status, body = await put(api, b"x")
        assert (status, body["code"]) == (429, "E_BUSY")
    finally:
        uploads[0] = 0
    status, body = await put(api, b"x")
    assert status == 200


async def test_the_deflater_leaves_what_is_not_its_object_alone(
    api: Api, store: Path, jp_serverapp: Any, outside: Path
) -> None:
    await created(api, store)
    data = b"y" * (2 * 1024 * 1024)
    oid = blob_oid(store, data)
    status, _ = await put(api, data)
    assert status == 200
    write_blob.deflater(settings(jp_serverapp)).drain()
    target = loose(store, oid)
    size = len(b"blob %d\x00" % len(data)) + len(data)
    # Already deflated: nothing to gain, left as it is.
    assert write_blob.deflate_again(_store(jp_serverapp), oid, size) is False
    # Another object in its place, or a link: left alone.
    target.unlink()
    target.write_bytes(zlib.compress(b"blob 1\x00z", 0))
    assert write_blob.deflate_again(_store(jp_serverapp), oid, size) is False
    target.unlink()
    target.symlink_to(outside / "sentinel.txt")
    with pytest.raises(MlopsError) as refused:
        write_blob.deflate_again(_store(jp_serverapp), oid, size)
    assert refused.value.code == "E_PATH_OUTSIDE_ROOT"
    assert (outside / "sentinel.txt").read_text() == "do not touch"


def _store(app: Any) -> Any:
    from ..paths import open_store

    return open_store(app.root_dir, ".mlops")


async def test_clients_gone_right_after_the_body_break_nothing(
    api: Api,
    store: Path,
    jp_http_port: int,
    jp_base_url: str,
    jp_serverapp: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Review finding: the event loop closed the descriptors a worker still used."""
    await created(api, store)
    token = jp_serverapp.identity_provider.token
    bodies = [os.urandom(1024 * 1024 + i) for i in range(12)]
    normal = [os.urandom(200_000) for _ in range(6)]

    async def hang_up(data: bytes) -> None:
        await raw_request(jp_http_port, head(jp_base_url, token, len(data)), data, close_early=True)

    answers = await asyncio.gather(
        *(hang_up(data) for data in bodies), *(put(api, data) for data in normal)
    )
    for status, body in answers[len(bodies) :]:
        assert status == 200 and body["written"] is True
    for _ in range(100):
        if settings(jp_serverapp)["mlops_blob_uploads"] == [0] and not temp_files(store):
            break
        await asyncio.sleep(0.1)
    assert settings(jp_serverapp)["mlops_blob_uploads"] == [0]
    assert temp_files(store) == []
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    write_blob.deflater(settings(jp_serverapp)).drain()
    git(store, "fsck", "--strict", "--no-dangling")
    for data in normal:
        assert git(store, "cat-file", "blob", blob_oid(store, data)) == data


@pytest.mark.parametrize("length", ["\u00b2", "3, 3", "-1", "+3", "1e3", "99999999999999999999"])
async def test_a_content_length_that_is_not_plain_digits_is_a_coded_refusal(
    api: Api, store: Path, jp_http_port: int, jp_base_url: str, jp_serverapp: Any, length: str
) -> None:
    await created(api, store)
    token = jp_serverapp.identity_provider.token
    request = (
        f"POST {jp_base_url}mlops/fs/write-blob HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: token {token}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n"
    )
    answer = await raw_request(jp_http_port, request.encode("latin-1").decode("latin-1"), b"abc")
    # tornado refuses some itself (400, connection closed); the rest is ours.
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:300]
    assert b"E_INTERNAL" not in answer and b"Traceback" not in answer
    assert temp_files(store) == []


async def test_a_store_inside_a_git_directory_is_refused_before_the_body(
    api: Api, jp_root_dir: Path
) -> None:
    inner = jp_root_dir / "proj" / ".git" / "x"
    subprocess.run(["git", "init", "-q", "--bare", str(inner / "experiments.git")], check=True)
    objects = inner / "experiments.git" / "objects"
    before = snapshot(objects)
    status, body = await put(api, os.urandom(2 * 1024 * 1024), params={"store": "proj/.git/x"})
    assert (status, body["code"]) == (403, "E_PATH_NOT_WRITABLE"), body
    # Not even a temp file came and went (the folder's mtime is unchanged).
    assert snapshot(objects) == before
