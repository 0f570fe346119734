"""POST /mlops/fs/write-many: several loose git objects in one request."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .helpers import b64, snapshot, temp_files
from .test_auth import NO_AUTH

MAX_BODY = 256 * 1024


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """The extension with small limits, so the limits can be reached."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": {"max_body_bytes": MAX_BODY, "max_read_many_paths": 5},
    }


def git_object(content: bytes, kind: str = "blob") -> tuple[str, bytes]:
    """The loose path (in `experiments.git`) and deflated bytes of an object."""
    raw = f"{kind} {len(content)}".encode() + b"\0" + content
    oid = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    return f"experiments.git/objects/{oid[:2]}/{oid[2:]}", zlib.compress(raw)


def entry(path: str, data: bytes) -> dict[str, str]:
    return {"path": path, "data": b64(data)}


def git(store: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(store / "experiments.git"), *args],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


async def test_writes_objects_the_git_cli_reads(api: Api, store: Path) -> None:
    subprocess.run(["git", "init", "-q", "--bare", str(store / "experiments.git")], check=True)
    one = git_object(b"hello\n")
    two = git_object(b'{"a": 1}\n')
    status, body = await api("fs/write-many", {"files": [entry(*one), entry(*two)]})
    assert status == 200
    assert body == {
        "files": [
            {"path": one[0], "size": len(one[1]), "written": True},
            {"path": two[0], "size": len(two[1]), "written": True},
        ]
    }
    oid = one[0].replace("experiments.git/objects/", "").replace("/", "")
    assert git(store, "cat-file", "-p", oid) == "hello\n"
    assert git(store, "cat-file", "-t", oid) == "blob\n"
    assert temp_files(store) == []


async def test_leaves_an_existing_object_alone(api: Api, store: Path) -> None:
    path, data = git_object(b"same\n")
    assert (await api("fs/write-many", {"files": [entry(path, data)]}))[0] == 200
    before = snapshot(store)
    # The same object again (even deflated differently): nothing is rewritten.
    raw = zlib.decompress(data)
    status, body = await api("fs/write-many", {"files": [entry(path, zlib.compress(raw, 1))]})
    assert status == 200
    assert body["files"][0]["written"] is False
    assert snapshot(store) == before


async def test_writes_trees_and_commits_too(api: Api, store: Path) -> None:
    blob_path, blob = git_object(b"x\n")
    blob_oid = bytes.fromhex(blob_path[-41:].replace("/", ""))
    tree_path, tree = git_object(b"100644 x.txt\0" + blob_oid, "tree")
    tree_oid = tree_path[-41:].replace("/", "")
    commit_text = (
        f"tree {tree_oid}\nauthor a <a@a> 1700000000 +0000\n"
        "committer a <a@a> 1700000000 +0000\n\nfirst\n"
    ).encode()
    commit_path, commit = git_object(commit_text, "commit")
    subprocess.run(["git", "init", "-q", "--bare", str(store / "experiments.git")], check=True)
    files = [entry(blob_path, blob), entry(tree_path, tree), entry(commit_path, commit)]
    assert (await api("fs/write-many", {"files": files}))[0] == 200
    commit_oid = commit_path[-41:].replace("/", "")
    git(store, "update-ref", "refs/exps/nb/x", commit_oid)
    git(store, "fsck", "--strict", "--no-dangling")
    assert git(store, "show", f"{commit_oid}:x.txt") == "x\n"


GOOD_PATH, GOOD = git_object(b"good\n")
OTHER_PATH, OTHER = git_object(b"other\n")


@pytest.mark.parametrize(
    ("files", "code"),
    [
        pytest.param([entry("../" + GOOD_PATH, GOOD)], "E_PATH_INVALID", id="dotdot"),
        pytest.param([entry("/" + GOOD_PATH, GOOD)], "E_PATH_INVALID", id="absolute"),
        pytest.param(
            [entry(GOOD_PATH.replace("/objects", "\\objects"), GOOD)],
            "E_PATH_INVALID",
            id="backslash",
        ),
        pytest.param([entry(GOOD_PATH + "\n", GOOD)], "E_PATH_INVALID", id="newline"),
        pytest.param([entry("refs/exps/nb/x", GOOD)], "E_BAD_REQUEST", id="not-an-object"),
        pytest.param([entry("experiments.git/HEAD", GOOD)], "E_BAD_REQUEST", id="head"),
        pytest.param([entry(GOOD_PATH[:-1], GOOD)], "E_BAD_REQUEST", id="short-object-name"),
        pytest.param(
            [
                entry(
                    GOOD_PATH.upper().replace("EXPERIMENTS.GIT/OBJECTS", "experiments.git/objects"),
                    GOOD,
                )
            ],
            "E_BAD_REQUEST",
            id="upper-case-name",
        ),
        pytest.param([entry(GOOD_PATH, OTHER)], "E_BAD_REQUEST", id="name-mismatch"),
        pytest.param([entry(GOOD_PATH, b"not zlib")], "E_BAD_REQUEST", id="not-deflated"),
        pytest.param([entry(GOOD_PATH, GOOD[:-3])], "E_BAD_REQUEST", id="truncated"),
        pytest.param([entry(GOOD_PATH, GOOD + b"junk")], "E_BAD_REQUEST", id="trailing"),
        pytest.param(
            [entry(*(lambda r: (GOOD_PATH, zlib.compress(r)))(b"blob 99\0good\n"))],
            "E_BAD_REQUEST",
            id="size-mismatch",
        ),
        pytest.param(
            [entry(GOOD_PATH, zlib.compress(b"evil 5\0good\n"))], "E_BAD_REQUEST", id="bad-type"
        ),
        pytest.param(
            [entry(GOOD_PATH, zlib.compress(b"\0" * (MAX_BODY * 4)))],
            "E_BAD_REQUEST",
            id="inflation-bomb",
        ),
        # A good entry first: nothing is written when a later one is bad.
        pytest.param(
            [entry(OTHER_PATH, OTHER), entry(GOOD_PATH, OTHER)], "E_BAD_REQUEST", id="one-bad"
        ),
        pytest.param(
            [entry(GOOD_PATH, GOOD), entry(GOOD_PATH, GOOD)], "E_BAD_REQUEST", id="duplicate"
        ),
        pytest.param([], "E_BAD_REQUEST", id="empty"),
        pytest.param(
            [
                entry(git_object(str(i).encode())[0], git_object(str(i).encode())[1])
                for i in range(6)
            ],
            "E_BAD_REQUEST",
            id="too-many",
        ),
        pytest.param([{"path": GOOD_PATH}], "E_BAD_REQUEST", id="no-data"),
        pytest.param([{**entry(GOOD_PATH, GOOD), "mode": 1}], "E_BAD_REQUEST", id="extra-key"),
        pytest.param([{"path": GOOD_PATH, "data": 5}], "E_BAD_REQUEST", id="data-not-string"),
        pytest.param([{"path": None, "data": b64(GOOD)}], "E_BAD_REQUEST", id="path-null"),
        pytest.param([{"path": GOOD_PATH, "data": "a b"}], "E_BAD_REQUEST", id="bad-base64"),
        pytest.param(["x"], "E_BAD_REQUEST", id="entry-not-object"),
    ],
)
async def test_refuses_bad_entries_and_writes_nothing(
    api: Api, jp_root_dir: Path, files: list[Any], code: str
) -> None:
    before = snapshot(jp_root_dir)
    status, body = await api("fs/write-many", {"files": files})
    assert status == 400
    assert body["code"] == code
    assert snapshot(jp_root_dir) == before


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param(b"not json", "E_BAD_JSON", id="not-json"),
        pytest.param(b"[]", "E_BAD_JSON", id="array"),
        pytest.param(json.dumps({"files": "x"}).encode(), "E_BAD_REQUEST", id="files-string"),
        pytest.param(json.dumps({"files": None}).encode(), "E_BAD_REQUEST", id="files-null"),
        pytest.param(json.dumps({}).encode(), "E_BAD_REQUEST", id="no-files"),
        pytest.param(
            json.dumps({"files": [entry(GOOD_PATH, GOOD)], "extra": 1}).encode(),
            "E_BAD_REQUEST",
            id="unknown-field",
        ),
        pytest.param(
            json.dumps({"files": [entry(GOOD_PATH, GOOD)], "store": 3}).encode(),
            "E_BAD_REQUEST",
            id="store-not-string",
        ),
        pytest.param(b'{"files": [], "files": []}', "E_BAD_JSON", id="duplicate-key"),
    ],
)
async def test_refuses_malformed_bodies(api: Api, jp_root_dir: Path, raw: bytes, code: str) -> None:
    before = snapshot(jp_root_dir)
    status, body = await api("fs/write-many", raw=raw)
    assert status == 400
    assert body["code"] == code
    assert snapshot(jp_root_dir) == before


async def test_refuses_an_oversized_body(api: Api, jp_root_dir: Path) -> None:
    # Random bytes do not compress: the body is above the limit.
    big = os.urandom(MAX_BODY)
    status, body = await api("fs/write-many", {"files": [entry(*git_object(big))]})
    assert status == 413
    assert body["code"] == "E_BODY_TOO_LARGE"
    assert not (jp_root_dir / ".mlops").exists()


async def test_refuses_a_store_outside_the_root(api: Api, jp_root_dir: Path) -> None:
    before = snapshot(jp_root_dir)
    status, body = await api(
        "fs/write-many", {"files": [entry(GOOD_PATH, GOOD)], "store": "../elsewhere"}
    )
    assert status == 400
    assert body["code"] == "E_PATH_INVALID"
    assert snapshot(jp_root_dir) == before


async def test_does_not_follow_a_symlink_out_of_the_store(
    api: Api, store: Path, outside: Path
) -> None:
    objects = store / "experiments.git" / "objects"
    objects.mkdir(parents=True)
    (objects / GOOD_PATH.split("/")[2]).symlink_to(outside)
    before = snapshot(outside)
    status, body = await api("fs/write-many", {"files": [entry(GOOD_PATH, GOOD)]})
    assert status == 403
    assert body["code"] == "E_PATH_OUTSIDE_ROOT"
    assert snapshot(outside) == before


async def test_a_symlinked_git_dir_out_of_the_store_is_refused(
    api: Api, store: Path, outside: Path
) -> None:
    store.mkdir()
    (store / "experiments.git").symlink_to(outside)
    other_path, other = git_object(b"second\n")
    before = snapshot(outside)
    status, body = await api(
        "fs/write-many", {"files": [entry(other_path, other), entry(GOOD_PATH, GOOD)]}
    )
    assert status == 403
    assert body["code"] == "E_PATH_OUTSIDE_ROOT"
    assert snapshot(outside) == before


@pytest.mark.parametrize("headers", NO_AUTH)
async def test_needs_authentication(
    jp_fetch: Callable[..., Any], jp_root_dir: Path, headers: dict[str, str]
) -> None:
    before = snapshot(jp_root_dir)
    response = await jp_fetch(
        "mlops",
        "fs",
        "write-many",
        method="POST",
        body=json.dumps({"files": [entry(GOOD_PATH, GOOD)]}),
        headers=dict(headers),
        raise_error=False,
    )
    assert response.code in (401, 403)
    assert snapshot(jp_root_dir) == before
    assert not (jp_root_dir / ".mlops").exists()
