"""The hash cache: hits on unchanged files, misses on any change, recovery from corruption.

Entries signed with another key, or forged: test_hash_cache_key.py.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import hash_stream
from jupyterlab_mlops.hash_cache import dump_cache, parse_cache

from .conftest import Api
from .hash_support import data, hash_done, hash_one, settle, sha


def cache_file(store: Path) -> Path:
    """Where the bridge keeps the hashes of the store `store`."""
    return store / "cache" / "hashes.json"


def cached_entries(store: Path) -> dict[str, list[Any]]:
    """The cache file's entries by key (parsed without the bridge's parser)."""
    body = json.loads(cache_file(store).read_text())
    assert body["version"] == 2
    return {row[0]: row[1:] for row in body["entries"]}


async def test_second_request_is_a_cache_hit(api: Api, jp_root_dir: Path, store: Path) -> None:
    raw = data(3 * 1024 * 1024 + 5)
    (jp_root_dir / "d").mkdir()
    (jp_root_dir / "d" / "big.bin").write_bytes(raw)
    (jp_root_dir / "d" / "small.txt").write_text("s")
    settle()
    first, folder = await hash_done(api, ["d/big.bin", "d"])
    assert (first["cached"], folder["cached"]) == (False, False)
    again, folder_again = await hash_done(api, ["d/big.bin", "d"])
    assert again == {**first, "cached": True}
    assert folder_again == {**folder, "cached": True}
    info = (jp_root_dir / "d" / "big.bin").stat()
    *fields, mac = cached_entries(store)["d/big.bin"]
    assert fields == [info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns, sha(raw)]
    assert re.fullmatch(r"[0-9a-f]{64}", mac)


async def test_same_size_rewrite_is_a_miss(api: Api, jp_root_dir: Path) -> None:
    path = jp_root_dir / "f.csv"
    path.write_bytes(b"1,2,3\n")
    settle()
    assert (await hash_one(api, "f.csv"))["cached"] is False
    assert (await hash_one(api, "f.csv"))["cached"] is True
    before = path.stat()
    path.write_bytes(b"4,5,6\n")
    # Even with the old mtime put back, the ctime tells.
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    settle()
    result = await hash_one(api, "f.csv")
    assert (result["cached"], result["sha256"]) == (False, sha(b"4,5,6\n"))
    assert (await hash_one(api, "f.csv"))["cached"] is True


async def test_a_replaced_file_is_a_miss(api: Api, jp_root_dir: Path) -> None:
    path = jp_root_dir / "f.csv"
    path.write_bytes(b"same")
    settle()
    await hash_one(api, "f.csv")
    old = path.stat()
    (jp_root_dir / "f.new").write_bytes(b"same")
    os.replace(jp_root_dir / "f.new", path)
    assert path.stat().st_ino != old.st_ino
    settle()
    result = await hash_one(api, "f.csv")
    assert (result["cached"], result["sha256"]) == (False, sha(b"same"))


async def test_a_file_just_written_is_not_cached_yet(
    api: Api, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its timestamps could not tell another write in the same clock tick apart.
    # A wide margin makes "just written" deterministic here.
    monkeypatch.setattr(hash_stream, "RACY_NS", 10**10)
    (jp_root_dir / "hot").write_text("x")
    assert (await hash_one(api, "hot"))["cached"] is False
    assert (await hash_one(api, "hot"))["cached"] is False
    monkeypatch.setattr(hash_stream, "RACY_NS", 0)
    assert (await hash_one(api, "hot"))["cached"] is False
    assert (await hash_one(api, "hot"))["cached"] is True


HEX = '"' + "a" * 64 + '"'
NOT_HEX = '"' + "\u00e9" * 64 + '"'


def v2(*rows: str) -> bytes:
    """A version 2 cache file holding `rows` (JSON text)."""
    return f'{{"version": 2, "entries": [{", ".join(rows)}]}}'.encode()


CORRUPT = [
    pytest.param(b"", id="empty"),
    pytest.param(b"\x80\x81 not utf-8", id="binary"),
    pytest.param(b'{"version": 2, "entries": [', id="truncated"),
    pytest.param(b"[]", id="array"),
    pytest.param(b'{"version": 3, "entries": []}', id="future-version"),
    pytest.param(b'{"version": 1, "entries": []}', id="version-1"),
    pytest.param(b'{"version": 2, "entries": {}}', id="entries-not-a-list"),
    pytest.param(v2(f'["f", 1, 2, 3, 4, "nothex", {HEX}]'), id="bad-sha"),
    pytest.param(v2(f'["f", -1, 2, 3, 4, {HEX}, {HEX}]'), id="neg"),
    pytest.param(v2(f'["f", true, 2, 3, 4, {HEX}, {HEX}]'), id="bool"),
    pytest.param(v2(f'["f", 1, 2, 3, 4, {HEX}]'), id="no-mac"),
    pytest.param(v2(f'["f", 1, 2, 3, 4, {HEX}, {NOT_HEX}]'), id="mac-not-hex"),
    pytest.param(v2(f'["f", 1, 2, 3, 4, {HEX}, 7]'), id="mac-a-number"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested"),
]


@pytest.mark.parametrize("raw", CORRUPT)
async def test_a_corrupt_cache_is_ignored_and_rewritten(
    api: Api, jp_root_dir: Path, store: Path, raw: bytes
) -> None:
    (jp_root_dir / "f").write_text("content")
    cache_file(store).parent.mkdir(parents=True)
    cache_file(store).write_bytes(raw)
    settle()
    result = await hash_one(api, "f")
    assert (result["sha256"], result["cached"]) == (sha(b"content"), False)
    assert list(cached_entries(store)) == ["f"]
    assert (await hash_one(api, "f"))["cached"] is True


async def test_an_unwritable_cache_does_not_fail_hashing(
    api: Api, jp_root_dir: Path, store: Path
) -> None:
    (jp_root_dir / "f").write_text("content")
    cache_file(store).mkdir(parents=True)  # a folder where the file should be
    settle()
    for _ in range(2):
        assert (await hash_one(api, "f"))["sha256"] == sha(b"content")
    # The in-memory cache still serves.
    assert (await hash_one(api, "f"))["cached"] is True


async def test_each_store_has_its_own_cache(api: Api, jp_root_dir: Path, store: Path) -> None:
    (jp_root_dir / "f").write_text("content")
    settle()
    await hash_one(api, "f", store="team/store")
    assert list(cached_entries(jp_root_dir / "team" / "store")) == ["f"]
    assert not store.exists()
    assert (await hash_one(api, "f"))["cached"] is False


async def test_only_failures_create_no_store(api: Api, jp_root_dir: Path, store: Path) -> None:
    results = await hash_done(api, ["missing", "../x"])
    assert [r["error"]["code"] for r in results] == ["E_NOT_FOUND", "E_PATH_INVALID"]
    assert not store.exists()


def test_parse_keeps_the_newest_entries_unverified() -> None:
    rows = {f"f{i}": (i, i, i, i, "a" * 64, "b" * 64, True) for i in range(10)}
    assert list(parse_cache(dump_cache(rows), 3)) == ["f7", "f8", "f9"]
    # Read back, no entry is trusted before its MAC is checked.
    assert parse_cache(dump_cache(rows), 100) == {
        key: (*entry[:6], False) for key, entry in rows.items()
    }
