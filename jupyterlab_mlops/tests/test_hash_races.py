"""The hashing functions on their own: swaps between planning and reading, odd names."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.hash_stream import Progress
from jupyterlab_mlops.hash_walk import Budget, Sig
from jupyterlab_mlops.hashing import hash_paths, hash_target, plan_path, root_area

from .hash_support import manifest_sha, sha


class DictCache:
    """The smallest cache: a dict, no persistence."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[Sig, str]] = {}

    def get(self, key: str, sig: Sig) -> str | None:
        entry = self.entries.get(key)
        return entry[1] if entry and entry[0] == sig else None

    def put(self, key: str, sig: Sig, sha: str) -> None:
        self.entries[key] = (sig, sha)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A Jupyter root with a folder `d/sub/f.txt`, and a folder outside it."""
    (tmp_path / "root" / "d" / "sub").mkdir(parents=True)
    (tmp_path / "root" / "d" / "sub" / "f.txt").write_text("inside")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "f.txt").write_text("secret")
    return tmp_path / "root"


def plan(root: Path, path: str, cache: Any = None) -> Any:
    return plan_path(
        root_area(root),
        path,
        store=root / ".mlops",
        cache=cache or DictCache(),
        budget=Budget(100),
        progress=Progress(),
    )


def hash_planned(root: Path, target: Any) -> dict[str, Any]:
    return hash_target(root_area(root), target, DictCache(), Progress(), bytearray(1 << 20))


def test_a_folder_swapped_for_a_symlink_after_planning_is_refused(root: Path) -> None:
    target = plan(root, "d")
    shutil.rmtree(root / "d" / "sub")
    (root / "d" / "sub").symlink_to(root.parent / "outside")
    with pytest.raises(MlopsError) as caught:
        hash_planned(root, target)
    assert caught.value.code == "E_PATH_OUTSIDE_ROOT"


def test_a_file_swapped_for_a_symlink_after_planning_is_refused(root: Path) -> None:
    target = plan(root, "d/sub/f.txt")
    (root / "d" / "sub" / "f.txt").unlink()
    (root / "d" / "sub" / "f.txt").symlink_to(root.parent / "outside" / "f.txt")
    with pytest.raises(MlopsError) as caught:
        hash_planned(root, target)
    assert caught.value.code == "E_PATH_OUTSIDE_ROOT"


def test_a_file_removed_after_planning_fails_its_folder(root: Path) -> None:
    target = plan(root, "d")
    (root / "d" / "sub" / "f.txt").unlink()
    with pytest.raises(MlopsError) as caught:
        hash_planned(root, target)
    assert caught.value.code == "E_NOT_FOUND"
    assert "d/sub/f.txt" in caught.value.message


def test_a_file_that_grew_after_planning_is_hashed_whole(root: Path) -> None:
    target = plan(root, "d/sub/f.txt")
    (root / "d" / "sub" / "f.txt").write_text("inside, and more")
    progress = Progress(bytes_total=target.size)
    result = hash_target(root_area(root), target, DictCache(), progress, bytearray(1 << 20))
    assert (result["sha256"], result["size"]) == (sha(b"inside, and more"), 16)
    assert progress.bytes_total == progress.bytes_done == 16


def test_names_that_are_not_utf8_are_hashed_as_bytes(root: Path) -> None:
    folder = os.fsencode(root / "d")
    for name in (b"\xff.bin", b"a\xe9", "\u00e9".encode()):
        fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, name)
        os.close(fd)
    result = hash_planned(root, plan(root, "d"))
    assert result["files"] == 4
    assert result["sha256"] == manifest_sha(root / "d")


def test_hash_paths_answers_in_request_order(root: Path) -> None:
    cache = DictCache()
    progress = Progress()
    results = hash_paths(
        root_area(root),
        ["d/sub/f.txt", "nope", "d"],
        store=root / ".mlops",
        cache=cache,
        progress=progress,
        max_files=10,
    )
    assert [r.get("sha256") for r in results] == [
        sha(b"inside"),
        None,
        manifest_sha(root / "d"),
    ]
    assert results[1]["error"]["code"] == "E_NOT_FOUND"
    assert progress.current_path == ""
