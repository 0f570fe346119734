"""The store layout holds while the file system changes under a request.

Regression tests for the second attack on the bridge: a path checked once
and then resolved again could land in the repository (a symlink flipped in
between), a folder renamed into place of a checked one was written into,
the server's own cache save followed a planted symlink, a store named
inside another store's `locks/` reached its locks, and lock files or
folder walks planted with odd times or shapes never ended.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import hash_walk, locks
from jupyterlab_mlops.hash_jobs import SETTINGS_KEY
from jupyterlab_mlops.store_init import CONFIG_TEMPLATE

from .conftest import Api
from .helpers import b64

PAGER = b64("[core]\n\tpager = touch PWNED\n")
NOT_WRITABLE = (403, "E_PATH_NOT_WRITABLE")


@pytest.fixture
def flipping() -> Iterator[Callable[[Callable[[], None]], None]]:
    """Run a step in a loop on a thread for the length of the test."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(step: Callable[[], None]) -> None:
        def loop() -> None:
            while not stop.is_set():
                try:
                    step()
                except OSError:
                    pass

        thread = threading.Thread(target=loop, daemon=True)
        threads.append(thread)
        thread.start()

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=5)


async def test_regression_a_flipping_symlink_never_reaches_the_config(
    api: Api, store: Path, flipping: Callable[[Callable[[], None]], None]
) -> None:
    # `a` flips between a plain folder and a link to the repository: the
    # path was checked on one answer and written on another.
    assert (await api("store/init", {}))[0] == 200
    (store / "plain").mkdir()
    link = store / ".link"

    def flip() -> None:
        link.unlink(missing_ok=True)
        link.symlink_to("plain")
        os.replace(link, store / "a")
        link.symlink_to("experiments.git")
        os.replace(link, store / "a")

    flipping(flip)
    codes = set()
    for _ in range(300):
        status, body = await api("fs/write", {"path": "a/config", "data": PAGER})
        codes.add(status if status == 200 else body["code"])
        await api("fs/write", {"path": "a/refs/heads/main", "data": PAGER, "parents": True})
    assert (store / "experiments.git" / "config").read_text() == CONFIG_TEMPLATE
    assert not (store / "experiments.git" / "refs" / "heads" / "main").exists()
    assert 200 in codes  # the plain folder was written to, some of the time


async def test_regression_a_repository_renamed_into_place_is_not_written(
    api: Api, store: Path, flipping: Callable[[Callable[[], None]], None]
) -> None:
    # `a` is a plain folder when checked; a rename puts a repository there
    # before the write (O_NOFOLLOW does not see renames).
    store.mkdir()
    repo = store / "repo"
    subprocess.run(["git", "init", "-q", "--bare", str(repo)], check=True)
    config = (repo / "config").read_text()
    (store / "a").mkdir()

    def swap() -> None:
        os.rename(store / "a", store / "plain")
        os.rename(repo, store / "a")
        os.rename(store / "a", repo)
        os.rename(store / "plain", store / "a")

    flipping(swap)
    for _ in range(300):
        await api("fs/write", {"path": "a/config", "data": PAGER})
        await api("fs/write", {"path": "a/hooks/post-update", "data": PAGER, "parents": True})
    time.sleep(0.05)
    for place in (repo, store / "a", store / "plain"):
        if (place / "HEAD").exists():
            assert (place / "config").read_text() == config
            assert not (place / "hooks" / "post-update").exists()


async def test_regression_config_is_template_only_as_a_regular_file(api: Api, store: Path) -> None:
    assert (await api("store/init", {}))[0] == 200
    config = store / "experiments.git" / "config"
    (store / "tpl").write_text(CONFIG_TEMPLATE)
    config.unlink()
    config.symlink_to("../tpl")
    status, body = await api("store/init", {})
    assert (status, body["configIsTemplate"]) == (200, False)


async def test_regression_the_cache_save_follows_no_planted_symlink(
    api: Api, jp_root_dir: Path
) -> None:
    store = jp_root_dir / ".mlops"
    assert (await api("store/init", {}))[0] == 200
    (store / "cache").mkdir()
    (store / "cache" / "hashes.json").symlink_to("../experiments.git/config")
    (jp_root_dir / "data.csv").write_text("a\n")
    status, job = await api("hash", {"paths": ["data.csv"], "waitMs": 5000})
    assert (status, job["state"]) == (200, "done")
    assert (store / "experiments.git" / "config").read_text() == CONFIG_TEMPLATE
    # The link itself was replaced by the cache file.
    assert not (store / "cache" / "hashes.json").is_symlink()

    # A `cache` folder linked into the repository is not written at all.
    (store / "cache" / "hashes.json").unlink()
    (store / "cache").rmdir()
    (store / "cache").symlink_to("experiments.git")
    (jp_root_dir / "more.csv").write_text("b\n")
    status, job = await api("hash", {"paths": ["more.csv"], "waitMs": 5000})
    assert (status, job["state"]) == (200, "done")
    assert not (store / "experiments.git" / "hashes.json").exists()


async def test_regression_a_store_inside_another_stores_locks_is_refused(
    api: Api, jp_root_dir: Path
) -> None:
    assert (await api("store/init", {"store": "s"}))[0] == 200
    status, held = await api("fs/lock", {"store": "s", "path": "locks/exp"})
    assert status == 200
    for store, route, body in (
        ("s/locks", "fs/write", {"path": "exp.lock", "data": b64("{}")}),
        ("s/locks", "fs/rm", {"path": "exp.lock"}),
        ("s/cache", "fs/write", {"path": "hashes.json", "data": b64("{}"), "parents": True}),
    ):
        status, err = await api(route, {**body, "store": store})
        assert (status, err["code"]) == NOT_WRITABLE, (store, route, err)
    assert (jp_root_dir / "s" / "locks" / "exp.lock").read_text().count(held["token"]) == 1


async def test_regression_a_lock_with_a_future_mtime_is_aged_by_its_ctime(
    api: Api, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tar keeps a planted lock's mtime of 2100; its ctime is when it arrived.
    (store / "locks").mkdir(parents=True)
    lock_file = store / "locks" / "exp.lock"
    lock_file.write_text("not json")
    year_2100 = 4102444800
    os.utime(lock_file, (year_2100, year_2100))
    status, err = await api("fs/lock", {"path": "locks/exp"})
    assert (status, err["code"]) == (409, "E_LOCKED")
    later = time.time() * 1000 + locks.DEFAULT_TTL_MS + 1000
    monkeypatch.setattr(locks, "_now_ms", lambda: later)
    status, body = await api("fs/lock", {"path": "locks/exp"})
    assert status == 200, body


async def test_regression_a_walk_of_many_folders_is_bounded_and_cancellable(
    api: Api, jp_root_dir: Path, jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 50,000 empty folders kept a job, and its slot, busy long after a cancel.
    wide = jp_root_dir / "wide"
    for index in range(300):
        (wide / f"d{index}" / "e").mkdir(parents=True)
    monkeypatch.setattr(hash_walk, "MAX_FOLDERS", 100)
    status, job = await api("hash", {"paths": ["wide"], "waitMs": 5000})
    assert (status, job["state"]) == (200, "done")
    assert job["results"][0]["error"]["code"] == "E_TOO_MANY_FILES"

    # A slow walk (each folder takes 20 ms) stops at the next folder once
    # cancelled: its slot is free long before the 12 s the walk would take.
    monkeypatch.setattr(hash_walk, "MAX_FOLDERS", 1_000_000)
    real_scan = hash_walk._scan

    def slow_scan(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.02)
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(hash_walk, "_scan", slow_scan)
    jobs = jp_serverapp.web_app.settings[SETTINGS_KEY]
    status, job = await api("hash", {"paths": ["wide"], "waitMs": 100})
    assert (status, job["state"]) == (200, "running")
    status, job = await api(f"hash/{job['jobId']}", method="DELETE")
    assert (status, job["state"]) == (200, "cancelled")
    started = time.monotonic()
    while jobs.running and time.monotonic() - started < 3:
        await asyncio.sleep(0.02)
    assert jobs.running == 0
