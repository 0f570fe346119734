"""Two writers making the same folder at once (found by the two-process test).

A folder that appears between our failed open and our mkdir is another
writer's: the write goes on in it, and a failing write does not roll it
back. Before the fix the mkdir's EEXIST came out as `E_EXISTS`, which
`write-many` took for "the object is there already": the object was never
written and a ref could point at it.
"""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import pytest

from jupyterlab_mlops import store_write
from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.paths import open_store
from jupyterlab_mlops.write_many import write_objects

from .test_write_many import git_object

_mkdir = os.mkdir


def _racing_mkdir(path: str, mode: int = 0o777, *, dir_fd: int | None = None) -> None:
    """The other writer makes the folder first, then ours fails with EEXIST."""
    _mkdir(path, mode, dir_fd=dir_fd)
    _mkdir(path, mode, dir_fd=dir_fd)


def test_write_uses_a_folder_another_writer_just_made(tmp_path: Path) -> None:
    store = open_store(tmp_path, ".mlops")
    (tmp_path / ".mlops").mkdir()
    with mock.patch("os.mkdir", _racing_mkdir):
        store_write.write(store, "objects/ab/cdef", b"x", exclusive=True, parents=True)
    assert (tmp_path / ".mlops/objects/ab/cdef").read_bytes() == b"x"


def test_write_many_writes_the_object_when_its_folder_races(tmp_path: Path) -> None:
    store = open_store(tmp_path, ".mlops")
    (tmp_path / ".mlops/experiments.git/objects").mkdir(parents=True)
    path, data = git_object(b"raced\n")
    with mock.patch("os.mkdir", _racing_mkdir):
        answers = write_objects(store, [(path, data)], 1 << 20)
    assert answers == [{"path": path, "size": len(data), "written": True}]
    assert (tmp_path / ".mlops" / path).read_bytes() == data


def test_a_failed_write_keeps_a_folder_it_did_not_make(tmp_path: Path) -> None:
    store = open_store(tmp_path, ".mlops")
    (tmp_path / ".mlops/objects").mkdir(parents=True)
    (tmp_path / ".mlops/objects/ab").mkdir()
    (tmp_path / ".mlops/objects/ab/cdef").write_bytes(b"old")
    with pytest.raises(MlopsError) as raised:
        store_write.write(store, "objects/ab/cdef", b"new", exclusive=True, parents=True)
    assert raised.value.code == "E_EXISTS"
    assert (tmp_path / ".mlops/objects/ab/cdef").read_bytes() == b"old"
