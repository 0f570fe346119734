"""Hashing job slots are released whatever ends a job (security issue, item 5).

A worker that died with its slot taken left the server answering `E_BUSY`
to every hash request after `max_hash_jobs` such deaths, until a restart.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import hash_stream

from .conftest import Api
from .hash_support import data, hash_one, poll, registry, settle, sha, symlink_chain

#: More than `max_hash_jobs` (8): one leaked slot per failure would show.
ROUNDS = 10


async def wait_idle(jp_serverapp: Any) -> None:
    """Wait until no hashing worker runs (each job's worker ends on its own)."""
    for _ in range(500):
        if registry(jp_serverapp).running == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{registry(jp_serverapp).running} hashing workers still running")


class Holds:
    """Holds the hashing worker inside a file whose name starts with `held`."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()


@pytest.fixture
def holds(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Block `hash_stream.read_chunk` on files named `held*` until released (Linux: /proc)."""
    held = Holds()
    read = hash_stream.read_chunk

    def gated(reader: Any, view: memoryview) -> int:
        # The reader is opened from a descriptor (its name is a number): ask /proc.
        name = os.path.basename(os.readlink(f"/proc/self/fd/{reader.fileno()}"))
        if name.startswith("held"):
            held.reached.set()
            held.release.wait(10)
        return read(reader, view)

    monkeypatch.setattr(hash_stream, "read_chunk", gated)
    yield held
    held.release.set()


async def test_a_failing_cache_save_releases_the_job_slot(
    api: Api, jp_root_dir: Path, store: Path, jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (jp_root_dir / "f").write_text("content")
    settle()
    assert (await hash_one(api, "f"))["cached"] is False
    (cache,) = registry(jp_serverapp)._caches.values()

    def broken_save() -> None:
        raise RuntimeError("the cache cannot be saved")

    monkeypatch.setattr(cache, "save", broken_save)
    for index in range(ROUNDS):
        (jp_root_dir / f"g{index}").write_text(f"new {index}")
        status, body = await api("hash", {"paths": [f"g{index}"], "waitMs": 5000})
        assert status == 200, body
        if body["state"] == "running":
            body = await poll(api, body["jobId"], until="failed")
        # A coded error, naming no server path.
        assert body["state"] == "failed", body
        assert body["error"]["code"] == "E_IO"
        assert str(jp_root_dir) not in body["error"]["message"]
        await wait_idle(jp_serverapp)
    monkeypatch.undo()
    result = await hash_one(api, "f")
    assert result["sha256"] == sha(b"content")


async def test_a_store_swapped_for_a_symlink_chain_during_a_job_releases_its_slot(
    api: Api, jp_root_dir: Path, store: Path, jp_serverapp: Any, outside: Path, holds: Holds
) -> None:
    # The job hashes one file (the cache changes), the store is swapped for
    # a long symlink chain, the job is cancelled: the save that follows the
    # cancel blew up in realpath and the worker died with its slot.
    chain = symlink_chain(jp_root_dir / "chain", outside)
    store.mkdir()
    for index in range(ROUNDS):
        (jp_root_dir / f"a{index}").write_bytes(data(1000, index))
        (jp_root_dir / f"held{index}").write_bytes(data(100))
        settle()
        holds.reached.clear()
        holds.release.clear()
        _, body = await api("hash", {"paths": [f"a{index}", f"held{index}"], "waitMs": 0})
        assert await asyncio.to_thread(holds.reached.wait, 10)
        store.rename(jp_root_dir / "real-store")
        store.symlink_to(chain)
        status, cancelled = await api(f"hash/{body['jobId']}", method="DELETE")
        assert (status, cancelled["state"]) == (200, "cancelled")
        holds.release.set()
        await wait_idle(jp_serverapp)
        store.unlink()
        (jp_root_dir / "real-store").rename(store)
        # Nothing was written through the swapped store.
        assert sorted(p.name for p in outside.iterdir()) == ["sentinel.txt"]
    result = await hash_one(api, f"a{ROUNDS - 1}")
    assert result["sha256"] == sha(data(1000, ROUNDS - 1))
