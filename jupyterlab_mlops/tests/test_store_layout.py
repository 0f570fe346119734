"""What the file routes may change in a store, and the repository the server sets up.

Regression tests for the security issue's item 6: `fs/write` accepted
`experiments.git/config`, so `core.pager`, aliases and hooks planted through
the bridge ran when the user later typed `git log` in the store.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.store_init import CONFIG_TEMPLATE
from jupyterlab_mlops.store_layout import check_writable

from .conftest import Api
from .helpers import b64, snapshot

OID = "ab" + "c" * 38
NOT_WRITABLE = (403, "E_PATH_NOT_WRITABLE")


def git(git_dir: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "--git-dir", str(git_dir), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env={**os.environ, "GIT_PAGER": "", "PAGER": ""},
    )


REFUSED = [
    ("fs/write", {"path": "experiments.git/config", "data": b64("[core]\n\tpager = touch x\n")}),
    ("fs/write", {"path": "experiments.git/hooks/post-checkout", "data": b64("#!/bin/sh\n")}),
    ("fs/write", {"path": "experiments.git/info/attributes", "data": b64("* filter=x\n")}),
    ("fs/write", {"path": "experiments.git/HEAD", "data": b64("ref: refs/heads/evil\n")}),
    ("fs/write", {"path": "experiments.git/description", "data": b64("x")}),
    ("fs/write", {"path": "experiments.git/objects/info/alternates", "data": b64("/etc\n")}),
    ("fs/write", {"path": "experiments.git/objects/pack/p.pack", "data": b64("x")}),
    ("fs/write", {"path": "experiments.git/objects/ab/short", "data": b64("x")}),
    ("fs/write", {"path": "experiments.git/commondir", "data": b64("/elsewhere\n")}),
    ("fs/write", {"path": "Experiments.GIT/config", "data": b64("[alias]\n")}),
    ("fs/write", {"path": "team/.git/config", "data": b64("[core]\n\tfsmonitor = x\n")}),
    ("fs/write", {"path": "other.git/config", "data": b64("[core]\n")}),
    ("fs/write", {"path": "experiments.git", "data": b64("x")}),
    ("fs/write", {"path": "cache/hashes.json", "data": b64("{}")}),
    ("fs/write", {"path": "locks/x.lock", "data": b64("{}")}),
    ("fs/mkdir", {"path": "experiments.git/hooks"}),
    ("fs/mkdir", {"path": "experiments.git/info", "parents": True}),
    ("fs/mkdir", {"path": "cache"}),
    ("fs/rm", {"path": "experiments.git/config"}),
    ("fs/rm", {"path": "experiments.git/HEAD"}),
    ("fs/rm", {"path": "experiments.git/refs", "recursive": True}),
    ("fs/rm", {"path": "experiments.git", "recursive": True}),
    ("fs/rm", {"path": "experiments.git/objects/ab/" + "c" * 38}),
    ("fs/rm", {"path": "cache/hashes.json"}),
]


@pytest.mark.parametrize(("route", "body"), REFUSED, ids=lambda v: v if isinstance(v, str) else "")
async def test_regression_git_settings_are_not_writable(
    api: Api, jp_root_dir: Path, route: str, body: dict[str, object]
) -> None:
    assert (await api("store/init", {}))[0] == 200
    before = snapshot(jp_root_dir)
    status, err = await api(route, {**body, "parents": True} if route == "fs/write" else body)
    assert (status, err["code"]) == NOT_WRITABLE, err
    assert snapshot(jp_root_dir) == before


async def test_planted_pager_never_reaches_the_git_cli(api: Api, store: Path) -> None:
    assert (await api("store/init", {}))[0] == 200
    planted = "[core]\n\tpager = touch PWNED\n[alias]\n\tl = !touch PWNED\n"
    status, _ = await api("fs/write", {"path": "experiments.git/config", "data": b64(planted)})
    assert status == 403
    assert (store / "experiments.git" / "config").read_text() == CONFIG_TEMPLATE
    assert git(store / "experiments.git", "config", "--list", "--local").stdout.splitlines() == [
        "core.repositoryformatversion=0",
        "core.filemode=false",
        "core.bare=true",
        "core.logallrefupdates=false",
    ]


async def test_objects_refs_and_packed_refs_stay_writable(api: Api, store: Path) -> None:
    assert (await api("store/init", {}))[0] == 200
    for route, body in (
        ("fs/mkdir", {"path": "experiments.git/objects/ab"}),
        ("fs/write", {"path": f"experiments.git/objects/ab/{OID[2:]}", "data": b64("x")}),
        (
            "fs/write",
            {"path": "experiments.git/refs/exps/nb/01J", "data": b64(OID), "parents": True},
        ),
        ("fs/mkdir", {"path": "experiments.git/refs/exps/other", "parents": True}),
        ("fs/write", {"path": "experiments.git/packed-refs", "data": b64("# pack-refs\n")}),
        ("fs/rm", {"path": "experiments.git/refs/exps/nb/01J"}),
        ("fs/rm", {"path": "experiments.git/packed-refs"}),
        ("fs/write", {"path": "notes/free.txt", "data": b64("x"), "parents": True}),
    ):
        status, answer = await api(route, body)
        assert status == 200, (route, body, answer)


async def test_init_creates_a_bare_repository_git_reads(api: Api, store: Path) -> None:
    status, body = await api("store/init", {})
    assert (status, body) == (
        200,
        {"gitDir": "experiments.git", "created": True, "configIsTemplate": True},
    )
    git_dir = store / "experiments.git"
    assert git(git_dir, "rev-parse", "--is-bare-repository").stdout.strip() == "true"
    assert git(git_dir, "symbolic-ref", "HEAD").stdout.strip() == "refs/heads/main"
    assert sorted(p.name for p in git_dir.iterdir()) == ["HEAD", "config", "objects", "refs"]
    assert not (git_dir / "hooks").exists()
    assert git(git_dir, "fsck", "--strict").returncode == 0


async def test_init_is_idempotent_and_never_replaces_a_file(api: Api, store: Path) -> None:
    git_dir = store / "experiments.git"
    git_dir.mkdir(parents=True)
    (git_dir / "config").write_text("[core]\n\tbare = true\n\tpager = less\n")
    (git_dir / "refs" / "exps").mkdir(parents=True)
    (git_dir / "refs" / "exps" / "keep").write_text(OID + "\n")
    status, body = await api("store/init", {})
    assert (status, body["created"], body["configIsTemplate"]) == (200, True, False)
    # Someone else's config is reported, not overwritten.
    assert "pager = less" in (git_dir / "config").read_text()
    assert (git_dir / "refs" / "exps" / "keep").read_text() == OID + "\n"
    before = snapshot(store)
    status, body = await api("store/init", {})
    assert (status, body["created"]) == (200, False)
    assert snapshot(store) == before


async def test_init_refuses_a_hostile_store_and_a_bad_body(
    api: Api, jp_root_dir: Path, outside: Path
) -> None:
    (jp_root_dir / "out").symlink_to(outside)
    before = snapshot(jp_root_dir, outside)
    for body, expected in (
        ({"store": "out"}, (403, "E_PATH_OUTSIDE_ROOT")),
        ({"store": "../x"}, (400, "E_PATH_INVALID")),
        ({"store": 1}, (400, "E_BAD_REQUEST")),
        ({"extra": True}, (400, "E_BAD_REQUEST")),
    ):
        status, err = await api("store/init", body)
        assert (status, err["code"]) == expected, body
    status, err = await api("store/init", raw=b"[")
    assert (status, err["code"]) == (400, "E_BAD_JSON")
    assert snapshot(jp_root_dir, outside) == before


def test_check_writable_table() -> None:
    allowed = [
        ("experiments.git/objects/ab/" + "0" * 38, "write"),
        ("experiments.git/objects/ab", "mkdir"),
        ("experiments.git/refs", "mkdir"),
        ("experiments.git/refs/exps/a/b", "write"),
        ("experiments.git/refs/exps/a/b", "rm"),
        ("experiments.git/packed-refs", "write"),
        ("a/b.txt", "write"),
        ("", "mkdir"),
    ]
    for rel, operation in allowed:
        check_writable(rel, operation)
    refused = [
        ("experiments.git/refs", "rm"),
        ("experiments.git/objects/ab/" + "0" * 38, "rm"),
        ("experiments.git/objects/AB/" + "0" * 38, "write"),
        ("experiments.git/objects", "mkdir"),
        ("experiments.git/packed-refs", "mkdir"),
        ("x/y.GIT/config", "write"),
        ("cache", "rm"),
        ("locks", "mkdir"),
    ]
    for rel, operation in refused:
        with pytest.raises(MlopsError) as caught:
            check_writable(rel, operation)
        assert caught.value.code == "E_PATH_NOT_WRITABLE", (rel, operation)
