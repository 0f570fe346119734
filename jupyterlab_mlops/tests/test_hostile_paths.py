"""Hostile `path` and `store` values: refused with the exact code, nothing touched.

Every case snapshots the Jupyter root and a folder outside it (holding a
sentinel file) before and after the request, mtimes included, so a file
created and removed again would show too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .helpers import b64, snapshot

X = b64("pwned")


@pytest.fixture
def hostile_tree(jp_root_dir: Path, store: Path, outside: Path) -> dict[str, Path]:
    """A store full of symlinks pointing out of it, and folders outside the root."""
    (outside / "secret").mkdir()
    (outside / "secret" / "inner.txt").write_text("secret")
    (jp_root_dir / "notebook.ipynb").write_text("{}")
    (store / "sub").mkdir(parents=True)
    (store / "file.txt").write_text("mine")
    (store / "outfile").symlink_to(outside / "sentinel.txt")
    (store / "outdir").symlink_to(outside)
    (store / "reloutdir").symlink_to("../../outside")
    (store / "sub" / "deep").symlink_to("../../../outside/secret")
    (store / "dangling").symlink_to(outside / "ghost.txt")
    (store / "uproot").symlink_to("..")
    (store / "locks").mkdir()
    (store / "locks" / "out").symlink_to(outside)
    (store / "experiments.git").mkdir()
    (store / "experiments.git" / "refs").symlink_to(outside)
    # Outside, a symlink back into the store: the target is inside, its parent is not.
    (outside / "back").symlink_to(store / "file.txt")
    (jp_root_dir / "linkstore").symlink_to(outside)
    (jp_root_dir / "linkparent").symlink_to(outside)
    (jp_root_dir / "rootlink").symlink_to(".")
    return {"root": jp_root_dir, "outside": outside}


INVALID, TOO_LONG, OUTSIDE = (
    (400, "E_PATH_INVALID"),
    (400, "E_PATH_TOO_LONG"),
    (403, "E_PATH_OUTSIDE_ROOT"),
)


def case(route: str, body: dict[str, Any], expected: tuple[int, str], id: str) -> Any:
    return pytest.param(route, body, expected, id=id)


HOSTILE = [
    # Absolute paths, in every spelling.
    case("fs/read", {"path": "/etc/passwd"}, INVALID, "read-absolute"),
    case("fs/write", {"path": "{outside}/sentinel.txt", "data": X}, INVALID, "write-absolute"),
    case("fs/stat", {"path": "/"}, INVALID, "stat-slash"),
    case("fs/read", {"path": "~/.bashrc"}, INVALID, "read-tilde-home"),
    case("fs/read", {"path": "~root/x"}, INVALID, "read-tilde-user"),
    case("fs/write", {"path": "C:/x", "data": X}, INVALID, "write-drive-letter"),
    case("fs/write", {"path": "c:x", "data": X}, INVALID, "write-drive-relative"),
    case("fs/write", {"path": "//x", "data": X}, INVALID, "write-double-slash-leading"),
    # `..` anywhere.
    case("fs/read", {"path": ".."}, INVALID, "read-dotdot"),
    case("fs/read", {"path": "../notebook.ipynb"}, INVALID, "read-dotdot-leading"),
    case("fs/write", {"path": "a/../../b", "data": X}, INVALID, "write-a-dotdot-dotdot-b"),
    case(
        "fs/write",
        {"path": "sub/../../../outside/sentinel.txt", "data": X},
        INVALID,
        "write-dotdot-to-sentinel",
    ),
    case("fs/read", {"path": "sub/.."}, INVALID, "read-dotdot-trailing"),
    case("fs/list", {"path": "./.."}, INVALID, "list-dot-dotdot"),
    case("fs/mkdir", {"path": "x/../../y", "parents": True}, INVALID, "mkdir-dotdot"),
    case("fs/rm", {"path": "../notebook.ipynb"}, INVALID, "rm-dotdot"),
    case("fs/lock", {"path": "../notebook"}, INVALID, "lock-dotdot"),
    # Backslashes, NUL and other control characters, broken Unicode.
    case("fs/read", {"path": "..\\notebook.ipynb"}, INVALID, "read-backslash-dotdot"),
    case("fs/write", {"path": "a\\b", "data": X}, INVALID, "write-backslash"),
    case("fs/read", {"path": "file.txt\x00.png"}, INVALID, "read-nul"),
    case("fs/write", {"path": "x\x00", "data": X}, INVALID, "write-nul"),
    case("fs/write", {"path": "a\nb", "data": X}, INVALID, "write-newline"),
    case("fs/read", {"path": "a\tb"}, INVALID, "read-tab"),
    case("fs/write", {"path": "a\x1b[2J", "data": X}, INVALID, "write-escape"),
    case("fs/write", {"path": "a\x7f", "data": X}, INVALID, "write-del"),
    case("fs/write", {"path": "a\x85b", "data": X}, INVALID, "write-c1-nel"),
    case("fs/write", {"path": "\ud800", "data": X}, INVALID, "write-lone-surrogate"),
    # Empty components.
    case("fs/write", {"path": "a//b", "data": X}, INVALID, "write-empty-component"),
    case("fs/write", {"path": "file.txt/", "data": X}, INVALID, "write-trailing-slash"),
    # Lengths.
    case("fs/write", {"path": "a/" * 512 + "b", "data": X}, TOO_LONG, "write-path-1025-chars"),
    case("fs/write", {"path": "n" * 256, "data": X}, TOO_LONG, "write-component-256-bytes"),
    case("fs/write", {"path": "\u00e9" * 128, "data": X}, TOO_LONG, "write-component-128-e-acute"),
    case("fs/write", {"path": "\U0001f600" * 64, "data": X}, TOO_LONG, "write-component-64-emoji"),
    case("fs/mkdir", {"path": "d/" * 600, "parents": True}, INVALID, "mkdir-long-trailing-slash"),
    case("fs/mkdir", {"path": "/".join(["d"] * 600), "parents": True}, TOO_LONG, "mkdir-too-deep"),
    # Symlinks inside the store that point out of it.
    case("fs/read", {"path": "outfile"}, OUTSIDE, "read-symlink-to-outside-file"),
    case("fs/write", {"path": "outfile", "data": X}, OUTSIDE, "write-symlink-to-outside-file"),
    case("fs/write", {"path": "outdir/new.txt", "data": X}, OUTSIDE, "write-through-outside-dir"),
    case(
        "fs/write",
        {"path": "reloutdir/sentinel.txt", "data": X},
        OUTSIDE,
        "write-through-relative-outside-dir",
    ),
    case("fs/write", {"path": "dangling", "data": X}, OUTSIDE, "write-dangling-symlink-outside"),
    case("fs/list", {"path": "outdir"}, OUTSIDE, "list-symlink-to-outside-dir"),
    case("fs/list", {"path": "sub/deep"}, OUTSIDE, "list-deep-relative-symlink"),
    case("fs/stat", {"path": "outfile"}, OUTSIDE, "stat-symlink-to-outside-file"),
    case("fs/stat", {"path": "outfile", "follow": False}, OUTSIDE, "lstat-symlink-to-outside"),
    case("fs/stat", {"path": "outdir/sentinel.txt", "follow": False}, OUTSIDE, "lstat-via-dir"),
    case("fs/readlink", {"path": "outfile"}, OUTSIDE, "readlink-symlink-to-outside"),
    case("fs/mkdir", {"path": "outdir/newdir"}, OUTSIDE, "mkdir-through-symlinked-parent"),
    case("fs/mkdir", {"path": "outdir/a/b", "parents": True}, OUTSIDE, "mkdir-parents-outside"),
    case("fs/rm", {"path": "outfile"}, OUTSIDE, "rm-symlink-to-outside-file"),
    case("fs/rm", {"path": "outdir/sentinel.txt"}, OUTSIDE, "rm-through-symlinked-dir"),
    case("fs/rm", {"path": "outdir", "recursive": True}, OUTSIDE, "rm-symlink-to-outside-dir"),
    case("fs/lock", {"path": "locks/out/sentinel.txt"}, OUTSIDE, "lock-through-symlinked-dir"),
    case("fs/unlock", {"path": "locks/out/x", "token": "t"}, OUTSIDE, "unlock-through-symlink"),
    case(
        "fs/write",
        {"path": "experiments.git/refs/exps/x", "data": X, "parents": True},
        OUTSIDE,
        "write-ref-through-symlinked-refs",
    ),
    case("fs/rm", {"path": "experiments.git/refs/sentinel.txt"}, OUTSIDE, "rm-ref-outside"),
    case("fs/rm", {"path": "outdir/back"}, OUTSIDE, "rm-link-back-in-outside-parent"),
    case("fs/stat", {"path": "outdir/back", "follow": False}, OUTSIDE, "lstat-outside-parent"),
    case("fs/readlink", {"path": "outdir/back"}, OUTSIDE, "readlink-outside-parent"),
    case("fs/read", {"path": "uproot/notebook.ipynb"}, OUTSIDE, "read-in-root-outside-store"),
    case("fs/write", {"path": "uproot/new.txt", "data": X}, OUTSIDE, "write-in-root-outside-store"),
    # The store folder itself.
    case("fs/write", {"path": "f", "data": X, "store": "{outside}"}, INVALID, "store-absolute"),
    case("fs/write", {"path": "f", "data": X, "store": "../outside"}, INVALID, "store-dotdot"),
    case("fs/read", {"path": "f", "store": ".mlops/../.."}, INVALID, "store-dotdot-trailing"),
    case("fs/write", {"path": "f", "data": X, "store": "~/.mlops"}, INVALID, "store-tilde"),
    case("fs/write", {"path": "f", "data": X, "store": ".mlops\x00"}, INVALID, "store-nul"),
    case("fs/write", {"path": "f", "data": X, "store": "."}, OUTSIDE, "store-dot-is-root"),
    case("fs/write", {"path": "f", "data": X, "store": ""}, OUTSIDE, "store-empty-is-root"),
    case("fs/read", {"path": "notebook.ipynb", "store": "rootlink"}, OUTSIDE, "store-link-to-root"),
    case("fs/write", {"path": "f", "data": X, "store": "linkstore"}, OUTSIDE, "store-symlink-out"),
    case("fs/mkdir", {"path": "", "store": "linkparent/.mlops"}, OUTSIDE, "store-under-symlink"),
    case("fs/list", {"path": "", "store": "linkstore"}, OUTSIDE, "store-symlink-out-list"),
]


def _fill(value: Any, places: dict[str, Path]) -> Any:
    if isinstance(value, str):
        return value.replace("{outside}", str(places["outside"]))
    return value


@pytest.mark.parametrize(("route", "body", "expected"), HOSTILE)
async def test_hostile_path_is_refused_and_nothing_changes(
    api: Api,
    hostile_tree: dict[str, Path],
    route: str,
    body: dict[str, Any],
    expected: tuple[int, str],
) -> None:
    roots = (hostile_tree["root"], hostile_tree["outside"])
    before = snapshot(*roots)
    status, err = await api(route, {key: _fill(value, hostile_tree) for key, value in body.items()})
    assert (status, err["code"]) == expected, err
    assert snapshot(*roots) == before
    assert (hostile_tree["outside"] / "sentinel.txt").read_text() == "do not touch"


STATUS_HOSTILE = [
    pytest.param("../outside", INVALID, id="status-store-dotdot"),
    pytest.param("/tmp", INVALID, id="status-store-absolute"),
    pytest.param("", OUTSIDE, id="status-store-empty"),
    pytest.param("linkstore", OUTSIDE, id="status-store-symlink-out"),
]


@pytest.mark.parametrize(("store_param", "expected"), STATUS_HOSTILE)
async def test_hostile_status_store_is_refused(
    api: Api, hostile_tree: dict[str, Path], store_param: str, expected: tuple[int, str]
) -> None:
    roots = (hostile_tree["root"], hostile_tree["outside"])
    before = snapshot(*roots)
    status, err = await api("status", method="GET", params={"store": store_param})
    assert (status, err["code"]) == expected
    assert snapshot(*roots) == before


async def test_read_many_refuses_each_hostile_path_on_its_own(
    api: Api, hostile_tree: dict[str, Path]
) -> None:
    roots = (hostile_tree["root"], hostile_tree["outside"])
    before = snapshot(*roots)
    paths = ["file.txt", "outfile", "outdir/secret/inner.txt", "../notebook.ipynb", "a\x00"]
    status, body = await api("fs/read-many", {"paths": paths})
    assert status == 200
    codes = [entry.get("error", {}).get("code") for entry in body["files"]]
    assert codes == [
        None,
        "E_PATH_OUTSIDE_ROOT",
        "E_PATH_OUTSIDE_ROOT",
        "E_PATH_INVALID",
        "E_PATH_INVALID",
    ]
    assert "data" not in str(body["files"][1:])
    assert snapshot(*roots) == before
