"""What the file routes may change in a store, and the repository the server sets up.

Regression tests for the security issue's item 6: `fs/write` accepted
`experiments.git/config`, so `core.pager`, aliases and hooks planted through
the bridge ran when the user later typed `git log` in the store.
"""

from __future__ import annotations

import os
import subprocess
import zlib
from pathlib import Path

import pytest

from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.store_init import CONFIG_TEMPLATE
from jupyterlab_mlops.store_layout import check_writable

from .conftest import Api
from .helpers import b64, snapshot
from .test_write_many import git_object

OID = "ab" + "c" * 38
OBJECT_PATH, OBJECT_DATA = git_object(b"stored\n")
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
        ("fs/write", {"path": OBJECT_PATH, "data": b64(OBJECT_DATA), "parents": True}),
        (
            "fs/write",
            {"path": "experiments.git/refs/exps/nb/01J", "data": b64(OID), "parents": True},
        ),
        ("fs/mkdir", {"path": "experiments.git/refs/exps/other", "parents": True}),
        (
            "fs/write",
            {
                "path": "experiments.git/packed-refs",
                "data": b64(
                    f"# pack-refs with: peeled fully-peeled sorted \n{OID} refs/exps/a/b\n"
                ),
            },
        ),
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


async def test_regression_a_symlink_does_not_open_the_repository(
    api: Api, jp_root_dir: Path
) -> None:
    # `x` → `experiments.git`: `x/config` is the repository's config.
    assert (await api("store/init", {}))[0] == 200
    store = jp_root_dir / ".mlops"
    (store / "x").symlink_to("experiments.git")
    (store / "lk").symlink_to("experiments.git")
    (store / "experiments.git" / "refs" / "up").symlink_to("..")
    before = snapshot(jp_root_dir)
    for route, body in (
        ("fs/write", {"path": "x/config", "data": b64("[core]\n\tpager = touch x\n")}),
        ("fs/write", {"path": "x/hooks/pre-commit", "data": b64("#!/bin/sh\n"), "parents": True}),
        ("fs/write", {"path": "experiments.git/refs/up/config", "data": b64("[alias]\n")}),
        ("fs/mkdir", {"path": "x/hooks"}),
        ("fs/rm", {"path": "x/HEAD"}),
        ("fs/rm", {"path": "lk", "recursive": True}),
    ):
        status, err = await api(route, body)
        if route == "fs/rm" and body["path"] == "lk":
            continue  # removes the link itself, not the repository
        assert (status, err["code"]) == NOT_WRITABLE, (route, body, err)
    assert (store / "experiments.git" / "config").read_text() == CONFIG_TEMPLATE
    assert (store / "experiments.git" / "HEAD").is_file()
    del before


async def test_regression_a_store_inside_a_repository_is_refused(
    api: Api, jp_root_dir: Path
) -> None:
    # store=".mlops/experiments.git" made "config" a plain path.
    assert (await api("store/init", {}))[0] == 200
    before = snapshot(jp_root_dir)
    for store in (".mlops/experiments.git", ".mlops/experiments.git/refs"):
        for route, body in (
            ("fs/write", {"path": "config", "data": b64("[core]\n\tpager = touch x\n")}),
            ("fs/mkdir", {"path": "hooks"}),
            ("fs/rm", {"path": "HEAD"}),
            ("fs/lock", {"path": "locks/x"}),
            ("store/init", {}),
        ):
            status, err = await api(route, {**body, "store": store})
            assert (status, err["code"]) == NOT_WRITABLE, (store, route, err)
    assert snapshot(jp_root_dir) == before


async def test_a_folder_git_would_take_for_a_repository_counts_as_one(
    api: Api, store: Path
) -> None:
    # A bare repository whatever its name: HEAD, objects/ and refs/.
    repo = store / "plain"
    for folder in ("objects", "refs"):
        (repo / folder).mkdir(parents=True)
    (repo / "HEAD").write_text("ref: refs/heads/main\n")
    before = snapshot(store)
    for path in ("plain/config", "plain/refs/x", "plain/objects/info/alternates"):
        status, err = await api("fs/write", {"path": path, "data": b64("[core]\n")})
        assert (status, err["code"]) == NOT_WRITABLE, path
    status, err = await api("fs/rm", {"path": "plain", "recursive": True})
    assert (status, err["code"]) == NOT_WRITABLE
    assert snapshot(store) == before


async def test_regression_a_symlinked_lock_folder_cannot_lock_the_repository(
    api: Api, store: Path
) -> None:
    assert (await api("store/init", {}))[0] == 200
    (store / "locks").symlink_to("experiments.git")
    status, err = await api("fs/lock", {"path": "locks/HEAD"})
    assert (status, err["code"]) == NOT_WRITABLE
    assert not (store / "experiments.git" / "HEAD.lock").exists()


def git_runs_nothing(folder: Path, sentinel: Path) -> None:
    """Run `git log` as a user would in `folder`; the planted pager must not run."""
    subprocess.run(
        ["script", "-qc", "git log --all", "/dev/null"],
        cwd=folder,
        capture_output=True,
        check=False,
        env={**os.environ, "GIT_CEILING_DIRECTORIES": str(folder.parent)},
    )
    assert not sentinel.exists()


async def test_regression_no_repository_can_be_assembled_in_any_order(
    api: Api, jp_root_dir: Path
) -> None:
    # config first, then objects/ and refs/, HEAD last: the folder only
    # became a repository at the end, when no rule looked at it any more.
    sentinel = jp_root_dir / "PWNED"
    pager = b64(f"[core]\n\tpager = touch {sentinel}; cat\n")
    for folder in ("evil", "w", "experiments.git/refs/n", ""):
        prefix = f"{folder}/" if folder else ""
        await api("fs/write", {"path": f"{prefix}config", "data": pager, "parents": True})
        await api("fs/mkdir", {"path": f"{prefix}objects", "parents": True})
        await api("fs/mkdir", {"path": f"{prefix}refs", "parents": True})
        for head in ("HEAD", "head", "Head"):
            status, err = await api(
                "fs/write", {"path": f"{prefix}{head}", "data": b64("ref: refs/heads/m\n")}
            )
            assert (status, err["code"]) in (NOT_WRITABLE, (400, "E_BAD_REQUEST")), err
        status, err = await api(
            "fs/write", {"path": f"{prefix}.git", "data": b64("gitdir: ../c2\n")}
        )
        assert (status, err["code"]) == NOT_WRITABLE
    store = jp_root_dir / ".mlops"
    assert not any(path.name.lower() == "head" for path in store.rglob("*"))
    for folder in (store, store / "evil", store / "w"):
        if folder.is_dir():
            git_runs_nothing(folder, sentinel)


async def test_regression_refs_hold_object_ids_and_plain_names(api: Api, store: Path) -> None:
    assert (await api("store/init", {}))[0] == 200
    before = snapshot(store)
    for path, data, expected in (
        ("experiments.git/refs/exps/a/b", "[core]\n\tpager = x\n", (400, "E_BAD_REQUEST")),
        ("experiments.git/refs/exps/a/b", "ref: refs/heads/x\n", (400, "E_BAD_REQUEST")),
        ("experiments.git/refs/tags/--upload-pack=touch", OID, NOT_WRITABLE),
        ("experiments.git/refs/x/.hidden", OID, NOT_WRITABLE),
        ("experiments.git/refs/x/a.lock", OID, NOT_WRITABLE),
        ("experiments.git/refs/x/HEAD", OID, NOT_WRITABLE),
        ("experiments.git/refs/x.git/a", OID, NOT_WRITABLE),
        ("experiments.git/packed-refs", f"{OID} refs/heads/$(touch x)\n", (400, "E_BAD_REQUEST")),
        ("experiments.git/packed-refs", "[core]\n\tpager = x\n", (400, "E_BAD_REQUEST")),
    ):
        status, err = await api("fs/write", {"path": path, "data": b64(data), "parents": True})
        assert (status, err["code"]) == expected, (path, data, err)
    assert snapshot(store) == before


async def test_regression_config_is_not_the_template_when_git_reads_another(
    api: Api, store: Path
) -> None:
    assert (await api("store/init", {}))[1]["configIsTemplate"] is True
    (store / "experiments.git" / "commondir").write_text("../evil\n")
    assert (await api("store/init", {}))[1]["configIsTemplate"] is False


async def test_regression_a_recursive_rm_leaves_a_repository_and_a_deep_tree_whole(
    api: Api, jp_root_dir: Path
) -> None:
    assert (await api("store/init", {"store": "proj/.mlops"}))[0] == 200
    deep = jp_root_dir / "deep"
    (deep / "/".join(["d"] * 80)).mkdir(parents=True)
    before = snapshot(jp_root_dir)
    status, err = await api("fs/rm", {"store": "proj", "path": ".mlops", "recursive": True})
    assert (status, err["code"]) == NOT_WRITABLE
    status, err = await api("fs/rm", {"store": "deep", "path": "d", "recursive": True})
    assert (status, err["code"]) == (400, "E_PATH_TOO_LONG")
    assert snapshot(jp_root_dir) == before


async def test_regression_a_long_symlink_chain_is_a_coded_refusal(api: Api, store: Path) -> None:
    store.mkdir()
    (store / "l0").write_text("x")
    for index in range(1, 1200):
        (store / f"l{index}").symlink_to(f"l{index - 1}")
    status, err = await api("fs/read", {"path": "l1199"})
    assert (status, err["code"]) == (403, "E_PATH_OUTSIDE_ROOT")
    status, body = await api("fs/read-many", {"paths": ["l1199", "l0"]})
    assert status == 200
    assert body["files"][0]["error"]["code"] == "E_PATH_OUTSIDE_ROOT"
    assert body["files"][1]["size"] == 1


async def test_regression_fs_write_puts_only_the_named_object_under_objects(
    api: Api, store: Path
) -> None:
    # write-many checked every object; fs/write took any bytes at the same path.
    assert (await api("store/init", {}))[0] == 200
    before = snapshot(store)
    other_path, _ = git_object(b"other\n")
    for path, data in (
        (OBJECT_PATH, b"[core]\n\tpager = touch x\n"),
        (OBJECT_PATH, zlib.compress(b"blob 3\0abc")),
        (other_path, OBJECT_DATA),
    ):
        status, err = await api("fs/write", {"path": path, "data": b64(data), "parents": True})
        assert (status, err["code"]) == (400, "E_BAD_REQUEST"), (path, err)
    assert snapshot(store) == before
    status, _ = await api(
        "fs/write", {"path": OBJECT_PATH, "data": b64(OBJECT_DATA), "parents": True}
    )
    assert status == 200
    assert (
        git(
            store / "experiments.git", "cat-file", "-p", OBJECT_PATH[-41:-39] + OBJECT_PATH[-38:]
        ).stdout
        == "stored\n"
    )
