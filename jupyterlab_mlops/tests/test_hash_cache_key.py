"""The hash cache is bound to the server: entries it did not sign are not believed.

Security issue, item 11: `<store>/cache/hashes.json` lives in a shared,
writable folder; an entry matching a file's stat made `hash` answer any
SHA-256 with `cached: true`. Entries now carry an HMAC under a key kept
outside every store (`c.MlopsExtension.hash_cache_key_file`).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import hash_handlers, hash_stream
from jupyterlab_mlops.hash_cache import Signer

from .conftest import Api
from .hash_support import hash_one, registry, settle, sha

FAKE = "0" * 64
#: A key written in the key file before the server starts (`preset` setups).
KNOWN = bytes(range(32))


def cache_file(store: Path) -> Path:
    """Where the bridge keeps the hashes of the store `store`."""
    return store / "cache" / "hashes.json"


def default_key_file(data_dir: Path) -> Path:
    """The key file of a server whose Jupyter data folder is `data_dir`."""
    return data_dir / "jupyterlab_mlops" / "hash-cache.key"


@pytest.fixture
def key_setup(request: pytest.FixtureRequest, jp_data_dir: Path, tmp_path: Path) -> dict[str, Any]:
    """What is in place of the key file before the server starts (indirect parameter).

    Returns the `MlopsExtension` config to use.
    """
    setup = getattr(request, "param", "none")
    key_file = default_key_file(jp_data_dir)
    if setup in ("preset", "open"):
        key_file.parent.mkdir(parents=True)
        key_file.write_text(KNOWN.hex())
        key_file.chmod(0o600 if setup == "preset" else 0o644)
    elif setup == "symlink":
        key_file.parent.mkdir(parents=True)
        (tmp_path / "elsewhere.key").write_text(KNOWN.hex())
        (tmp_path / "elsewhere.key").chmod(0o600)
        key_file.symlink_to(tmp_path / "elsewhere.key")
    elif setup == "unwritable":
        (tmp_path / "a-file").write_text("not a folder")
        return {"hash_cache_key_file": str(tmp_path / "a-file" / "hash-cache.key")}
    return {}


@pytest.fixture
def server_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """What the server logs while loading its key (jupyter_server resets its own logger)."""
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    log = logging.getLogger("test_hash_cache_key")
    handler = Keep()
    log.addHandler(handler)
    load = hash_handlers.load_key
    monkeypatch.setattr(hash_handlers, "load_key", lambda path, _: load(path, log))
    yield messages
    log.removeHandler(handler)


@pytest.fixture
def jp_server_config(key_setup: dict[str, Any], server_log: list[str]) -> dict[str, Any]:
    """The extension, with the key file settings of `key_setup`."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": key_setup,
    }


def write_cache(store: Path, rows: list[list[Any]], version: int = 2) -> None:
    """Write a cache file the way someone with write access to the store could."""
    cache_file(store).parent.mkdir(parents=True, exist_ok=True)
    cache_file(store).write_text(json.dumps({"version": version, "entries": rows}))


def stat_fields(path: Path) -> list[int]:
    """The (size, mtime_ns, inode, ctime_ns) a cache entry is checked against."""
    info = path.stat()
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns]


def forged_rows(how: str, name: str, fields: list[int], fake: str) -> list[list[Any]]:
    """A cache entry claiming `fake` for the file: old format, made-up MAC, or another key."""
    if how == "version-1":
        return [[name, *fields, fake]]
    if how == "made-up-mac":
        return [[name, *fields, fake, "a" * 64]]
    return [[name, *fields, fake, Signer(os.urandom(32)).sign(name, tuple(fields), fake)]]


@pytest.mark.parametrize("how", ["version-1", "made-up-mac", "another-key"])
async def test_a_forged_entry_is_rehashed(
    api: Api, jp_root_dir: Path, store: Path, how: str
) -> None:
    path = jp_root_dir / "f"
    path.write_text("real content")
    settle()
    write_cache(
        store, forged_rows(how, "f", stat_fields(path), FAKE), 1 if how == "version-1" else 2
    )
    result = await hash_one(api, "f")
    assert (result["sha256"], result["cached"]) == (sha(b"real content"), False)
    # The true hash replaced the forged one, in memory and on disk.
    assert (await hash_one(api, "f"))["cached"] is True
    assert FAKE not in cache_file(store).read_text()


async def test_a_forged_entry_is_dropped_from_the_file(
    api: Api, jp_root_dir: Path, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = jp_root_dir / "f"
    path.write_text("real content")
    write_cache(store, forged_rows("made-up-mac", "f", stat_fields(path), FAKE))
    # A file "just written" is hashed but not cached: only the drop changes the cache.
    monkeypatch.setattr(hash_stream, "RACY_NS", 10**12)
    assert (await hash_one(api, "f"))["sha256"] == sha(b"real content")
    assert json.loads(cache_file(store).read_text())["entries"] == []


async def test_a_genuine_entry_still_hits_after_a_reload(
    api: Api, jp_root_dir: Path, jp_serverapp: Any
) -> None:
    (jp_root_dir / "f").write_text("content")
    settle()
    assert (await hash_one(api, "f"))["cached"] is False
    registry(jp_serverapp)._caches.clear()  # read the file again, as after a restart
    result = await hash_one(api, "f")
    assert (result["sha256"], result["cached"]) == (sha(b"content"), True)


async def test_entries_written_by_a_server_with_another_key_are_ignored(
    api: Api, jp_root_dir: Path, store: Path, jp_serverapp: Any
) -> None:
    (jp_root_dir / "f").write_text("content")
    settle()
    await hash_one(api, "f")
    written = cache_file(store).read_bytes()
    # Another server (another key) reads what this one wrote.
    registry(jp_serverapp).cache_key = os.urandom(32)
    registry(jp_serverapp)._caches.clear()
    assert cache_file(store).read_bytes() == written
    result = await hash_one(api, "f")
    assert (result["sha256"], result["cached"]) == (sha(b"content"), False)
    registry(jp_serverapp)._caches.clear()
    assert (await hash_one(api, "f"))["cached"] is True  # re-signed with its own key


async def test_the_key_file_is_created_private(api: Api, jp_data_dir: Path) -> None:
    key_file = default_key_file(jp_data_dir)
    # Made when the server started, before any request.
    assert stat.S_IMODE(key_file.lstat().st_mode) == 0o600
    assert stat.S_ISREG(key_file.lstat().st_mode)
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert len(bytes.fromhex(key_file.read_text())) == 32
    assert [p.name for p in key_file.parent.iterdir()] == ["hash-cache.key"]


async def test_the_key_appears_in_no_answer_and_nowhere_in_the_root(
    api: Api, jp_root_dir: Path, jp_data_dir: Path, store: Path
) -> None:
    key = bytes.fromhex(default_key_file(jp_data_dir).read_text())
    (jp_root_dir / "f").write_text("content")
    settle()
    answers = [
        await api("hash", {"paths": ["f", "."], "waitMs": 5000, "captureMaxBytes": 100}),
        await api("hash", {"paths": ["f"], "waitMs": 5000}),
        await api("status", method="GET"),
        await api("fs/list", {"path": "cache"}),
        await api("fs/read", {"path": "cache/hashes.json"}),
    ]
    assert all(status == 200 for status, _ in answers), answers
    text = json.dumps(answers)
    read = base64.b64decode(answers[-1][1]["data"])
    for form in (key.hex(), key.hex().upper(), base64.b64encode(key).decode()):
        assert form not in text and form.encode() not in read
    for path in jp_root_dir.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert key not in raw and key.hex().encode() not in raw, path
    assert store in cache_file(store).parents


@pytest.mark.parametrize("key_setup", ["preset"], indirect=True)
async def test_an_existing_key_file_is_used(api: Api, jp_root_dir: Path, store: Path) -> None:
    path = jp_root_dir / "f"
    path.write_text("content")
    settle()
    fields, true = stat_fields(path), sha(b"content")
    write_cache(store, [["f", *fields, true, Signer(KNOWN).sign("f", tuple(fields), true)]])
    assert (await hash_one(api, "f"))["cached"] is True


@pytest.mark.parametrize("key_setup", ["open", "symlink"], indirect=True)
async def test_a_key_file_others_could_read_is_not_used(
    api: Api,
    jp_root_dir: Path,
    store: Path,
    jp_data_dir: Path,
    server_log: list[str],
) -> None:
    path = jp_root_dir / "f"
    path.write_text("content")
    settle()
    fields = stat_fields(path)
    write_cache(store, [["f", *fields, FAKE, Signer(KNOWN).sign("f", tuple(fields), FAKE)]])
    result = await hash_one(api, "f")
    assert (result["sha256"], result["cached"]) == (sha(b"content"), False)
    assert any("hash cache key" in message for message in server_log)
    # Left as it was: not ours to fix.
    key_file = default_key_file(jp_data_dir)
    assert key_file.read_text() == KNOWN.hex()


@pytest.mark.parametrize("key_setup", ["unwritable"], indirect=True)
async def test_an_unusable_key_file_falls_back_to_a_key_for_the_process(
    api: Api, jp_root_dir: Path, jp_serverapp: Any, server_log: list[str]
) -> None:
    (jp_root_dir / "f").write_text("content")
    settle()
    assert (await hash_one(api, "f"))["cached"] is False
    registry(jp_serverapp)._caches.clear()
    assert (await hash_one(api, "f"))["cached"] is True
    warnings = [message for message in server_log if "hash cache key" in message]
    assert len(warnings) == 1 and "for this process only" in warnings[0]
