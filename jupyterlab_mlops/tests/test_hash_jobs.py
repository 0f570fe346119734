"""Hashing jobs: progress, cancel, polling, expiry, authentication."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import hash_jobs
from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.hash_cache import HashCache
from jupyterlab_mlops.hash_jobs import JOB_TTL_S, HashJobs
from jupyterlab_mlops.paths import open_store

from .conftest import Api
from .hash_support import MIB, Gate, data, gate, poll, registry, sha
from .helpers import snapshot
from .test_auth import XSRF

__all__ = ["gate"]  # the fixture, imported for the tests below

BIG = 64 * MIB


@pytest.fixture
def big(jp_root_dir: Path) -> bytes:
    """A 64 MiB file `big.bin` in the root; returns its content."""
    raw = data(BIG, 7)
    (jp_root_dir / "big.bin").write_bytes(raw)
    return raw


async def test_progress_is_observable_then_done(api: Api, big: bytes, gate: Gate) -> None:
    status, body = await api("hash", {"paths": ["big.bin"], "waitMs": 20})
    assert status == 200
    assert body["state"] == "running"
    assert "results" not in body
    await gate.wait_reached()
    status, body = await api(f"hash/{body['jobId']}", method="GET")
    assert (body["state"], body["bytesDone"], body["bytesTotal"], body["currentPath"]) == (
        "running",
        MIB,
        BIG,
        "big.bin",
    )
    gate.opened.set()
    done = await poll(api, body["jobId"])
    assert (done["bytesDone"], done["bytesTotal"], done["currentPath"]) == (BIG, BIG, "")
    assert done["results"] == [
        {"path": "big.bin", "kind": "file", "sha256": sha(big), "size": BIG, "cached": False}
    ]


async def test_progress_without_a_gate_reaches_done(api: Api, big: bytes) -> None:
    status, body = await api("hash", {"paths": ["big.bin"], "waitMs": 0})
    assert (status, body["state"] in ("running", "done")) == (200, True)
    # bytesTotal is 0 until the paths are planned (walked and stat'ed).
    assert 0 <= body["bytesDone"] <= body["bytesTotal"] in (0, BIG)
    done = await poll(api, body["jobId"])
    assert done["results"][0]["sha256"] == sha(big)


async def test_delete_cancels_within_one_chunk(
    api: Api, big: bytes, gate: Gate, jp_serverapp: Any
) -> None:
    gate.hold_after = 3
    _, body = await api("hash", {"paths": ["big.bin"], "waitMs": 0})
    await gate.wait_reached()
    status, cancelled = await api(f"hash/{body['jobId']}", method="DELETE")
    assert status == 200
    assert cancelled["state"] == "cancelled"
    assert "results" not in cancelled
    gate.opened.set()
    for _ in range(500):
        if registry(jp_serverapp).running == 0:
            break
        await asyncio.sleep(0.01)
    assert registry(jp_serverapp).running == 0
    assert gate.chunks == 3  # the chunk it was reading, and not one more
    later = await poll(api, body["jobId"], until="cancelled")
    assert "results" not in later and later["bytesDone"] < BIG


async def test_a_waiting_post_answers_as_soon_as_its_job_is_cancelled(
    api: Api, big: bytes, gate: Gate, jp_serverapp: Any
) -> None:
    post = asyncio.ensure_future(api("hash", {"paths": ["big.bin"], "waitMs": 10_000}))
    await gate.wait_reached()
    (job_id,) = registry(jp_serverapp)._jobs
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await api(f"hash/{job_id}", method="DELETE"))[0] == 200
    status, body = await post
    assert (status, body["state"]) == (200, "cancelled")
    assert loop.time() - started < 2


async def test_delete_of_a_finished_job_leaves_it_done(api: Api, jp_root_dir: Path) -> None:
    (jp_root_dir / "f").write_text("x")
    _, body = await api("hash", {"paths": ["f"], "waitMs": 5000})
    assert body["state"] == "done"
    status, again = await api(f"hash/{body['jobId']}", method="DELETE")
    assert (status, again) == (200, body)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize("job_id", ["nope", "A" * 22, "%2e%2e", "x" * 500])
async def test_unknown_job_is_not_found(api: Api, method: str, job_id: str) -> None:
    status, err = await api(f"hash/{job_id}", method=method)
    assert (status, err["code"]) == (404, "E_JOB_NOT_FOUND")
    assert set(err) == {"code", "message"}


NO_AUTH = [
    pytest.param({"Authorization": ""}, id="no-token"),
    pytest.param({"Authorization": "token wrong", **XSRF}, id="wrong-token-with-xsrf"),
    pytest.param({"Authorization": "", **XSRF}, id="no-token-with-xsrf"),
]


@pytest.mark.parametrize("headers", NO_AUTH)
async def test_post_needs_authentication_and_starts_nothing(
    jp_fetch: Callable[..., Any], jp_serverapp: Any, jp_root_dir: Path, headers: dict[str, str]
) -> None:
    (jp_root_dir / "f").write_text("x")
    before = snapshot(jp_root_dir)
    response = await jp_fetch(
        "mlops",
        "hash",
        method="POST",
        body=json.dumps({"paths": ["f"]}),
        headers=dict(headers),
        raise_error=False,
    )
    assert response.code == 403
    assert b"jobId" not in response.body
    assert registry(jp_serverapp)._jobs == {}
    assert snapshot(jp_root_dir) == before


@pytest.mark.parametrize("headers", NO_AUTH)
async def test_get_and_delete_need_authentication(
    api: Api,
    jp_fetch: Callable[..., Any],
    big: bytes,
    gate: Gate,
    headers: dict[str, str],
) -> None:
    _, body = await api("hash", {"paths": ["big.bin"], "waitMs": 0})
    await gate.wait_reached()
    for method in ("GET", "DELETE"):
        response = await jp_fetch(
            "mlops", "hash", body["jobId"], method=method, headers=dict(headers), raise_error=False
        )
        assert response.code == 403
        assert b"bytesDone" not in response.body
    gate.opened.set()
    assert (await poll(api, body["jobId"]))["results"][0]["sha256"] == sha(big)


def test_finished_jobs_expire(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "f").write_text("x")
    now = [1000.0]
    jobs = HashJobs(
        str(tmp_path),
        max_jobs=2,
        max_files=10,
        cache_entries=10,
        log=logging.getLogger("test"),
        clock=lambda: now[0],
    )
    job = jobs.start(open_store(tmp_path, "store"), ["f"])
    job.done.result(timeout=10)
    assert jobs.get(job.id).state == "done"
    now[0] += JOB_TTL_S - 1
    assert jobs.get(job.id) is job
    now[0] += 2
    with pytest.raises(MlopsError) as caught:
        jobs.get(job.id)
    assert caught.value.code == "E_JOB_NOT_FOUND"


def test_a_slow_job_says_where_its_time_went(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snapshots were seen waiting at 0% on a loaded machine: a slow job
    # logs its hashing and cache-saving times; a quick one logs nothing.
    (tmp_path / "store").mkdir()
    (tmp_path / "f").write_text("x")
    jobs = HashJobs(
        str(tmp_path),
        max_jobs=2,
        max_files=10,
        cache_entries=10,
        log=logging.getLogger("test-slow"),
    )
    store = open_store(tmp_path, "store")
    with caplog.at_level(logging.WARNING, logger="test-slow"):
        jobs.start(store, ["f"]).done.result(timeout=10)
    assert not [r for r in caplog.records if "took" in r.getMessage()]

    # A cache save that takes 0.6 s (a slow fsync) makes a slow job.
    monkeypatch.setattr(hash_jobs, "SLOW_JOB_S", 0.5)
    save = HashCache.save
    monkeypatch.setattr(HashCache, "save", lambda self: (time.sleep(0.6), save(self))[1])
    (tmp_path / "f").write_text("xy")
    with caplog.at_level(logging.WARNING, logger="test-slow"):
        jobs.start(store, ["f"]).done.result(timeout=10)
    [record] = [r for r in caplog.records if "took" in r.getMessage()]
    message = record.getMessage()
    assert ": 1 paths, 2 bytes hashed in 0.0 s, hash cache saved in 0.6 s" in message
