"""POST /mlops/fs/write-many: objects go to the store's repository only, sound ones only."""

from __future__ import annotations

import os
import subprocess
import zlib
from pathlib import Path

import pytest

from .conftest import Api
from .helpers import snapshot, temp_files
from .test_write_many import entry, git, git_object

GOOD_PATH, GOOD = git_object(b"good\n")
OID = GOOD_PATH.replace("experiments.git/objects/", "").replace("/", "")
NAME = GOOD_PATH.removeprefix("experiments.git/")


def init(store: Path) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(store / "experiments.git")], check=True)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(f"experiments.git/refs/{NAME}", id="under-refs"),
        pytest.param(f"experiments.git/refs/heads/{NAME}", id="under-refs-heads"),
        pytest.param(f"other.git/{NAME}", id="other-git-dir"),
        pytest.param(NAME, id="store-root"),
        pytest.param(f"cache/{NAME}", id="cache"),
        pytest.param(f"experiments.git/experiments.git/{NAME}", id="nested"),
        pytest.param(f"Experiments.git/{NAME}", id="case"),
    ],
)
async def test_objects_go_only_to_the_store_repository(
    api: Api, store: Path, jp_root_dir: Path, path: str
) -> None:
    init(store)
    before = snapshot(jp_root_dir)
    status, body = await api("fs/write-many", {"files": [entry(path, GOOD)]})
    assert (status, body["code"]) == (400, "E_BAD_REQUEST")
    assert "experiments.git/objects/" in body["message"]
    assert snapshot(jp_root_dir) == before
    # git keeps working on that repository (a stray file under refs/ would
    # make it warn "ignoring broken ref" and fsck fail).
    git(store, "fsck", "--strict")


async def test_dot_components_still_name_the_store_repository(api: Api, store: Path) -> None:
    init(store)
    status, body = await api(
        "fs/write-many", {"files": [entry(f"./experiments.git/./{NAME}", GOOD)]}
    )
    assert status == 200 and body["files"][0]["written"] is True
    assert git(store, "cat-file", "-p", OID) == "good\n"


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(b"not zlib", id="garbage"),
        pytest.param(GOOD[:-4], id="truncated"),
        pytest.param(GOOD + b"junk", id="trailing-bytes"),
        pytest.param(b"", id="empty"),
        pytest.param(zlib.compress(b"blob 5\0evil\n"), id="other-content"),
        pytest.param(zlib.compress(b"blob 5\0good\n" + b"\0" * 1_000_000), id="longer"),
    ],
)
async def test_a_corrupt_object_on_disk_is_replaced(
    api: Api, store: Path, corrupt: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "t")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "t@t")
    init(store)
    target = store / GOOD_PATH
    target.parent.mkdir(parents=True)
    target.write_bytes(corrupt)
    target.chmod(0o444)
    status, body = await api("fs/write-many", {"files": [entry(GOOD_PATH, GOOD)]})
    assert status == 200
    assert body["files"] == [{"path": GOOD_PATH, "size": len(GOOD), "written": True}]
    assert target.read_bytes() == GOOD
    assert temp_files(store) == []
    assert git(store, "cat-file", "-p", OID) == "good\n"
    commit = git(store, "commit-tree", tree(store), "-m", "m").strip()
    git(store, "update-ref", "refs/exps/nb/x", commit)
    git(store, "fsck", "--strict", "--no-dangling")


def tree(store: Path) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(store / "experiments.git"), "mktree"],
        input=f"100644 blob {OID}\tgood.txt\n",
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


async def test_a_sound_object_on_disk_is_kept(api: Api, store: Path) -> None:
    init(store)
    oid = (
        subprocess.run(
            ["git", "--git-dir", str(store / "experiments.git"), "hash-object", "-w", "--stdin"],
            input=b"good\n",
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .strip()
    )
    assert oid == OID
    before = snapshot(store)
    # Deflated by git at its own level: other bytes, same object.
    status, body = await api(
        "fs/write-many", {"files": [entry(GOOD_PATH, zlib.compress(b"blob 5\0good\n", 9))]}
    )
    assert status == 200 and body["files"][0]["written"] is False
    assert snapshot(store) == before


async def test_a_symlink_at_the_object_name_is_replaced_not_followed(api: Api, store: Path) -> None:
    init(store)
    config = store / "experiments.git" / "config"
    config_text = config.read_text()
    target = store / GOOD_PATH
    target.parent.mkdir(parents=True)
    os.symlink("../../config", target)
    status, body = await api("fs/write-many", {"files": [entry(GOOD_PATH, GOOD)]})
    assert status == 200 and body["files"][0]["written"] is True
    assert not target.is_symlink() and target.read_bytes() == GOOD
    assert config.read_text() == config_text


async def test_an_objects_folder_linked_elsewhere_in_the_store_is_refused(
    api: Api, store: Path
) -> None:
    init(store)
    (store / "elsewhere").mkdir()
    fan_out = store / GOOD_PATH.rsplit("/", 1)[0]
    fan_out.symlink_to(store / "elsewhere")
    before = snapshot(store)
    status, body = await api("fs/write-many", {"files": [entry(GOOD_PATH, GOOD)]})
    assert status == 403
    assert body["code"] == "E_PATH_NOT_WRITABLE"
    assert snapshot(store) == before
