"""POST /mlops/fs/lock and /mlops/fs/unlock."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

from .conftest import Api
from .helpers import snapshot


async def test_lock_writes_a_lock_file_and_unlock_removes_it(api: Api, store: Path) -> None:
    status, body = await api("fs/lock", {"path": "locks/index", "ttlMs": 5000})
    assert status == 200
    token = body["token"]
    assert body == {"path": "locks/index", "token": token} and len(token) >= 16
    content = json.loads((store / "locks" / "index.lock").read_text())
    assert content["token"] == token
    assert content["pid"] == os.getpid()
    assert content["ttlMs"] == 5000
    assert abs(content["createdMs"] - time.time() * 1000) < 10_000

    assert await api("fs/unlock", {"path": "locks/index", "token": token}) == (
        200,
        {"path": "locks/index"},
    )
    assert not (store / "locks" / "index.lock").exists()


async def test_a_held_lock_is_refused_to_a_second_caller(api: Api, store: Path) -> None:
    first = (await api("fs/lock", {"path": "locks/index"}))[1]["token"]
    status, err = await api("fs/lock", {"path": "locks/index"})
    assert (status, err["code"]) == (409, "E_LOCKED")
    assert json.loads((store / "locks" / "index.lock").read_text())["token"] == first


async def test_concurrent_lockers_get_exactly_one_lock(api: Api, store: Path) -> None:
    results = await asyncio.gather(*[api("fs/lock", {"path": "locks/index"}) for _ in range(8)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 7
    winner = next(body["token"] for status, body in results if status == 200)
    assert json.loads((store / "locks" / "index.lock").read_text())["token"] == winner


async def test_unlock_with_a_wrong_token_keeps_the_lock(api: Api, store: Path) -> None:
    token = (await api("fs/lock", {"path": "locks/index"}))[1]["token"]
    status, err = await api("fs/unlock", {"path": "locks/index", "token": "not-" + token})
    assert (status, err["code"]) == (409, "E_LOCK_NOT_HELD")
    assert json.loads((store / "locks" / "index.lock").read_text())["token"] == token
    status, err = await api("fs/lock", {"path": "locks/index"})
    assert (status, err["code"]) == (409, "E_LOCKED")


async def test_unlock_without_a_lock_is_not_held(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    status, err = await api("fs/unlock", {"path": "locks/index", "token": "t"})
    assert (status, err["code"]) == (409, "E_LOCK_NOT_HELD")
    status, err = await api("fs/unlock", {"path": "locks/no/such/dir", "token": "t"})
    assert (status, err["code"]) == (409, "E_LOCK_NOT_HELD")
    assert snapshot(jp_root_dir) == before


async def test_a_lock_past_its_ttl_is_broken(api: Api, store: Path) -> None:
    old = (await api("fs/lock", {"path": "locks/index", "ttlMs": 1}))[1]["token"]
    await asyncio.sleep(0.05)
    status, body = await api("fs/lock", {"path": "locks/index"})
    assert status == 200 and body["token"] != old
    assert json.loads((store / "locks" / "index.lock").read_text())["token"] == body["token"]
    # The old holder can no longer release the new lock.
    status, err = await api("fs/unlock", {"path": "locks/index", "token": old})
    assert (status, err["code"]) == (409, "E_LOCK_NOT_HELD")
    assert (store / "locks" / "index.lock").exists()
    assert [p.name for p in (store / "locks").iterdir()] == ["index.lock"]


async def test_a_stale_lock_written_by_another_process_is_broken(api: Api, store: Path) -> None:
    (store / "locks").mkdir(parents=True)
    stale = {"token": "theirs", "pid": 1, "createdMs": time.time() * 1000 - 60_000, "ttlMs": 30_000}
    (store / "locks" / "index.lock").write_text(json.dumps(stale))
    status, body = await api("fs/lock", {"path": "locks/index"})
    assert status == 200
    assert json.loads((store / "locks" / "index.lock").read_text())["token"] == body["token"]


async def test_an_unreadable_lock_is_aged_by_its_mtime(api: Api, store: Path) -> None:
    (store / "locks").mkdir(parents=True)
    lock_file = store / "locks" / "index.lock"
    lock_file.write_text("")  # a holder between O_EXCL and its write
    status, err = await api("fs/lock", {"path": "locks/index"})
    assert (status, err["code"]) == (409, "E_LOCKED")
    an_hour_ago = time.time() - 3600
    os.utime(lock_file, (an_hour_ago, an_hour_ago))
    status, body = await api("fs/lock", {"path": "locks/index"})
    assert status == 200
    assert json.loads(lock_file.read_text())["token"] == body["token"]


async def test_lock_creates_its_folders_under_locks(api: Api, jp_root_dir: Path) -> None:
    assert (await api("fs/lock", {"path": "locks/a/b/index"}))[0] == 200
    assert (jp_root_dir / ".mlops" / "locks" / "a" / "b" / "index.lock").is_file()


async def test_regression_locks_only_in_the_lock_folder(api: Api, jp_root_dir: Path) -> None:
    # A lock beside the repository's HEAD blocked the git CLI ("HEAD.lock exists").
    store = jp_root_dir / ".mlops"
    (store / "experiments.git").mkdir(parents=True)
    before = snapshot(jp_root_dir)
    for path in ("experiments.git/HEAD", "experiments.git/refs/heads/main", "index", "lockss/x"):
        status, err = await api("fs/lock", {"path": path, "ttlMs": 5000})
        assert (status, err["code"]) == (403, "E_PATH_NOT_WRITABLE"), path
        status, err = await api("fs/unlock", {"path": path, "token": "t"})
        assert (status, err["code"]) == (403, "E_PATH_NOT_WRITABLE"), path
    assert snapshot(jp_root_dir) == before


async def test_regression_ttl_has_a_maximum(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    for ttl in (10**15, 10 * 60 * 1000 + 1, 2**63):
        status, err = await api("fs/lock", {"path": "locks/index", "ttlMs": ttl})
        assert (status, err["code"]) == (400, "E_BAD_REQUEST"), ttl
    assert snapshot(jp_root_dir) == before
    assert (await api("fs/lock", {"path": "locks/index", "ttlMs": 10 * 60 * 1000}))[0] == 200


async def test_regression_a_planted_lock_lasts_at_most_the_maximum_ttl(
    api: Api, store: Path
) -> None:
    # A lock file from an unzipped store claiming a ttl of centuries.
    (store / "locks").mkdir(parents=True)
    eleven_minutes_ago = time.time() * 1000 - 11 * 60 * 1000
    planted = {"token": "theirs", "pid": 1, "createdMs": eleven_minutes_ago, "ttlMs": 10**15}
    (store / "locks" / "index.lock").write_text(json.dumps(planted))
    status, body = await api("fs/lock", {"path": "locks/index"})
    assert status == 200
    assert json.loads((store / "locks" / "index.lock").read_text())["token"] == body["token"]


async def test_lock_argument_errors(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    cases = [
        ({"path": ""}, 403, "E_PATH_NOT_WRITABLE"),
        ({"path": "."}, 403, "E_PATH_NOT_WRITABLE"),
        ({"path": "locks"}, 403, "E_PATH_NOT_WRITABLE"),
        ({"path": "locks/x", "ttlMs": 0}, 400, "E_BAD_REQUEST"),
        ({"path": "locks/x", "ttlMs": -5}, 400, "E_BAD_REQUEST"),
        ({"path": "locks/x", "ttlMs": True}, 400, "E_BAD_REQUEST"),
        ({"path": "locks/x", "ttlMs": 1.5}, 400, "E_BAD_REQUEST"),
        ({"path": "locks/x", "ttlMs": "30000"}, 400, "E_BAD_REQUEST"),
        ({"path": "locks/" + "n" * 251}, 400, "E_PATH_TOO_LONG"),  # n…n.lock is 256 bytes
    ]
    for body, status, code in cases:
        got_status, err = await api("fs/lock", body)
        assert (got_status, err["code"]) == (status, code), body
    status, err = await api("fs/unlock", {"path": "locks/x"})
    assert (status, err["code"]) == (400, "E_BAD_REQUEST")
    assert snapshot(jp_root_dir) == before


async def test_regression_a_planted_lock_from_the_future_or_nan_goes_stale(
    api: Api, store: Path
) -> None:
    # createdMs of 1e300 or NaN used to hold the lock for ever: such a file is
    # now judged by its mtime, like an unreadable one.
    (store / "locks").mkdir(parents=True)
    lock_file = store / "locks" / "index.lock"
    recently = time.time() * 1000 - 60_000
    planted_files = (
        '{"token": "t", "pid": 1, "createdMs": 1e300, "ttlMs": 1}',
        '{"token": "t", "pid": 1, "createdMs": 9e15, "ttlMs": 600000}',
        '{"token": "t", "pid": 1, "createdMs": Infinity, "ttlMs": 1}',
        '{"token": "t", "pid": 1, "createdMs": NaN, "ttlMs": 1}',
        f'{{"token": "t", "pid": 1, "createdMs": {recently}, "ttlMs": NaN}}',
    )
    for planted in planted_files:
        lock_file.write_text(planted)
        # Fresh by its mtime: held.
        status, err = await api("fs/lock", {"path": "locks/index"})
        assert (status, err["code"]) == (409, "E_LOCKED"), planted
        an_hour_ago = time.time() - 3600
        os.utime(lock_file, (an_hour_ago, an_hour_ago))
        status, body = await api("fs/lock", {"path": "locks/index"})
        assert status == 200, (planted, body)
        assert json.loads(lock_file.read_text())["token"] == body["token"]
