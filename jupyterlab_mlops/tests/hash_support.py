"""Helpers shared by the hashing tests."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import hash_stream
from jupyterlab_mlops.hash_jobs import SETTINGS_KEY, HashJobs

from .conftest import Api

MIB = 1024 * 1024
#: Longer than the racy-timestamp margin: a file older than this is cacheable.
SETTLE_S = 0.05


def settle() -> None:
    """Let files just written age past the racy-timestamp margin of the cache."""
    time.sleep(SETTLE_S)


def data(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes that differ from chunk to chunk."""
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
    return (block * (size // len(block) + 1))[:size]


def sha(raw: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(raw).hexdigest()


def manifest_sha(folder: Path) -> str:
    """The folder hash computed independently: sorted `relpath\\0size\\0sha256\\n` lines."""
    lines = []
    for top, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in (".git", ".ipynb_checkpoints", "__pycache__")]
        for name in files:
            path = Path(top) / name
            if path.is_symlink() or not path.is_file():
                continue
            rel = os.fsencode(path.relative_to(folder).as_posix())
            raw = path.read_bytes()
            lines.append(b"%s\0%d\0%s\n" % (rel, len(raw), sha(raw).encode()))
    return sha(b"".join(sorted(lines)))


async def poll(api: Api, job_id: str, *, until: str = "done", timeout: float = 10) -> Any:
    """GET the job until it reaches `until` (or any final state); return its status."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = await api(f"hash/{job_id}", method="GET")
        assert status == 200, body
        if body["state"] != "running" or time.monotonic() > deadline:
            assert body["state"] == until, body
            return body
        await asyncio.sleep(0.01)


async def hash_done(api: Api, paths: list[str], **extra: Any) -> list[dict[str, Any]]:
    """Hash `paths` to the end and return the results."""
    status, body = await api("hash", {"paths": paths, "waitMs": 5000, **extra})
    assert status == 200, body
    if body["state"] == "running":
        body = await poll(api, body["jobId"])
    assert body["state"] == "done", body
    assert body["bytesDone"] == body["bytesTotal"]
    return body["results"]


async def hash_one(api: Api, path: str, **extra: Any) -> dict[str, Any]:
    """Hash one path to the end and return its result."""
    (result,) = await hash_done(api, [path], **extra)
    return result


def symlink_chain(folder: Path, target: Path, length: int = 1500) -> Path:
    """A chain of `length` symlinks ending at `target`; returns its first link.

    Longer than Python's recursion limit: `os.path.realpath` (recursive in
    Python 3.11) raises RecursionError on it, not an OSError.
    """
    folder.mkdir()
    for index in range(length):
        nxt = folder / f"l{index + 1}" if index + 1 < length else target
        os.symlink(nxt, folder / f"l{index}")
    return folder / "l0"


def registry(serverapp: Any) -> HashJobs:
    """The server's job registry."""
    return serverapp.web_app.settings[SETTINGS_KEY]


class Gate:
    """Holds the hashing worker after a given chunk until the test opens it."""

    def __init__(self, hold_after: int) -> None:
        self.hold_after = hold_after
        self.chunks = 0
        self.reached = threading.Event()
        self.opened = threading.Event()

    async def wait_reached(self) -> None:
        """Wait (without blocking the server's event loop) until the worker sits at the gate."""
        assert await asyncio.to_thread(self.reached.wait, 10), "the worker never reached the gate"


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """A gate on `hash_stream.read_chunk` (after chunk 2 unless `hold_after` is changed)."""
    held = Gate(hold_after=2)
    read = hash_stream.read_chunk

    def gated(reader: Any, view: memoryview) -> int:
        count = read(reader, view)
        held.chunks += 1
        if held.chunks >= held.hold_after and not held.opened.is_set():
            held.reached.set()
            held.opened.wait(10)
        return count

    monkeypatch.setattr(hash_stream, "read_chunk", gated)
    yield held
    held.opened.set()
