"""`captureMaxBytes`: small files come back with the very bytes that were hashed.

Security issue, item 7: the snapshot hashed data files through the bridge,
then read the small ones through the contents API, which follows symlinks
out of the root; a file flipped to a symlink in between was kept with the
outside file's bytes under the inside file's hash.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import hash_jobs, hashing
from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.hash_jobs import HashJobs
from jupyterlab_mlops.paths import open_store

from .conftest import Api
from .hash_support import MIB, data, hash_done, hash_one, registry, settle, sha


def captured(result: dict[str, Any]) -> bytes:
    """The bytes a result carries."""
    return base64.b64decode(result["data"], validate=True)


async def test_a_small_file_comes_back_with_its_bytes(api: Api, jp_root_dir: Path) -> None:
    raw = data(3000, 1)
    (jp_root_dir / "small.csv").write_bytes(raw)
    settle()
    result = await hash_one(api, "small.csv", captureMaxBytes=4096)
    assert captured(result) == raw
    assert {k: v for k, v in result.items() if k != "data"} == {
        "path": "small.csv",
        "kind": "file",
        "sha256": sha(raw),
        "size": 3000,
        "cached": False,
    }
    # Without capture the cache answers; with it the file is read (and hashed) again.
    assert "data" not in (await hash_one(api, "small.csv"))
    assert (await hash_one(api, "small.csv"))["cached"] is True
    again = await hash_one(api, "small.csv", captureMaxBytes=4096)
    assert (again["cached"], captured(again)) == (False, raw)


async def test_only_files_up_to_the_limit_are_captured(api: Api, jp_root_dir: Path) -> None:
    for name, size in (("at", 100), ("over", 101), ("empty", 0)):
        (jp_root_dir / name).write_bytes(data(size))
    at, over, empty = await hash_done(api, ["at", "over", "empty"], captureMaxBytes=100)
    assert (captured(at), captured(empty)) == (data(100), b"")
    assert "data" not in over and over["sha256"] == sha(data(101))
    # 0 (the default) captures nothing, not even an empty file.
    assert all("data" not in r for r in await hash_done(api, ["at", "empty"], captureMaxBytes=0))


async def test_a_folder_is_never_captured(api: Api, jp_root_dir: Path) -> None:
    (jp_root_dir / "d").mkdir()
    (jp_root_dir / "d" / "f.txt").write_text("tiny")
    (folder,) = await hash_done(api, ["d"], captureMaxBytes=1024)
    assert folder["kind"] == "dir" and "data" not in folder


async def test_a_job_captures_at_most_its_total(
    api: Api, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "MAX_CAPTURE_JOB_BYTES", 10)
    for name in ("a", "b", "c"):
        (jp_root_dir / name).write_bytes(name.encode() * 4)
    a, b, c = await hash_done(api, ["a", "b", "c"], captureMaxBytes=100)
    assert (captured(a), captured(b)) == (b"aaaa", b"bbbb")
    # Over the job's total: hashed, not kept.
    assert "data" not in c and c["sha256"] == sha(b"cccc")


HOSTILE = [
    pytest.param(-1, id="negative"),
    pytest.param(8 * MIB + 1, id="over-8-MiB"),
    pytest.param(10**40, id="huge"),
    pytest.param(True, id="bool"),
    pytest.param("1024", id="string"),
    pytest.param(1024.0, id="float"),
    pytest.param(None, id="null"),
    pytest.param([1024], id="array"),
]


@pytest.mark.parametrize("value", HOSTILE)
async def test_a_hostile_capture_max_bytes_is_refused(
    api: Api, jp_root_dir: Path, jp_serverapp: Any, value: Any
) -> None:
    (jp_root_dir / "f").write_text("x")
    status, err = await api("hash", {"paths": ["f"], "captureMaxBytes": value})
    assert (status, err["code"]) == (400, "E_BAD_REQUEST")
    assert registry(jp_serverapp)._jobs == {}


async def test_8_mib_is_accepted(api: Api, jp_root_dir: Path) -> None:
    raw = data(8 * MIB, 3)
    (jp_root_dir / "f").write_bytes(raw)
    result = await hash_one(api, "f", captureMaxBytes=8 * MIB)
    assert captured(result) == raw and result["sha256"] == sha(raw)


async def test_a_file_flipping_to_a_symlink_outside_never_captures_outside_bytes(
    api: Api, jp_root_dir: Path, outside: Path
) -> None:
    inside, secret = b"inside,1\n" * 10, b"secret,2\n" * 10
    (outside / "secret.csv").write_bytes(secret)
    race = jp_root_dir / "race.csv"
    race.write_bytes(inside)
    stop = threading.Event()

    def flip() -> None:
        # Atomic swaps, as fast as possible: the file, then a symlink out.
        tmp = jp_root_dir / "race.tmp"
        while not stop.is_set():
            tmp.write_bytes(inside)
            os.replace(tmp, race)
            os.symlink(outside / "secret.csv", tmp)
            os.replace(tmp, race)

    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    kept = refused = 0
    try:
        for _ in range(150):
            status, body = await api(
                "hash", {"paths": ["race.csv"], "captureMaxBytes": 1024, "waitMs": 5000}
            )
            assert (status, body["state"]) == (200, "done"), body
            (result,) = body["results"]
            if "error" in result:
                # Refused as a symlink out, or as "not a regular file" when
                # the swap lands between realpath and stat.
                assert result["error"]["code"] in ("E_PATH_OUTSIDE_ROOT", "E_IO"), result
                refused += 1
                continue
            raw = captured(result)
            assert sha(raw) == result["sha256"] and len(raw) == result["size"]
            assert raw != secret and raw == inside
            kept += 1
    finally:
        stop.set()
        flipper.join(5)
    # Both sides of the race were seen (else the test proves nothing).
    assert kept > 0 and refused > 0, (kept, refused)


def test_finished_jobs_holding_captured_data_are_forgotten_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hash_jobs, "MAX_FINISHED_CAPTURE_CHARS", 10)
    (tmp_path / "f").write_bytes(b"123456")  # 8 characters of base64
    store = open_store(tmp_path, "store")
    jobs = HashJobs(
        str(tmp_path), max_jobs=2, max_files=10, cache_entries=10, log=logging.getLogger("t")
    )
    first = jobs.start(store, ["f"], 100)
    first.done.result(timeout=10)
    plain = jobs.start(store, ["f"])
    plain.done.result(timeout=10)
    last = jobs.start(store, ["f"], 100)
    last.done.result(timeout=10)
    assert (jobs.get(plain.id), jobs.get(last.id)) == (plain, last)
    with pytest.raises(MlopsError) as caught:
        jobs.get(first.id)
    assert caught.value.code == "E_JOB_NOT_FOUND"
