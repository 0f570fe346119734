"""A store on a read-only mount: every writing route answers E_READ_ONLY (403).

A real tmpfs inside the Jupyter root, filled through the routes, then
remounted read-only (the kernel's own EROFS). Reading keeps working;
nothing changes on disk. An immutable folder (`chattr +i`, which binds root
too) gives the kernel's EPERM, the other way a write is refused.
"""

from __future__ import annotations

import errno
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyterlab_mlops.errors import from_os_error

from .conftest import Api
from .helpers import b64, snapshot, temp_files, unb64
from .mounts import remount_read_only, tmpfs

STORE = "vol/.mlops"


@pytest.fixture
def volume(jp_root_dir: Path) -> Iterator[Path]:
    """A small tmpfs at `<root>/vol`, unmounted afterwards."""
    with tmpfs(jp_root_dir / "vol", size="1m", inodes=256) as where:
        yield where


async def call(api: Api, route: str, **body: object) -> tuple[int, dict[str, str]]:
    return await api(route, {**body, "store": STORE})


async def test_every_writing_route_is_refused(api: Api, volume: Path) -> None:
    assert (await call(api, "fs/write", path="keep.txt", data=b64("old")))[0] == 200
    assert (await call(api, "fs/mkdir", path="refs"))[0] == 200
    status, held = await call(api, "fs/lock", path="locks/heads")
    assert status == 200
    store = volume / ".mlops"
    remount_read_only(volume)
    before = snapshot(store)

    for route, body in (
        ("fs/write", {"path": "keep.txt", "data": b64("new")}),
        ("fs/write", {"path": "new.txt", "data": b64("new"), "exclusive": True}),
        ("fs/write", {"path": "objects/ab/cd", "data": b64("x"), "parents": True}),
        ("fs/mkdir", {"path": "objects"}),
        ("fs/mkdir", {"path": "objects/ab", "parents": True}),
        ("fs/rm", {"path": "keep.txt"}),
        ("fs/rm", {"path": "refs", "recursive": True}),
        ("fs/lock", {"path": "locks/keep.txt"}),
        ("fs/unlock", {"path": "locks/heads", "token": held["token"]}),
    ):
        status, answer = await call(api, route, **body)
        assert (route, status, answer["code"]) == (route, 403, "E_READ_ONLY")
        assert "read-only" in answer["message"]
    assert snapshot(store) == before
    assert temp_files(store) == []

    # Reading is not affected.
    status, answer = await call(api, "fs/read", path="keep.txt")
    assert (status, unb64(answer["data"])) == (200, b"old")
    status, answer = await call(api, "fs/list", path="")
    assert (status, [e["name"] for e in answer["entries"]]) == (200, ["keep.txt", "locks", "refs"])
    assert (await call(api, "fs/stat", path="locks/heads.lock"))[0] == 200


async def test_a_missing_store_on_a_read_only_mount_is_not_created(api: Api, volume: Path) -> None:
    remount_read_only(volume)
    status, answer = await api("fs/write", {"path": "x", "data": b64("x"), "store": "vol/new"})
    assert (status, answer["code"]) == (403, "E_READ_ONLY")
    status, answer = await api("fs/lock", {"path": "locks/x", "store": "vol/new"})
    assert (status, answer["code"]) == (403, "E_READ_ONLY")
    assert list(volume.iterdir()) == []


async def test_hashing_still_works_with_its_cache_unwritable(
    api: Api, volume: Path, jp_root_dir: Path
) -> None:
    (jp_root_dir / "data.csv").write_text("a,b\n1,2\n")
    remount_read_only(volume)
    status, job = await api("hash", {"paths": ["data.csv"], "waitMs": 5000, "store": STORE})
    assert (status, job["state"]) == (200, "done")
    assert job["results"][0]["size"] == 8


@pytest.mark.skipif(shutil.which("chattr") is None, reason="chattr is not installed")
async def test_an_immutable_folder_is_read_only_too(api: Api, volume: Path) -> None:
    assert (await call(api, "fs/write", path="objects/keep", data=b64("old"), parents=True))[
        0
    ] == 200
    folder = volume / ".mlops" / "objects"
    locks = volume / ".mlops" / "locks"
    locks.mkdir()
    done = subprocess.run(
        ["chattr", "+i", str(folder), str(locks)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not supported here: {done.stderr.decode().strip()}")
    try:
        for route, body in (
            ("fs/write", {"path": "objects/keep", "data": b64("new")}),
            ("fs/mkdir", {"path": "objects/ab"}),
            ("fs/rm", {"path": "objects/keep"}),
            ("fs/lock", {"path": "locks/keep"}),
        ):
            status, answer = await call(api, route, **body)
            # EPERM from the kernel: refused like a read-only mount.
            assert (route, status, answer["code"]) == (route, 403, "E_READ_ONLY")
        assert [p.name for p in folder.iterdir()] == ["keep"]
        assert (folder / "keep").read_text() == "old"
    finally:
        subprocess.run(["chattr", "-i", str(folder), str(locks)], check=True)


def test_permission_errors_are_read_only_on_writes_only() -> None:
    for number in (errno.EACCES, errno.EPERM):
        assert from_os_error(OSError(number, "x"), "a", writing=True).code == "E_READ_ONLY"
        assert from_os_error(OSError(number, "x"), "a").code == "E_IO"
    assert from_os_error(OSError(errno.EROFS, "x"), "a").code == "E_READ_ONLY"
