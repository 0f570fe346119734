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
    status, body = await api("fs/lock", {"path": "index", "ttlMs": 5000})
    assert status == 200
    token = body["token"]
    assert body == {"path": "index", "token": token} and len(token) >= 16
    content = json.loads((store / "index.lock").read_text())
    assert content["token"] == token
    assert content["pid"] == os.getpid()
    assert content["ttlMs"] == 5000
    assert abs(content["createdMs"] - time.time() * 1000) < 10_000

    assert await api("fs/unlock", {"path": "index", "token": token}) == (200, {"path": "index"})
    assert not (store / "index.lock").exists()


async def test_a_held_lock_is_refused_to_a_second_caller(api: Api, store: Path) -> None:
    first = (await api("fs/lock", {"path": "index"}))[1]["token"]
    status, err = await api("fs/lock", {"path": "index"})
    assert (status, err["code"]) == (409, "E_LOCKED")
    assert json.loads((store / "index.lock").read_text())["token"] == first


async def test_concurrent_lockers_get_exactly_one_lock(api: Api, store: Path) -> None:
    results = await asyncio.gather(*[api("fs/lock", {"path": "index"}) for _ in range(8)])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 7
    winner = next(body["token"] for status, body in results if status == 200)
    assert json.loads((store / "index.lock").read_text())["token"] == winner


async def test_unlock_with_a_wrong_token_keeps_the_lock(api: Api, store: Path) -> None:
    token = (await api("fs/lock", {"path": "index"}))[1]["token"]
    status, err = await api("fs/unlock", {"path": "index", "token": "not-" + token})
    assert (status, err["code"]) == (409, "E_LOCK_NOT_HELD")
    assert json.loads((store / "index.lock").read_text())["token"] == token
    status, err = await api("fs/lock", {"path": "index"})
    assert (status, err["code"]) == (409, "E_LOCKED")


async def test_unlock_without_a_lock_is_not_held(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    status, err = await api("fs/unlock", {"path": "index", "token": "t"})
    assert (status, err["code"]) == (409, "E_LOCK_NOT_HELD")
    status, err = await api("fs/unlock", {"path": "no/such/dir", "token": "t"})
    assert (status, err["code"]) == (409, "E_LOCK_NOT_HELD")
    assert snapshot(jp_root_dir) == before


async def test_a_lock_past_its_ttl_is_broken(api: Api, store: Path) -> None:
    old = (await api("fs/lock", {"path": "index", "ttlMs": 1}))[1]["token"]
    await asyncio.sleep(0.05)
    status, body = await api("fs/lock", {"path": "index"})
    assert status == 200 and body["token"] != old
    assert json.loads((store / "index.lock").read_text())["token"] == body["token"]
    # The old holder can no longer release the new lock.
    status, err = await api("fs/unlock", {"path": "index", "token": old})
    assert (status, err["code"]) == (409, "E_LOCK_NOT_HELD")
    assert (store / "index.lock").exists()
    assert [p.name for p in store.iterdir()] == ["index.lock"]


async def test_a_stale_lock_written_by_another_process_is_broken(api: Api, store: Path) -> None:
    store.mkdir()
    stale = {"token": "theirs", "pid": 1, "createdMs": time.time() * 1000 - 60_000, "ttlMs": 30_000}
    (store / "index.lock").write_text(json.dumps(stale))
    status, body = await api("fs/lock", {"path": "index"})
    assert status == 200
    assert json.loads((store / "index.lock").read_text())["token"] == body["token"]


async def test_an_unreadable_lock_is_aged_by_its_mtime(api: Api, store: Path) -> None:
    store.mkdir()
    lock_file = store / "index.lock"
    lock_file.write_text("")  # a holder between O_EXCL and its write
    status, err = await api("fs/lock", {"path": "index"})
    assert (status, err["code"]) == (409, "E_LOCKED")
    an_hour_ago = time.time() - 3600
    os.utime(lock_file, (an_hour_ago, an_hour_ago))
    status, body = await api("fs/lock", {"path": "index"})
    assert status == 200
    assert json.loads(lock_file.read_text())["token"] == body["token"]


async def test_lock_needs_its_folder_but_creates_the_store(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    status, err = await api("fs/lock", {"path": "refs/heads/main"})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")
    assert snapshot(jp_root_dir) == before
    assert (await api("fs/lock", {"path": "config"}))[0] == 200
    assert (jp_root_dir / ".mlops" / "config.lock").is_file()


async def test_lock_argument_errors(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    cases = [
        ({"path": ""}, 400, "E_STORE_ROOT"),
        ({"path": "."}, 400, "E_STORE_ROOT"),
        ({"path": "x", "ttlMs": 0}, 400, "E_BAD_REQUEST"),
        ({"path": "x", "ttlMs": -5}, 400, "E_BAD_REQUEST"),
        ({"path": "x", "ttlMs": True}, 400, "E_BAD_REQUEST"),
        ({"path": "x", "ttlMs": 1.5}, 400, "E_BAD_REQUEST"),
        ({"path": "x", "ttlMs": "30000"}, 400, "E_BAD_REQUEST"),
        ({"path": "n" * 251}, 400, "E_PATH_TOO_LONG"),  # n…n.lock is 256 bytes
    ]
    for body, status, code in cases:
        got_status, err = await api("fs/lock", body)
        assert (got_status, err["code"]) == (status, code), body
    status, err = await api("fs/unlock", {"path": "x"})
    assert (status, err["code"]) == (400, "E_BAD_REQUEST")
    assert snapshot(jp_root_dir) == before
