"""Pure path rules, realpath confinement, and the guard against symlink swaps."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import store_fs, store_write
from jupyterlab_mlops.errors import MlopsError, from_os_error
from jupyterlab_mlops.paths import open_store, resolve_in_store, validate_path

from .helpers import snapshot


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("", ""),
        (".", ""),
        ("./.", ""),
        ("a", "a"),
        ("./a/./b", "a/b"),
        ("a/.", "a"),
        (".git/refs/heads/main.lock", ".git/refs/heads/main.lock"),
        ("a~b/c:d", "a~b/c:d"),
        ("caf\u00e9/\u65e5\u672c", "caf\u00e9/\u65e5\u672c"),
        ("n" * 255, "n" * 255),
        ("/".join(["d"] * 512), "/".join(["d"] * 512)),
    ],
)
def test_validate_path_accepts_and_normalizes(value: str, normalized: str) -> None:
    assert validate_path(value) == normalized


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "E_BAD_REQUEST"),
        (3, "E_BAD_REQUEST"),
        (b"a", "E_BAD_REQUEST"),
        ("\x00", "E_PATH_INVALID"),
        ("\u009f", "E_PATH_INVALID"),
        ("\udfff", "E_PATH_INVALID"),
        ("a\\b", "E_PATH_INVALID"),
        ("/a", "E_PATH_INVALID"),
        ("~", "E_PATH_INVALID"),
        ("Z:", "E_PATH_INVALID"),
        ("a/..", "E_PATH_INVALID"),
        ("a//b", "E_PATH_INVALID"),
        ("a/", "E_PATH_INVALID"),
        ("x" * 1025, "E_PATH_TOO_LONG"),
        ("\u00e9" * 128, "E_PATH_TOO_LONG"),
    ],
)
def test_validate_path_refuses(value: Any, code: str) -> None:
    with pytest.raises(MlopsError) as caught:
        validate_path(value)
    assert caught.value.code == code


def test_a_store_may_be_a_symlink_inside_the_root(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "alias").symlink_to("real")
    store = open_store(tmp_path, "alias")
    assert (store.path, store.name) == (tmp_path.resolve() / "real", "alias")


@pytest.mark.parametrize("name", ["", ".", "self"])
def test_the_store_cannot_be_the_root(tmp_path: Path, name: str) -> None:
    (tmp_path / "self").symlink_to(".")
    with pytest.raises(MlopsError) as caught:
        open_store(tmp_path, name)
    assert (caught.value.code, caught.value.status) == ("E_PATH_OUTSIDE_ROOT", 403)


def test_resolve_follows_or_keeps_the_last_symlink(tmp_path: Path) -> None:
    store = tmp_path / ".mlops"
    store.mkdir()
    (store / "target").write_text("x")
    (store / "link").symlink_to("target")
    real = tmp_path.resolve() / ".mlops"
    assert resolve_in_store(tmp_path, ".mlops", "link") == real / "target"
    assert resolve_in_store(tmp_path, ".mlops", "link", follow=False) == real / "link"
    assert resolve_in_store(tmp_path, ".mlops", "new/file") == real / "new" / "file"


@pytest.mark.parametrize(
    ("exc", "code", "status"),
    [
        (FileNotFoundError(errno.ENOENT, "x"), "E_NOT_FOUND", 404),
        (FileExistsError(errno.EEXIST, "x"), "E_EXISTS", 409),
        (NotADirectoryError(errno.ENOTDIR, "x"), "E_NOT_A_DIRECTORY", 409),
        (IsADirectoryError(errno.EISDIR, "x"), "E_IS_A_DIRECTORY", 409),
        (OSError(errno.ENOTEMPTY, "x"), "E_NOT_EMPTY", 409),
        (PermissionError(errno.EACCES, "Permission denied"), "E_IO", 500),
        (OSError(errno.ENOSPC, "No space left on device"), "E_NO_SPACE", 507),
        (OSError(errno.EROFS, "Read-only file system"), "E_READ_ONLY", 403),
        (OSError(errno.EIO, "Input/output error"), "E_IO", 500),
    ],
)
def test_os_errors_map_to_codes(exc: OSError, code: str, status: int) -> None:
    err = from_os_error(exc, "some/path")
    assert (err.code, err.status) == (code, status)
    assert "some/path" in err.message
    if code == "E_IO":
        assert errno.errorcode[exc.errno] in err.message


@pytest.fixture
def swap_after_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Any]:
    """A store whose `sub` folder is swapped for a symlink out right after the check."""
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / ".mlops" / "sub").mkdir(parents=True)
    (root / ".mlops" / "sub" / "f").write_text("inside")
    outside.mkdir()
    (outside / "f").write_text("outside")
    checked = store_fs.locate

    def locate_then_swap(*args: Any, **kwargs: Any) -> Path:
        target = checked(*args, **kwargs)
        (root / ".mlops" / "sub").rename(root / ".mlops" / "old")
        (root / ".mlops" / "sub").symlink_to(outside)
        return target

    for module in (store_fs, store_write):
        monkeypatch.setattr(module, "locate", locate_then_swap)
    return root, outside, open_store(root, ".mlops")


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda store: store_fs.read(store, "sub/f"), id="read"),
        pytest.param(lambda store: store_write.write(store, "sub/f", b"pwned"), id="write"),
        pytest.param(lambda store: store_write.write(store, "sub/new", b"x"), id="write-new"),
        pytest.param(lambda store: store_fs.list_dir(store, "sub"), id="list"),
        pytest.param(lambda store: store_write.rm(store, "sub/f"), id="rm"),
        pytest.param(lambda store: store_write.mkdir(store, "sub/d"), id="mkdir"),
    ],
)
def test_a_symlink_swapped_in_after_the_check_is_not_followed(
    swap_after_check: tuple[Path, Path, Any], operation: Any
) -> None:
    _, outside, store = swap_after_check
    before = snapshot(outside)
    with pytest.raises(MlopsError) as caught:
        operation(store)
    assert caught.value.code == "E_PATH_OUTSIDE_ROOT"
    assert snapshot(outside) == before
