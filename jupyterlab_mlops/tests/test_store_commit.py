"""POST /mlops/fs/commit: an experiment's objects and its ref in one request, as git sets a ref."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import store_commit
from jupyterlab_mlops.errors import MlopsError
from jupyterlab_mlops.paths import open_store
from jupyterlab_mlops.store_commit import packed_value

from .conftest import Api
from .helpers import snapshot, temp_files
from .test_write_many import entry, git, git_object

MAX_BODY = 256 * 1024

REF = "refs/exps/wine-classifier/01KB0000000000000000000000"
OTHER = "refs/exps/wine-classifier/01KB0000000000000000000001"


def commit_objects(message: str, parent: str | None = None) -> tuple[str, list[dict[str, str]]]:
    """A commit (with an empty tree) and its objects, as `fs/commit` entries."""
    tree_path, tree = git_object(b"", "tree")
    tree_oid = tree_path[-41:-39] + tree_path[-38:]
    head = f"tree {tree_oid}\n" + (f"parent {parent}\n" if parent else "")
    who = "someone <someone@jupyterlab> 1795435200 +0000"
    body = f"{head}author {who}\ncommitter {who}\n\n{message}\n".encode()
    path, data = git_object(body, "commit")
    return path[-41:-39] + path[-38:], [entry(tree_path, tree), entry(path, data)]


async def commit(
    api: Api, name: str, message: str, old: str | None, parent: str | None = None
) -> tuple[int, Any, str]:
    oid, files = commit_objects(message, parent)
    status, body = await api(
        "fs/commit", {"files": files, "ref": {"name": name, "oid": oid, "old": old}}
    )
    return status, body, oid


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """The extension with a small body limit, so it can be reached."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": {"max_body_bytes": MAX_BODY},
    }


async def init(api: Api, store: Path) -> Path:
    """The store's repository, made by the server from its template."""
    status, _ = await api("store/init", {})
    assert status == 200
    return store / "experiments.git"


async def test_sets_a_new_ref_to_objects_git_reads(api: Api, store: Path) -> None:
    repository = await init(api, store)
    status, body, oid = await commit(api, REF, "first", None)
    assert status == 200, body
    assert body["ref"] == {"name": REF, "oid": oid}
    assert [f["written"] for f in body["files"]] == [True, True]
    assert git(store, "rev-parse", REF).strip() == oid
    git(store, "fsck", "--strict", "--no-dangling")
    assert (repository / f"{REF}").read_text() == f"{oid}\n"
    assert not (repository / f"{REF}.lock").exists()
    assert temp_files(store) == []


async def test_moves_a_ref_that_still_holds_old(api: Api, store: Path) -> None:
    await init(api, store)
    _, _, first = await commit(api, REF, "first", None)
    status, body, second = await commit(api, REF, "edit", first, parent=first)
    assert status == 200, body
    assert git(store, "rev-parse", REF).strip() == second
    assert git(store, "rev-list", "--count", REF).strip() == "2"


async def test_moves_a_packed_ref_that_holds_old(api: Api, store: Path) -> None:
    repository = await init(api, store)
    # After `git pack-refs` (or a clone) the ref lives in packed-refs only.
    _, _, first = await commit(api, REF, "first", None)
    git(store, "pack-refs", "--all")
    assert not (repository / REF).exists()
    status, body, second = await commit(api, REF, "edit", first, parent=first)
    assert status == 200, body
    assert git(store, "rev-parse", REF).strip() == second


@pytest.mark.parametrize("packed", [False, True], ids=["loose", "packed"])
async def test_refuses_a_new_ref_that_exists(api: Api, store: Path, packed: bool) -> None:
    repository = await init(api, store)
    _, _, first = await commit(api, REF, "first", None)
    if packed:
        git(store, "pack-refs", "--all")
    status, body, _ = await commit(api, REF, "replayed", None)
    assert status == 409
    assert body["code"] == "E_REF_CHANGED"
    assert body["message"].startswith(f"{REF} is at {first}, not new: it changed meanwhile")
    assert git(store, "rev-parse", REF).strip() == first
    assert not (repository / f"{REF}.lock").exists()


async def test_refuses_an_edit_over_another_edit(api: Api, store: Path) -> None:
    await init(api, store)
    # Two tabs edit the same experiment from the same parent: the second is
    # refused, not written over the first.
    _, _, first = await commit(api, REF, "first", None)
    assert (await commit(api, REF, "tab A", first, parent=first))[0] == 200
    tab_a = git(store, "rev-parse", REF).strip()
    status, body, _ = await commit(api, REF, "tab B", first, parent=first)
    assert (status, body["code"]) == (409, "E_REF_CHANGED")
    assert "changed meanwhile" in body["message"]
    assert git(store, "rev-parse", REF).strip() == tab_a


async def test_refuses_an_edit_of_a_deleted_ref(api: Api, store: Path) -> None:
    repository = await init(api, store)
    _, _, first = await commit(api, REF, "first", None)
    git(store, "update-ref", "-d", REF)
    status, body, _ = await commit(api, REF, "edit", first, parent=first)
    assert (status, body["code"]) == (409, "E_REF_CHANGED")
    assert body["message"].startswith(f"{REF} is gone, not at {first}")
    assert (
        subprocess.run(
            ["git", "--git-dir", str(repository), "rev-parse", "--verify", "-q", REF],
            capture_output=True,
        ).returncode
        != 0
    )


async def test_leaves_a_lock_held_by_another_writer(api: Api, store: Path) -> None:
    repository = await init(api, store)
    _, _, first = await commit(api, REF, "first", None)
    lock = repository / f"{REF}.lock"
    lock.write_text("held by git\n")
    status, body, _ = await commit(api, REF, "edit", first, parent=first)
    assert (status, body["code"]) == (409, "E_LOCKED")
    assert lock.read_text() == "held by git\n"
    assert git(store, "rev-parse", REF).strip() == first


async def test_answers_not_found_without_a_repository(api: Api, store: Path) -> None:
    status, body, _ = await commit(api, REF, "first", None)
    assert (status, body["code"]) == (404, "E_NOT_FOUND")
    assert "store/init" in body["message"]
    # Nothing made on the way: not the store, not an objects folder.
    assert not store.exists()


async def test_concurrent_creations_of_one_ref_set_it_once(api: Api, store: Path) -> None:
    repository = await init(api, store)
    answers = await asyncio.gather(*(commit(api, REF, f"racer {n}", None) for n in range(8)))
    won = [oid for status, _, oid in answers if status == 200]
    assert len(won) == 1
    assert {body["code"] for status, body, _ in answers if status != 200} <= {
        "E_REF_CHANGED",
        "E_LOCKED",
    }
    assert git(store, "rev-parse", REF).strip() == won[0]
    assert not (repository / f"{REF}.lock").exists()


def _body(files: list[dict[str, str]], **ref: Any) -> dict[str, Any]:
    oid = files[-1]["path"][-41:-39] + files[-1]["path"][-38:]
    return {"files": files, "ref": {"name": REF, "oid": oid, "old": None, **ref}}


_, FILES = commit_objects("hostile")
BLOB_PATH, BLOB = git_object(b"not a commit\n")
HOSTILE: list[Any] = [
    pytest.param({"files": FILES}, id="no-ref"),
    pytest.param({"files": FILES, "ref": "refs/exps/a/b"}, id="ref-a-string"),
    pytest.param(_body(FILES, extra=1), id="ref-extra-field"),
    pytest.param({"files": FILES, "ref": {"name": REF, "oid": "0" * 40}}, id="ref-no-old"),
    pytest.param(_body(FILES, name="refs/heads/main"), id="name-branch"),
    pytest.param(_body(FILES, name="HEAD"), id="name-head"),
    pytest.param(_body(FILES, name="refs/exps/a/../../../config"), id="name-dotdot"),
    pytest.param(_body(FILES, name=REF + "/x"), id="name-deeper"),
    pytest.param(_body(FILES, name=REF + ".lock"), id="name-lock"),
    pytest.param(
        _body(FILES, name="refs/exps/" + "a" * 81 + "/01KB0000000000000000000000"), id="name-long"
    ),
    pytest.param(_body(FILES, name=f"refs/exps/a/{'0' * 26}\n"), id="name-newline"),
    pytest.param(_body(FILES, name=5), id="name-number"),
    pytest.param(_body(FILES, oid="A" * 40), id="oid-upper"),
    pytest.param(_body(FILES, oid="0" * 40), id="oid-not-sent"),
    pytest.param(_body(FILES, old="1" * 39), id="old-short"),
    pytest.param(_body(FILES, old=0), id="old-number"),
    pytest.param(_body([entry(BLOB_PATH, BLOB)]), id="oid-a-blob"),
    pytest.param(_body([FILES[0], {**FILES[1], "data": FILES[0]["data"]}]), id="oid-forged"),
    pytest.param({**_body(FILES), "files": []}, id="no-files"),
    pytest.param({**_body(FILES), "other": 1}, id="unknown-field"),
]


@pytest.mark.parametrize("body", HOSTILE)
async def test_refuses_a_bad_request_with_nothing_changed(
    api: Api, store: Path, body: dict[str, Any]
) -> None:
    await init(api, store)
    before = snapshot(store)
    status, answer = await api("fs/commit", body)
    assert status == 400, answer
    assert answer["code"] == "E_BAD_REQUEST"
    assert snapshot(store) == before


async def test_refuses_malformed_json(api: Api, store: Path) -> None:
    await init(api, store)
    before = snapshot(store)
    status, answer = await api("fs/commit", raw=b'{"files": [')
    assert (status, answer["code"]) == (400, "E_BAD_JSON")
    assert snapshot(store) == before


async def test_refuses_an_oversized_body(api: Api, store: Path) -> None:
    await init(api, store)
    status, answer = await api("fs/commit", raw=b"{" + b" " * MAX_BODY + b"}")
    assert (status, answer["code"]) == (413, "E_BODY_TOO_LARGE")


async def test_never_writes_through_a_symlinked_ref_folder(
    api: Api, store: Path, outside: Path
) -> None:
    repository = await init(api, store)
    (repository / "refs" / "exps").mkdir(parents=True, exist_ok=True)
    (repository / "refs" / "exps" / "wine-classifier").symlink_to(outside)
    before = snapshot(outside)
    status, body, _ = await commit(api, REF, "first", None)
    assert status in (403, 409), body
    assert body["code"] in ("E_PATH_OUTSIDE_ROOT", "E_PATH_NOT_WRITABLE")
    assert snapshot(outside) == before


async def test_never_reads_or_replaces_through_a_symlinked_ref(
    api: Api, store: Path, outside: Path
) -> None:
    repository = await init(api, store)
    _, _, first = await commit(api, REF, "first", None)
    secret = outside / "sentinel.txt"
    (repository / REF).unlink()
    os.symlink(secret, repository / REF)
    status, body, _ = await commit(api, REF, "edit", first, parent=first)
    assert (status, body["code"]) == (500, "E_IO")
    assert secret.read_text() == "do not touch"
    assert (repository / REF).is_symlink()
    assert not (repository / f"{REF}.lock").exists()


async def test_refuses_a_symlinked_packed_refs(api: Api, store: Path, outside: Path) -> None:
    repository = await init(api, store)
    (outside / "packed").write_text(f"{'1' * 40} {OTHER}\n")
    os.symlink(outside / "packed", repository / "packed-refs")
    status, body, _ = await commit(api, REF, "first", None)
    assert (status, body["code"]) == (500, "E_IO")
    assert not (repository / REF).exists()
    assert not (repository / f"{REF}.lock").exists()


async def test_sets_a_ref_again_to_the_same_commit(api: Api, store: Path) -> None:
    # A request sent again after its answer was lost: the ref already holds
    # what it asks for, so it succeeds and changes nothing.
    await init(api, store)
    oid, files = commit_objects("first")
    body = {"files": files, "ref": {"name": REF, "oid": oid, "old": None}}
    assert (await api("fs/commit", body))[0] == 200
    # (Folder mtimes change: the lock is made and removed.)
    before = snapshot(store, mtimes=False)
    status, answer = await api("fs/commit", body)
    assert status == 200, answer
    assert [f["written"] for f in answer["files"]] == [False, False]
    assert snapshot(store, mtimes=False) == before


async def test_refuses_a_repository_that_is_a_file(api: Api, store: Path) -> None:
    store.mkdir()
    (store / "experiments.git").write_text("gitdir: /elsewhere\n")
    status, body, _ = await commit(api, REF, "first", None)
    assert (status, body["code"]) == (403, "E_UNSAFE_REPOSITORY")
    assert (store / "experiments.git").read_text() == "gitdir: /elsewhere\n"


async def test_refuses_a_symlinked_head(api: Api, store: Path, outside: Path) -> None:
    repository = await init(api, store)
    (repository / "HEAD").unlink()
    (repository / "HEAD").symlink_to(outside / "sentinel.txt")
    status, body, _ = await commit(api, REF, "first", None)
    assert (status, body["code"]) == (403, "E_UNSAFE_REPOSITORY")
    assert not (repository / "refs" / "exps").exists()


async def test_leaves_a_ref_git_would_not_write_alone(api: Api, store: Path) -> None:
    repository = await init(api, store)
    _, _, first = await commit(api, REF, "first", None)
    (repository / REF).write_text(f"  {first}\n\n")
    status, body, _ = await commit(api, REF, "edit", first, parent=first)
    assert (status, body["code"]) == (500, "E_IO")
    assert (repository / REF).read_text() == f"  {first}\n\n"
    assert not (repository / f"{REF}.lock").exists()


def test_reads_packed_refs_only_by_whole_lines() -> None:
    a, b, c = "a" * 40, "b" * 40, "c" * 40
    packed = (
        "# pack-refs with: peeled fully-peeled sorted \n"
        f"{a} {REF}x\n"  # a longer name
        f"{b} refs/exps/other/{REF}\n"  # ours as a suffix
        f"{c} {REF}\n"
        f"^{a}\n"  # a peeled line belongs to the line above
    ).encode()
    assert packed_value(packed, REF) == c
    assert packed_value(packed.replace(f"{c} {REF}\n".encode(), b""), REF) is None
    assert packed_value(f"{c} {REF}".encode(), REF) == c  # no newline at the end
    assert packed_value(f"x{c} {REF}\n".encode(), REF) is None
    assert packed_value(f"{c.upper()} {REF}\n".encode(), REF) is None
    assert packed_value(b"", REF) is None


def test_reads_packed_refs_from_the_repository_it_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The store folder swapped for a symlink to another repository while
    # the ref is locked: the value compared is still this repository's.
    root = tmp_path / "root"
    (root / "s").mkdir(parents=True)
    git_dir = root / "s" / "experiments.git"
    subprocess.run(["git", "init", "-q", "--bare", str(git_dir)], check=True)
    ours, theirs, new = "b" * 40, "c" * 40, "a" * 40
    (git_dir / "packed-refs").write_text(f"{ours} {REF}\n")
    foreign = tmp_path / "foreign" / "experiments.git"
    foreign.mkdir(parents=True)
    (foreign / "packed-refs").write_text(f"{theirs} {REF}\n")
    store = open_store(root, "s")
    take = store_commit._take_lock

    def swapping(dir_fd: int, lock: str, name: str) -> int:
        fd = take(dir_fd, lock, name)
        os.rename(root / "s", root / "s-moved")
        os.symlink(foreign.parent, root / "s")
        return fd

    monkeypatch.setattr(store_commit, "_take_lock", swapping)
    with pytest.raises(MlopsError) as refused:
        store_commit.set_ref(store, git_dir, REF, new, theirs)
    assert refused.value.code == "E_REF_CHANGED"
    assert not (root / "s-moved" / "experiments.git" / REF).exists()
    assert not (foreign / REF).exists()


async def test_a_mirror_asked_of_a_server_without_mlflow_still_stores_the_snapshot(
    api: Api, store: Path
) -> None:
    """`mirror: true` and no MLflow URI here: the snapshot is stored, nothing queued, and the
    answer says why (the page's `tracking/mirror` request then says it to the user)."""
    await init(api, store)
    oid, files = commit_objects("first")
    status, body = await api(
        "fs/commit",
        {"files": files, "ref": {"name": REF, "oid": oid, "old": None}, "mirror": True},
    )
    assert status == 200, body
    assert body["mirror"] == "unconfigured"
    assert git(store, "rev-parse", REF).strip() == oid
    assert not (store / "registry").exists() or not list((store / "registry").rglob("*.json"))
    _, plain, _ = await commit(api, OTHER, "second", None)
    assert plain["mirror"] is None
