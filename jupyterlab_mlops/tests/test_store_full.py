"""A store on a full disk: every writing route answers E_NO_SPACE (507).

The store lives on a real tmpfs of a few pages mounted inside the Jupyter
root (see `mounts.py`): the kernel's own ENOSPC, no mock. After each
refusal no temp file is left, the previous content is intact, and folders
made on the way are gone again.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyterlab_mlops.errors import from_os_error

from .conftest import Api
from .helpers import b64, snapshot, temp_files, unb64
from .mounts import fill_blocks, fill_inodes, tmpfs

STORE = "vol/.mlops"


@pytest.fixture
def volume(jp_root_dir: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs with 64 inodes at `<root>/vol`, unmounted afterwards."""
    with tmpfs(jp_root_dir / "vol", size="256k", inodes=64) as where:
        yield where


async def call(api: Api, route: str, **body: object) -> tuple[int, dict[str, str]]:
    return await api(route, {**body, "store": STORE})


async def test_write_on_a_full_disk_keeps_the_old_content(api: Api, volume: Path) -> None:
    assert (await call(api, "fs/write", path="keep.txt", data=b64("old")))[0] == 200
    store = volume / ".mlops"
    fill_blocks(volume)
    before = snapshot(store, mtimes=False)

    status, body = await call(api, "fs/write", path="keep.txt", data=b64("new" * 5000))
    assert status == 507
    assert body["code"] == "E_NO_SPACE"
    assert "keep.txt" in body["message"]
    # The message names the client's path, never where the server keeps it.
    assert str(volume) not in body["message"]
    assert (store / "keep.txt").read_text() == "old"
    assert temp_files(store) == []
    assert snapshot(store, mtimes=False) == before

    # Reading still works on a full disk.
    status, body = await call(api, "fs/read", path="keep.txt")
    assert (status, unb64(body["data"])) == (200, b"old")


async def test_new_file_and_its_folders_are_not_left_behind(api: Api, volume: Path) -> None:
    assert (await call(api, "fs/mkdir", path="objects"))[0] == 200
    store = volume / ".mlops"
    fill_blocks(volume)
    before = snapshot(store, mtimes=False)

    for exclusive in (False, True):
        status, body = await call(
            api,
            "fs/write",
            path="objects/ab/cdef0123",
            data=b64(b"\x78" * 9000),
            parents=True,
            exclusive=exclusive,
        )
        assert (status, body["code"]) == (507, "E_NO_SPACE")
        # The folder `ab` was made (tmpfs folders take no block), then
        # removed again when the write failed.
        assert snapshot(store, mtimes=False) == before
        assert temp_files(store) == []


async def test_space_freed_makes_writes_work_again(api: Api, volume: Path) -> None:
    filler = fill_blocks(volume)
    status, body = await call(api, "fs/write", path="a.bin", data=b64(b"x" * 5000))
    assert (status, body["code"]) == (507, "E_NO_SPACE")
    assert not (volume / ".mlops").exists()

    filler.unlink()
    assert (await call(api, "fs/write", path="a.bin", data=b64(b"x" * 5000)))[0] == 200
    assert (volume / ".mlops" / "a.bin").read_bytes() == b"x" * 5000


async def test_lock_on_a_full_disk_leaves_no_lock_file(api: Api, volume: Path) -> None:
    assert (await call(api, "fs/lock", path="locks/first"))[0] == 200
    store = volume / ".mlops"
    (store / "locks" / "first.lock").unlink()
    fill_blocks(volume)

    status, body = await call(api, "fs/lock", path="locks/heads")
    assert (status, body["code"]) == (507, "E_NO_SPACE")
    # A half-written lock would block everybody until it went stale.
    assert sorted(p.name for p in (store / "locks").iterdir()) == []
    assert temp_files(store) == []


async def test_no_inode_left_refuses_mkdir_write_and_lock(api: Api, volume: Path) -> None:
    assert (await call(api, "fs/write", path="keep.txt", data=b64("old")))[0] == 200
    store = volume / ".mlops"
    fill_inodes(volume)
    before = snapshot(store, mtimes=False)

    for route, body in (
        ("fs/mkdir", {"path": "objects"}),
        ("fs/mkdir", {"path": "a/b/c", "parents": True}),
        ("fs/write", {"path": "keep.txt", "data": b64("new")}),
        ("fs/write", {"path": "empty", "data": ""}),
        ("fs/lock", {"path": "locks/HEAD"}),
    ):
        status, answer = await call(api, route, **body)
        assert (route, status, answer["code"]) == (route, 507, "E_NO_SPACE")
        assert snapshot(store, mtimes=False) == before
    assert (store / "keep.txt").read_text() == "old"

    # A store that does not exist yet is not created half-way either.
    status, answer = await api("fs/write", {"path": "x", "data": b64("x"), "store": "vol/other"})
    assert (status, answer["code"]) == (507, "E_NO_SPACE")
    assert not (volume / "other").exists()


def test_quota_and_no_space_errnos_share_one_code() -> None:
    for number in (errno.ENOSPC, errno.EDQUOT):
        err = from_os_error(OSError(number, "x"), "objects/ab/cd")
        assert (err.code, err.status) == ("E_NO_SPACE", 507)
        assert "'objects/ab/cd'" in err.message
