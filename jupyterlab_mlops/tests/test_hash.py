"""POST /mlops/hash: file and folder hashes, request order, symlinks inside the root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import Api
from .hash_support import MIB, data, hash_done, hash_one, manifest_sha, sha

SIZES = [
    pytest.param(0, id="empty"),
    pytest.param(1, id="1-byte"),
    pytest.param(MIB - 1, id="1MiB-minus-1"),
    pytest.param(MIB, id="exactly-1MiB"),
    pytest.param(MIB + 1, id="1MiB-plus-1"),
    pytest.param(5 * MIB + 12345, id="about-5MiB"),
]


@pytest.mark.parametrize("size", SIZES)
async def test_file_hash_equals_hashlib(api: Api, jp_root_dir: Path, size: int) -> None:
    raw = data(size)
    (jp_root_dir / "data.bin").write_bytes(raw)
    result = await hash_one(api, "data.bin")
    assert result == {
        "path": "data.bin",
        "kind": "file",
        "sha256": sha(raw),
        "size": size,
        "cached": False,
    }


async def test_results_follow_the_request_order(api: Api, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("a")
    (jp_root_dir / "sub").mkdir()
    (jp_root_dir / "sub" / "b.txt").write_text("b")
    results = await hash_done(api, ["sub/b.txt", "missing.csv", "./a.txt", "sub", "a.txt"])
    assert [r["path"] for r in results] == ["sub/b.txt", "missing.csv", "./a.txt", "sub", "a.txt"]
    assert results[0]["sha256"] == sha(b"b")
    assert results[1]["error"]["code"] == "E_NOT_FOUND"
    assert set(results[1]) == {"path", "error"}
    assert results[2]["sha256"] == results[4]["sha256"] == sha(b"a")
    assert results[3]["kind"] == "dir"


async def test_a_small_request_answers_in_one_round_trip(api: Api, jp_root_dir: Path) -> None:
    (jp_root_dir / "a.txt").write_text("a")
    status, body = await api("hash", {"paths": ["a.txt"]})  # default waitMs: 200
    assert status == 200
    assert body["state"] == "done"
    assert (body["bytesDone"], body["bytesTotal"], body["currentPath"]) == (1, 1, "")
    assert len(body["jobId"]) >= 20


def make_tree(root: Path, order: list[str]) -> None:
    """Files of fixed content, created in the given order."""
    contents = {
        "b.csv": b"b" * 10,
        "a/x.bin": data(3000, 1),
        "a.txt": b"a.txt",
        "a-b": b"dash",
        "a/deeper/z": b"",
        "\u00e9t\u00e9.csv": "\u00e9".encode(),
    }
    for rel in order:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(contents[rel])


ORDER = ["b.csv", "a/x.bin", "a.txt", "a-b", "a/deeper/z", "\u00e9t\u00e9.csv"]


async def test_folder_hash_is_the_sorted_manifest(api: Api, jp_root_dir: Path) -> None:
    make_tree(jp_root_dir / "d", ORDER)
    result = await hash_one(api, "d")
    assert result == {
        "path": "d",
        "kind": "dir",
        "sha256": manifest_sha(jp_root_dir / "d"),
        "size": 10 + 3000 + 5 + 4 + 0 + 2,
        "files": 6,
        "skipped": 0,
        "cached": False,
    }


async def test_folder_hash_does_not_depend_on_creation_order(api: Api, jp_root_dir: Path) -> None:
    make_tree(jp_root_dir / "one", ORDER)
    make_tree(jp_root_dir / "two", list(reversed(ORDER)))
    one, two = await hash_done(api, ["one", "two"])
    assert one["sha256"] == two["sha256"]


CHANGES = {
    "content-same-size": lambda d: (d / "a.txt").write_bytes(b"A.txt"),
    "rename": lambda d: (d / "a.txt").rename(d / "a2.txt"),
    "move-to-subfolder": lambda d: (d / "a.txt").rename(d / "a" / "a.txt"),
    "add-empty-file": lambda d: (d / "new").write_bytes(b""),
    "add-nested-file": lambda d: (d / "a" / "deeper" / "y").write_bytes(b"y"),
    "remove-file": lambda d: (d / "b.csv").unlink(),
    "grow-file": lambda d: (d / "a-b").write_bytes(b"dash!"),
}


@pytest.mark.parametrize("change", list(CHANGES))
async def test_folder_hash_changes_with_any_file(api: Api, jp_root_dir: Path, change: str) -> None:
    folder = jp_root_dir / "d"
    make_tree(folder, ORDER)
    before = await hash_one(api, "d")
    CHANGES[change](folder)
    after = await hash_one(api, "d")
    assert after["sha256"] != before["sha256"]
    assert after["sha256"] == manifest_sha(folder)


async def test_folder_hash_ignores_timestamps_and_empty_folders(
    api: Api, jp_root_dir: Path
) -> None:
    folder = jp_root_dir / "d"
    make_tree(folder, ORDER)
    before = await hash_one(api, "d")
    os.utime(folder / "a.txt", ns=(1, 1))
    (folder / "empty").mkdir()
    assert (await hash_one(api, "d"))["sha256"] == before["sha256"]


async def test_folder_walk_skips_caches_vcs_and_the_store(
    api: Api, jp_root_dir: Path, store: Path
) -> None:
    make_tree(jp_root_dir, ORDER)
    before = await hash_one(api, ".")  # the whole Jupyter root
    for rel in [".git/HEAD", "a/.ipynb_checkpoints/x-checkpoint.ipynb", "__pycache__/m.pyc"]:
        (jp_root_dir / rel).parent.mkdir(parents=True, exist_ok=True)
        (jp_root_dir / rel).write_text("noise")
    (store / "objects").mkdir(parents=True, exist_ok=True)
    (store / "objects" / "blob").write_text("noise")
    after = await hash_one(api, ".")
    assert after["sha256"] == before["sha256"]
    assert after["files"] == 6
    # Asked for directly, a skipped folder is hashed like any other.
    assert (await hash_one(api, ".git"))["files"] == 1


async def test_symlinks_inside_a_folder_are_skipped(
    api: Api, jp_root_dir: Path, outside: Path
) -> None:
    make_tree(jp_root_dir / "d", ORDER)
    (jp_root_dir / "elsewhere.csv").write_text("inside the root, outside the folder")
    plain = await hash_one(api, "d")
    (jp_root_dir / "d" / "to-outside-file").symlink_to(outside / "sentinel.txt")
    (jp_root_dir / "d" / "to-outside-dir").symlink_to(outside)
    (jp_root_dir / "d" / "a" / "to-sibling").symlink_to("../../elsewhere.csv")
    (jp_root_dir / "d" / "a" / "loop").symlink_to(".")
    os.mkfifo(jp_root_dir / "d" / "fifo")
    linked = await hash_one(api, "d")
    assert linked["sha256"] == plain["sha256"]
    assert (linked["files"], linked["skipped"]) == (6, 5)


async def test_a_symlink_named_in_the_request_is_followed_inside_the_root(
    api: Api, jp_root_dir: Path
) -> None:
    make_tree(jp_root_dir / "d", ORDER)
    (jp_root_dir / "link.txt").symlink_to("d/a.txt")
    (jp_root_dir / "linkdir").symlink_to("d")
    (jp_root_dir / "real").mkdir()
    (jp_root_dir / "real" / "via").symlink_to("../d/a")
    file, folder, middle = await hash_done(api, ["link.txt", "linkdir", "real/via/x.bin"])
    assert (file["path"], file["sha256"]) == ("link.txt", sha(b"a.txt"))
    assert folder["sha256"] == manifest_sha(jp_root_dir / "d")
    assert middle["sha256"] == sha(data(3000, 1))


async def test_a_fifo_is_refused_without_blocking(api: Api, jp_root_dir: Path) -> None:
    os.mkfifo(jp_root_dir / "pipe")
    result = await hash_one(api, "pipe")
    assert result["error"]["code"] == "E_IO"


async def test_an_unreadable_file_fails_its_own_entry(api: Api, jp_root_dir: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    (jp_root_dir / "locked").write_text("x")
    (jp_root_dir / "locked").chmod(0)
    (jp_root_dir / "ok").write_text("y")
    locked, ok = await hash_done(api, ["locked", "ok"])
    assert locked["error"]["code"] == "E_IO"
    assert ok["sha256"] == sha(b"y")
