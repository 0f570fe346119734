"""Hostile paths and malformed bodies on /mlops/hash: exact codes, nothing read or started.

A hostile entry in `paths` fails in its own result (like `read-many`); a
malformed body or a hostile `store` fails the whole request before any job
starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .hash_support import hash_done, registry, sha, symlink_chain
from .helpers import snapshot

INVALID, TOO_LONG, OUTSIDE = "E_PATH_INVALID", "E_PATH_TOO_LONG", "E_PATH_OUTSIDE_ROOT"


@pytest.fixture
def tree(jp_root_dir: Path, outside: Path) -> dict[str, Path]:
    """Data in the root, and symlinks from the root to the outside."""
    (outside / "secret").mkdir()
    (outside / "secret" / "inner.txt").write_text("secret")
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "ok.csv").write_text("ok")
    # The store exists already: caching a hash then changes nothing but the store.
    (jp_root_dir / ".mlops").mkdir()
    (jp_root_dir / "outfile").symlink_to(outside / "sentinel.txt")
    (jp_root_dir / "outdir").symlink_to(outside)
    (jp_root_dir / "reloutdir").symlink_to("../outside")
    (jp_root_dir / "data" / "deep").symlink_to("../../outside/secret")
    (jp_root_dir / "dangling").symlink_to(outside / "ghost.txt")
    (jp_root_dir / "uproot").symlink_to("..")
    return {"root": jp_root_dir, "outside": outside}


HOSTILE = [
    pytest.param("/etc/passwd", INVALID, id="absolute"),
    pytest.param("{outside}/sentinel.txt", INVALID, id="absolute-outside"),
    pytest.param("/", INVALID, id="slash"),
    pytest.param("~/.bashrc", INVALID, id="tilde-home"),
    pytest.param("~root/x", INVALID, id="tilde-user"),
    pytest.param("C:/x", INVALID, id="drive-letter"),
    pytest.param("//x", INVALID, id="double-slash-leading"),
    pytest.param("..", INVALID, id="dotdot"),
    pytest.param("../outside/sentinel.txt", INVALID, id="dotdot-leading"),
    pytest.param("data/../../outside", INVALID, id="dotdot-middle"),
    pytest.param("data/..", INVALID, id="dotdot-trailing"),
    pytest.param("..\\outside", INVALID, id="backslash"),
    pytest.param("data/ok.csv\x00.png", INVALID, id="nul"),
    pytest.param("a\nb", INVALID, id="newline"),
    pytest.param("a\x1b[2J", INVALID, id="escape"),
    pytest.param("a\x85b", INVALID, id="c1-control"),
    pytest.param("\ud800", INVALID, id="lone-surrogate"),
    pytest.param("data//ok.csv", INVALID, id="empty-component"),
    pytest.param("data/", INVALID, id="trailing-slash"),
    pytest.param("a/" * 512 + "b", TOO_LONG, id="path-1025-chars"),
    pytest.param("n" * 256, TOO_LONG, id="component-256-bytes"),
    pytest.param("\u00e9" * 128, TOO_LONG, id="component-128-e-acute"),
    pytest.param("outfile", OUTSIDE, id="symlink-to-outside-file"),
    pytest.param("outdir", OUTSIDE, id="symlink-to-outside-dir"),
    pytest.param("outdir/sentinel.txt", OUTSIDE, id="symlinked-folder-in-the-middle"),
    pytest.param("outdir/secret/inner.txt", OUTSIDE, id="symlinked-folder-deeper"),
    pytest.param("reloutdir/sentinel.txt", OUTSIDE, id="relative-symlink-out"),
    pytest.param("data/deep", OUTSIDE, id="nested-relative-symlink-out"),
    pytest.param("data/deep/inner.txt", OUTSIDE, id="through-nested-symlink"),
    pytest.param("dangling", OUTSIDE, id="dangling-symlink-out"),
    pytest.param("uproot", OUTSIDE, id="symlink-to-parent-of-root"),
    pytest.param("uproot/outside/sentinel.txt", OUTSIDE, id="through-parent-of-root"),
]


@pytest.mark.parametrize(("path", "code"), HOSTILE)
async def test_hostile_path_fails_its_entry_and_reads_nothing(
    api: Api, tree: dict[str, Path], path: str, code: str
) -> None:
    roots = (tree["root"], tree["outside"])
    before = snapshot(*roots)
    path = path.replace("{outside}", str(tree["outside"]))
    status, body = await api("hash", {"paths": [path, "data/ok.csv"], "waitMs": 5000})
    assert (status, body["state"]) == (200, "done")
    hostile, fine = body["results"]
    assert hostile["path"] == path
    assert hostile["error"]["code"] == code, hostile
    assert set(hostile) == {"path", "error"}
    assert fine["sha256"] == sha(b"ok")

    # Nothing outside changed; inside, at most the store's cache was written.
    def outside_store(state: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in state.items() if "/.mlops" not in key}

    assert outside_store(snapshot(*roots)) == outside_store(before)


async def test_a_long_symlink_chain_fails_its_entry_only(api: Api, tree: dict[str, Path]) -> None:
    # Python 3.11's realpath recurses once per link: RecursionError, not OSError.
    symlink_chain(tree["root"] / "chain", tree["root"] / "data" / "ok.csv")
    chained, fine = await hash_done(api, ["chain/l0", "data/ok.csv"])
    assert chained["error"]["code"] == OUTSIDE
    assert fine["sha256"] == sha(b"ok")


async def test_folder_walk_never_leaves_the_root(api: Api, tree: dict[str, Path]) -> None:
    (result,) = await hash_done(api, ["."])
    assert result["kind"] == "dir"
    # data/ok.csv only; every symlink out of the root is skipped, none followed.
    assert (result["files"], result["skipped"]) == (1, 6)


BAD_BODIES = [
    pytest.param({}, "E_BAD_REQUEST", id="paths-missing"),
    pytest.param({"paths": "data/ok.csv"}, "E_BAD_REQUEST", id="paths-a-string"),
    pytest.param({"paths": {"a": 1}}, "E_BAD_REQUEST", id="paths-an-object"),
    pytest.param({"paths": None}, "E_BAD_REQUEST", id="paths-null"),
    pytest.param({"paths": []}, "E_BAD_REQUEST", id="paths-empty"),
    pytest.param({"paths": ["a"] * 1001}, "E_BAD_REQUEST", id="paths-1001"),
    pytest.param({"paths": ["a", 1]}, "E_BAD_REQUEST", id="paths-number-entry"),
    pytest.param({"paths": [None]}, "E_BAD_REQUEST", id="paths-null-entry"),
    pytest.param({"paths": [["a"]]}, "E_BAD_REQUEST", id="paths-nested-list"),
    pytest.param({"paths": ["a"], "path": "a"}, "E_BAD_REQUEST", id="unknown-field"),
    pytest.param({"paths": ["a"], "waitMs": -1}, "E_BAD_REQUEST", id="wait-negative"),
    pytest.param({"paths": ["a"], "waitMs": 10_001}, "E_BAD_REQUEST", id="wait-too-long"),
    pytest.param({"paths": ["a"], "waitMs": 1.5}, "E_BAD_REQUEST", id="wait-float"),
    pytest.param({"paths": ["a"], "waitMs": 200.0}, "E_BAD_REQUEST", id="wait-float-whole"),
    pytest.param({"paths": ["a"], "waitMs": "200"}, "E_BAD_REQUEST", id="wait-string"),
    pytest.param({"paths": ["a"], "waitMs": True}, "E_BAD_REQUEST", id="wait-bool"),
    pytest.param({"paths": ["a"], "waitMs": None}, "E_BAD_REQUEST", id="wait-null"),
    pytest.param({"paths": ["a"], "store": None}, "E_BAD_REQUEST", id="store-null"),
    pytest.param({"paths": ["a"], "store": 1}, "E_BAD_REQUEST", id="store-number"),
]


@pytest.mark.parametrize(("body", "code"), BAD_BODIES)
async def test_malformed_body_is_refused_and_starts_nothing(
    api: Api, jp_serverapp: Any, jp_root_dir: Path, body: dict[str, Any], code: str
) -> None:
    before = snapshot(jp_root_dir)
    status, err = await api("hash", body)
    assert (status, err["code"]) == (400, code)
    assert set(err) == {"code", "message"}
    assert registry(jp_serverapp)._jobs == {}
    assert snapshot(jp_root_dir) == before


@pytest.mark.parametrize(
    "raw", [b"", b"{", b"[]", b'{"paths": ["a"], "paths": ["b"]}', b'{"paths": NaN}']
)
async def test_bad_json_is_refused(api: Api, jp_serverapp: Any, raw: bytes) -> None:
    status, err = await api("hash", raw=raw)
    assert (status, err["code"]) == (400, "E_BAD_JSON")
    assert registry(jp_serverapp)._jobs == {}


async def test_limits_are_inclusive(api: Api, tree: dict[str, Path]) -> None:
    status, body = await api("hash", {"paths": ["data/ok.csv"] * 1000, "waitMs": 10_000})
    assert (status, body["state"], len(body["results"])) == (200, "done", 1000)
    status, body = await api("hash", {"paths": ["data/ok.csv"], "waitMs": 0})
    assert status == 200


HOSTILE_STORES = [
    pytest.param("../outside", 400, INVALID, id="store-dotdot"),
    pytest.param("/tmp", 400, INVALID, id="store-absolute"),
    pytest.param(".mlops\x00", 400, INVALID, id="store-nul"),
    pytest.param("", 403, OUTSIDE, id="store-root"),
    pytest.param("outdir", 403, OUTSIDE, id="store-symlink-out"),
    pytest.param("outdir/.mlops", 403, OUTSIDE, id="store-under-symlink-out"),
]


@pytest.mark.parametrize(("store", "status_code", "code"), HOSTILE_STORES)
async def test_hostile_store_is_refused_and_starts_nothing(
    api: Api, jp_serverapp: Any, tree: dict[str, Path], store: str, status_code: int, code: str
) -> None:
    roots = (tree["root"], tree["outside"])
    before = snapshot(*roots)
    status, err = await api("hash", {"paths": ["data/ok.csv"], "store": store})
    assert (status, err["code"]) == (status_code, code)
    assert registry(jp_serverapp)._jobs == {}
    assert snapshot(*roots) == before
