"""Hashing limits from `c.MlopsExtension.*`: running jobs, files per request, cache size."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError
from traitlets.config import Config

from jupyterlab_mlops.config import MlopsExtension

from .conftest import Api
from .hash_support import Gate, data, gate, hash_done, poll, registry, settle

__all__ = ["gate"]  # the fixture, imported for the tests below


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """The extension with tiny hashing limits."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": {"max_hash_jobs": 1, "max_hash_files": 5, "hash_cache_entries": 3},
    }


async def test_one_job_too_many_is_busy(
    api: Api, jp_root_dir: Path, gate: Gate, jp_serverapp: Any
) -> None:
    (jp_root_dir / "big.bin").write_bytes(data(4 * 1024 * 1024))
    _, first = await api("hash", {"paths": ["big.bin"], "waitMs": 0})
    await gate.wait_reached()
    status, err = await api("hash", {"paths": ["big.bin"]})
    assert (status, err["code"]) == (429, "E_BUSY")
    assert len(registry(jp_serverapp)._jobs) == 1
    gate.opened.set()
    await poll(api, first["jobId"])
    # The worker thread ends just after its job reports done.
    for _ in range(100):
        status, body = await api("hash", {"paths": ["big.bin"]})
        if status == 200:
            break
        await asyncio.sleep(0.01)
    assert (status, body["state"]) == (200, "done")


async def test_busy_answer_says_when_to_retry(
    jp_fetch: Any, jp_root_dir: Path, gate: Gate, api: Api
) -> None:
    (jp_root_dir / "big.bin").write_bytes(data(4 * 1024 * 1024))
    _, first = await api("hash", {"paths": ["big.bin"], "waitMs": 0})
    await gate.wait_reached()
    response = await jp_fetch(
        "mlops", "hash", method="POST", body=json.dumps({"paths": ["x"]}), raise_error=False
    )
    assert response.code == 429
    assert response.headers["Retry-After"] == "1"
    gate.opened.set()
    await poll(api, first["jobId"])


def files(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for index in range(count):
        (folder / f"f{index}").write_text(str(index))


async def test_file_cap_counts_over_the_whole_request(api: Api, jp_root_dir: Path) -> None:
    files(jp_root_dir / "five", 5)
    files(jp_root_dir / "six", 6)
    files(jp_root_dir / "three", 3)
    (jp_root_dir / "single").write_text("s")
    five, six = await hash_done(api, ["five", "six"])
    assert five["files"] == 5
    assert six["error"]["code"] == "E_TOO_MANY_FILES"
    # A refused folder does not use up the budget of the paths after it.
    results = await hash_done(api, ["three", "three", "single", "single", "single"])
    codes = [r.get("error", {}).get("code") for r in results]
    assert codes == [None, "E_TOO_MANY_FILES", None, None, "E_TOO_MANY_FILES"]


async def test_cache_keeps_the_newest_entries(api: Api, jp_root_dir: Path, store: Path) -> None:
    files(jp_root_dir / "d", 5)
    settle()
    await hash_done(api, [f"d/f{index}" for index in range(5)])
    body = json.loads((store / "cache" / "hashes.json").read_text())
    assert [row[0] for row in body["entries"]] == ["d/f2", "d/f3", "d/f4"]
    hits = await hash_done(api, [f"d/f{index}" for index in range(5)])
    assert [r["cached"] for r in hits] == [False, False, True, True, True]


@pytest.mark.parametrize("name", ["max_hash_jobs", "max_hash_files", "hash_cache_entries"])
def test_hash_limits_must_be_positive(name: str) -> None:
    with pytest.raises(TraitError):
        MlopsExtension(config=Config({"MlopsExtension": {name: 0}}))
    assert getattr(MlopsExtension(config=Config({"MlopsExtension": {name: 1}})), name) == 1


def test_hash_limit_defaults() -> None:
    config = MlopsExtension()
    assert (config.max_hash_jobs, config.max_hash_files, config.hash_cache_entries) == (
        8,
        200_000,
        100_000,
    )
