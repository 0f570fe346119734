"""POST /mlops/fs/list, stat, readlink, mkdir and rm."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .helpers import snapshot


@pytest.fixture
def tree(store: Path) -> Path:
    """store/{b.txt, a/, a/inner, link -> b.txt, pipe (fifo), .mlops-tmp-x}."""
    (store / "a").mkdir(parents=True)
    (store / "a" / "inner").write_text("inner")
    (store / "b.txt").write_text("bee")
    (store / "link").symlink_to("b.txt")
    os.mkfifo(store / "pipe")
    (store / ".mlops-tmp-0123").write_text("in flight")
    return store


async def test_list_sorts_entries_with_their_types(api: Api, tree: Path) -> None:
    status, body = await api("fs/list", {"path": ""})
    assert status == 200
    assert body == {
        "path": "",
        "entries": [
            {"name": "a", "type": "dir"},
            {"name": "b.txt", "type": "file"},
            {"name": "link", "type": "symlink"},
            {"name": "pipe", "type": "other"},
        ],
    }


async def test_list_of_a_subfolder_and_errors(api: Api, tree: Path) -> None:
    status, body = await api("fs/list", {"path": "a"})
    assert (status, body["entries"]) == (200, [{"name": "inner", "type": "file"}])
    status, err = await api("fs/list", {"path": "b.txt"})
    assert (status, err["code"]) == (409, "E_NOT_A_DIRECTORY")
    status, err = await api("fs/list", {"path": "nope"})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")


async def test_list_of_a_missing_store_is_not_found_and_creates_nothing(
    api: Api, store: Path
) -> None:
    status, err = await api("fs/list", {"path": ""})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")
    assert not store.exists()


async def test_stat_reports_the_file(api: Api, tree: Path) -> None:
    status, body = await api("fs/stat", {"path": "b.txt"})
    info = os.stat(tree / "b.txt")
    assert status == 200
    assert body == {
        "path": "b.txt",
        "type": "file",
        "size": 3,
        "mode": info.st_mode,
        "mtimeMs": info.st_mtime_ns / 1e6,
        "ctimeMs": info.st_ctime_ns / 1e6,
        "ino": info.st_ino,
        "dev": info.st_dev,
        "uid": info.st_uid,
        "gid": info.st_gid,
    }


async def test_stat_follows_symlinks_unless_told_not_to(api: Api, tree: Path) -> None:
    followed = (await api("fs/stat", {"path": "link"}))[1]
    itself = (await api("fs/stat", {"path": "link", "follow": False}))[1]
    assert (followed["type"], followed["size"]) == ("file", 3)
    assert itself["type"] == "symlink"
    assert stat.S_ISLNK(itself["mode"])
    assert itself["ino"] == os.lstat(tree / "link").st_ino


async def test_stat_of_folders_and_missing_paths(api: Api, tree: Path) -> None:
    assert (await api("fs/stat", {"path": "a"}))[1]["type"] == "dir"
    assert (await api("fs/stat", {"path": "."}))[1]["type"] == "dir"
    assert (await api("fs/stat", {"path": "pipe"}))[1]["type"] == "other"
    status, err = await api("fs/stat", {"path": "a/nope"})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")


async def test_readlink(api: Api, tree: Path) -> None:
    assert await api("fs/readlink", {"path": "link"}) == (200, {"path": "link", "target": "b.txt"})
    status, err = await api("fs/readlink", {"path": "b.txt"})
    assert (status, err["code"]) == (500, "E_IO")
    assert "not a symbolic link" in err["message"]


async def test_mkdir(api: Api, store: Path) -> None:
    assert await api("fs/mkdir", {"path": "objects"}) == (200, {"path": "objects"})
    assert (store / "objects").is_dir()
    status, err = await api("fs/mkdir", {"path": "objects"})
    assert (status, err["code"]) == (409, "E_EXISTS")
    assert (await api("fs/mkdir", {"path": "x/y/z", "parents": True}))[0] == 200
    assert (store / "x" / "y" / "z").is_dir()


async def test_mkdir_of_an_existing_file_or_symlink_is_exists(api: Api, tree: Path) -> None:
    for path in ("b.txt", "link"):
        status, err = await api("fs/mkdir", {"path": path})
        assert (status, err["code"]) == (409, "E_EXISTS")
    assert (tree / "link").is_symlink()


async def test_mkdir_without_parents_changes_nothing(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    status, err = await api("fs/mkdir", {"path": "x/y"})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")
    assert snapshot(jp_root_dir) == before


async def test_mkdir_of_the_store_itself(api: Api, store: Path) -> None:
    assert await api("fs/mkdir", {"path": ""}) == (200, {"path": ""})
    assert store.is_dir()
    status, err = await api("fs/mkdir", {"path": "."})
    assert (status, err["code"]) == (409, "E_EXISTS")


async def test_rm_a_file_a_symlink_and_an_empty_folder(api: Api, tree: Path) -> None:
    (tree / "empty").mkdir()
    for path in ("link", "empty", "pipe"):
        assert await api("fs/rm", {"path": path}) == (200, {"path": path})
    assert not (tree / "link").is_symlink()
    assert (tree / "b.txt").read_text() == "bee", "rm of a symlink must not touch its target"
    assert not (tree / "empty").exists()
    assert (await api("fs/rm", {"path": "b.txt"}))[0] == 200
    assert sorted(p.name for p in tree.iterdir()) == [".mlops-tmp-0123", "a"]


async def test_rm_of_a_full_folder_needs_recursive(api: Api, tree: Path) -> None:
    status, err = await api("fs/rm", {"path": "a"})
    assert (status, err["code"]) == (409, "E_NOT_EMPTY")
    assert (tree / "a" / "inner").read_text() == "inner"
    assert (await api("fs/rm", {"path": "a", "recursive": True}))[0] == 200
    assert not (tree / "a").exists()


async def test_rm_recursive_does_not_follow_symlinks_out(
    api: Api, store: Path, outside: Path
) -> None:
    (store / "d").mkdir(parents=True)
    (store / "d" / "out").symlink_to(outside)
    before = snapshot(outside)
    assert (await api("fs/rm", {"path": "d", "recursive": True}))[0] == 200
    assert not (store / "d").exists()
    assert snapshot(outside) == before


async def test_rm_errors(api: Api, tree: Path) -> None:
    status, err = await api("fs/rm", {"path": "nope"})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")
    for path in ("", "."):
        status, err = await api("fs/rm", {"path": path, "recursive": True})
        assert (status, err["code"]) == (400, "E_STORE_ROOT")
    assert (tree / "b.txt").exists()


async def test_a_failed_mkdir_removes_the_folders_it_made(
    api: Api, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mkdir = os.mkdir

    def failing_on_z(path: Any, *args: Any, **kwargs: Any) -> None:
        if path == "z":
            raise OSError(errno.EIO, "Input/output error")
        real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", failing_on_z)
    before = snapshot(jp_root_dir, mtimes=False)
    status, err = await api("fs/mkdir", {"path": "x/y/z", "parents": True})
    assert (status, err["code"]) == (500, "E_IO")
    assert snapshot(jp_root_dir, mtimes=False) == before
    assert not (jp_root_dir / ".mlops").exists()
