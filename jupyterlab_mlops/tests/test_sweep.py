"""Stale temp files left by a killed server are swept when a store is used.

Only regular files named `.mlops-tmp-*` older than `stale_temp_seconds`
go; symlinks (and what they point to), folders, fresh temp files and every
other file stay, and nothing outside the store is looked at.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError
from traitlets.config import Config

from jupyterlab_mlops import sweep as sweep_module
from jupyterlab_mlops.config import MlopsExtension
from jupyterlab_mlops.paths import open_store
from jupyterlab_mlops.sweep import sweep_if_due, sweep_store

from .conftest import Api
from .test_store_commit import OTHER, REF, commit

MAX_AGE = 2
HOUR_AGO = time.time() - 3600


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """A short threshold, so the test can see a second sweep happen."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": {"stale_temp_seconds": MAX_AGE},
    }


def make_file(path: Path, text: str = "x", *, mtime: float = HOUR_AGO) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return path


def make_link(path: Path, target: Path) -> Path:
    path.symlink_to(target)
    os.utime(path, (HOUR_AGO, HOUR_AGO), follow_symlinks=False)
    return path


def tree(folder: Path) -> list[str]:
    return sorted(
        str(Path(base, name).relative_to(folder))
        for base, dirs, files in os.walk(folder)
        for name in dirs + files
    )


async def test_first_use_sweeps_old_temp_files_only(api: Api, store: Path, outside: Path) -> None:
    old = [
        make_file(store / ".mlops-tmp-0123456789abcdef"),
        make_file(store / "experiments.git/objects/ab/.mlops-tmp-00000000000000aa"),
        make_file(store / "experiments.git/refs/exps/nb/.mlops-tmp-lock-00000000000000bb"),
    ]
    kept = [
        make_file(store / ".mlops-tmp-fresh", mtime=time.time() + 60),
        make_file(store / "experiments.git/objects/ab/cdef0123"),
        make_file(store / "experiments.git/HEAD", "ref: refs/heads/main\n"),
        make_file(store / ".mlops-tmp-folder/inside"),
        make_link(store / ".mlops-tmp-link", outside / "sentinel.txt"),
        make_link(store / "linked", outside),
    ]
    outside_temp = make_file(outside / ".mlops-tmp-outside0000")
    before = tree(store)

    status, _ = await api("fs/list", {"path": ""})
    assert status == 200
    assert all(not path.exists() for path in old)
    assert all(os.path.lexists(path) for path in kept)
    assert tree(store) == sorted(set(before) - {str(p.relative_to(store)) for p in old})
    # Symlinks were neither followed nor removed.
    assert outside_temp.exists()
    assert (outside / "sentinel.txt").read_text() == "do not touch"


async def test_a_store_is_swept_again_only_once_its_last_sweep_is_old(
    api: Api, store: Path
) -> None:
    make_file(store / "HEAD")
    assert (await api("fs/stat", {"path": "HEAD"}))[0] == 200
    # Left by a crash after the first sweep: not looked for at every request.
    late = make_file(store / "objects/.mlops-tmp-1111111111111111")
    assert (await api("fs/stat", {"path": "HEAD"}))[0] == 200
    assert late.exists()

    await asyncio.sleep(MAX_AGE + 0.2)
    assert (await api("fs/stat", {"path": "HEAD"}))[0] == 200
    assert not late.exists()


async def test_other_stores_are_swept_on_their_own_first_use(api: Api, jp_root_dir: Path) -> None:
    first = make_file(jp_root_dir / "one/.mlops-tmp-2222222222222222")
    second = make_file(jp_root_dir / "two/.mlops-tmp-3333333333333333")
    assert (await api("fs/list", {"path": "", "store": "one"}))[0] == 200
    assert not first.exists()
    assert second.exists()
    assert (await api("fs/stat", {"path": "", "store": "two"}))[0] == 200
    assert not second.exists()


async def test_regression_a_get_changes_nothing(api: Api, jp_root_dir: Path) -> None:
    # `GET /mlops/status?store=X` used to sweep X: a GET with a side effect,
    # reachable cross-site without the XSRF check a POST needs.
    stale = make_file(jp_root_dir / "three/.mlops-tmp-6666666666666666")
    before = tree(jp_root_dir)
    for _ in range(2):
        assert (await api("status", method="GET", params={"store": "three"}))[0] == 200
        assert (await api("status", method="GET"))[0] == 200
    assert stale.exists()
    assert tree(jp_root_dir) == before
    # The first POST that uses the store sweeps it.
    assert (await api("fs/list", {"path": "", "store": "three"}))[0] == 200
    assert not stale.exists()


def test_zero_turns_the_sweep_off(tmp_path: Path) -> None:
    temp = make_file(tmp_path / "store/.mlops-tmp-4444444444444444")
    store = open_store(tmp_path, "store")
    log = logging.getLogger("test")
    assert sweep_if_due({}, store, 0, log) == 0
    assert temp.exists()
    assert sweep_if_due({}, store, 60, log) == 1
    assert not temp.exists()


def test_a_missing_store_sweeps_nothing(tmp_path: Path) -> None:
    assert sweep_store(open_store(tmp_path, "missing"), 60) == 0
    assert not (tmp_path / "missing").exists()


def test_a_store_reached_through_a_symlink_is_swept_in_its_real_place(tmp_path: Path) -> None:
    temp = make_file(tmp_path / "real/.mlops-tmp-5555555555555555")
    (tmp_path / "alias").symlink_to(tmp_path / "real")
    assert sweep_store(open_store(tmp_path, "alias"), 60) == 1
    assert not temp.exists()


def test_negative_threshold_is_refused() -> None:
    with pytest.raises(TraitError):
        MlopsExtension(config=Config({"MlopsExtension": {"stale_temp_seconds": -1}}))
    assert MlopsExtension().stale_temp_seconds == 3600


async def test_stale_git_locks_of_the_repository_go_and_unblock_an_edit(
    api: Api, store: Path, outside: Path
) -> None:
    """A `<ref>.lock` left by a killed writer refuses that experiment's edits (`E_LOCKED`:
    git never breaks a lock); once it is as old as a stale temp file, the sweep removes
    it and the edit goes through. Only ref locks and `packed-refs.lock` go: git's other
    locks, fresh locks, symlinks and folders named `*.lock` stay."""
    status, _ = await api("store/init", {})
    assert status == 200
    _, created, first = await commit(api, REF, "first", None)
    assert created["ref"]["oid"] == first
    repository = store / "experiments.git"
    stale = [
        make_file(repository / f"{REF}.lock", first + "\n"),
        make_file(repository / "packed-refs.lock"),
        make_file(repository / "refs/sync/origin/exps/nb/01KB0000000000000000000009.lock"),
    ]
    kept = [
        make_file(repository / f"{OTHER}.lock", mtime=time.time() + 60),
        make_file(repository / "config.lock"),
        make_file(repository / "HEAD.lock"),
        make_file(repository / "objects/ab/cd.lock"),
        make_file(store / "refs/exps/nb/x.lock"),
        make_file(repository / "refs/exps/nb/folder.lock/inside"),
        make_link(repository / "refs/exps/nb/link.lock", outside / "sentinel.txt"),
    ]
    status, body, _ = await commit(api, REF, "edit", first, parent=first)
    assert (status, body["code"]) == (409, "E_LOCKED"), body

    await asyncio.sleep(MAX_AGE + 0.2)
    status, body, second = await commit(api, REF, "edit", first, parent=first)
    assert status == 200, body
    assert (repository / REF).read_text() == f"{second}\n"
    assert all(not path.exists() for path in stale)
    assert all(os.path.lexists(path) for path in kept)
    assert (outside / "sentinel.txt").read_text() == "do not touch"


def test_a_git_lock_younger_than_ten_minutes_stays_whatever_the_setting(tmp_path: Path) -> None:
    store_dir = tmp_path / ".mlops"
    repository = store_dir / "experiments.git"
    five_minutes = time.time() - 300
    young = make_file(
        repository / "refs/exps/nb/01KB0000000000000000000000.lock", mtime=five_minutes
    )
    temp = make_file(repository / "refs/exps/nb/.mlops-tmp-00000000000000cc", mtime=five_minutes)
    store = open_store(tmp_path, ".mlops")
    assert sweep_store(store, 1) == 1
    assert young.exists() and not temp.exists()


def test_a_lock_taken_again_while_the_sweep_moves_it_is_put_back(tmp_path: Path) -> None:
    """Attack review: two servers' sweeps and a writer: the old lock found by one sweep was
    removed by the other and a writer took the lock anew; the first sweep must not remove
    the writer's lock."""
    folder = tmp_path / "refs"
    old = make_file(folder / "x.lock", "old\n")
    found = os.stat(old)
    old.unlink()
    make_file(folder / "x.lock", "writer\n", mtime=time.time())
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        cutoff = time.time_ns() - sweep_module.GIT_LOCK_MIN_AGE_S * 10**9
        assert not sweep_module._remove_lock(fd, "x.lock", found, cutoff)
    finally:
        os.close(fd)
    assert (folder / "x.lock").read_text() == "writer\n"
    assert sorted(p.name for p in folder.iterdir()) == ["x.lock"]
