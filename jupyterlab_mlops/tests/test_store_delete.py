"""POST /mlops/store/delete-ref: an experiment ref deleted by git, under git's locks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .helpers import snapshot
from .test_store_commit import OTHER, REF, commit, init
from .test_write_many import git


async def two_experiments(api: Api, store: Path) -> tuple[Path, str, str]:
    repository = await init(api, store)
    first = (await commit(api, REF, "first", None))[2]
    other = (await commit(api, OTHER, "other", None))[2]
    return repository, first, other


@pytest.mark.parametrize("packed", [False, True], ids=["loose", "packed"])
async def test_deletes_a_ref_and_keeps_the_others(api: Api, store: Path, packed: bool) -> None:
    repository, first, other = await two_experiments(api, store)
    if packed:
        git(store, "pack-refs", "--all")
    status, body = await api("store/delete-ref", {"ref": REF, "old": first})
    assert status == 200, body
    assert body == {"ref": REF, "old": first}
    assert git(store, "for-each-ref", "--format=%(refname) %(objectname)") == f"{OTHER} {other}\n"
    assert not (repository / REF).exists()
    assert REF not in (repository / "packed-refs").read_text() if packed else True
    assert not list(repository.rglob("*.lock"))
    git(store, "fsck", "--strict")
    # The commit stays until git gc: the experiment can be recovered.
    assert git(store, "cat-file", "-t", first) == "commit\n"


async def test_refuses_a_ref_that_moved(api: Api, store: Path) -> None:
    _, first, _ = await two_experiments(api, store)
    edited = (await commit(api, REF, "edit", first, parent=first))[2]
    # (Folder mtimes change: git made its lock and removed it.)
    before = snapshot(store, mtimes=False)
    status, body = await api("store/delete-ref", {"ref": REF, "old": first})
    assert (status, body["code"]) == (409, "E_REF_CHANGED")
    assert snapshot(store, mtimes=False) == before
    assert git(store, "rev-parse", REF).strip() == edited


async def test_answers_not_found_for_a_ref_gone(api: Api, store: Path) -> None:
    _, first, _ = await two_experiments(api, store)
    assert (await api("store/delete-ref", {"ref": REF, "old": first}))[0] == 200
    status, body = await api("store/delete-ref", {"ref": REF, "old": first})
    assert (status, body["code"]) == (404, "E_NOT_FOUND")


@pytest.mark.parametrize("held", ["ref", "packed-refs"])
async def test_leaves_a_held_lock_alone(api: Api, store: Path, held: str) -> None:
    repository, first, _ = await two_experiments(api, store)
    git(store, "pack-refs", "--all")
    lock = repository / f"{REF if held == 'ref' else 'packed-refs'}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)  # pack-refs removed it
    lock.write_text("held\n")
    status, body = await api("store/delete-ref", {"ref": REF, "old": first})
    assert (status, body["code"]) == (409, "E_LOCKED")
    assert lock.read_text() == "held\n"
    assert git(store, "rev-parse", REF).strip() == first
    assert "/tmp" not in body["message"] and str(store) not in body["message"]


HOSTILE: list[Any] = [
    pytest.param({"ref": REF}, id="no-old"),
    pytest.param({"old": "a" * 40}, id="no-ref"),
    pytest.param({"ref": "refs/heads/main", "old": "a" * 40}, id="branch"),
    pytest.param({"ref": "HEAD", "old": "a" * 40}, id="head"),
    pytest.param({"ref": "refs/exps/a/../../HEAD", "old": "a" * 40}, id="dotdot"),
    pytest.param({"ref": f"-d {REF}", "old": "a" * 40}, id="option"),
    pytest.param({"ref": REF, "old": "--stdin"}, id="old-option"),
    pytest.param({"ref": REF, "old": "0" * 39}, id="old-short"),
    pytest.param({"ref": REF, "old": None}, id="old-null"),
    pytest.param({"ref": REF, "old": "a" * 40, "force": True}, id="unknown-field"),
    pytest.param({"ref": [REF], "old": "a" * 40}, id="ref-array"),
]


@pytest.mark.parametrize("body", HOSTILE)
async def test_refuses_a_bad_request_with_nothing_changed(
    api: Api, store: Path, body: dict[str, Any]
) -> None:
    await two_experiments(api, store)
    before = snapshot(store)
    status, answer = await api("store/delete-ref", body)
    assert status == 400, answer
    assert answer["code"] == "E_BAD_REQUEST"
    assert snapshot(store) == before


async def test_refuses_a_symlinked_ref_folder(api: Api, store: Path, outside: Path) -> None:
    repository, _, _ = await two_experiments(api, store)
    folder = repository / "refs" / "exps" / "wine-classifier"
    (outside / "01KB0000000000000000000000").write_text("c" * 40 + "\n")
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    folder.symlink_to(outside)
    before = snapshot(outside)
    status, body = await api("store/delete-ref", {"ref": REF, "old": "c" * 40})
    assert (status, body["code"]) == (403, "E_UNSAFE_REPOSITORY")
    assert snapshot(outside) == before


async def test_refuses_a_symlinked_packed_refs(api: Api, store: Path, outside: Path) -> None:
    repository, first, _ = await two_experiments(api, store)
    (outside / "packed").write_text(f"{first} {REF}\n")
    (repository / REF).unlink()
    (repository / "packed-refs").symlink_to(outside / "packed")
    status, body = await api("store/delete-ref", {"ref": REF, "old": first})
    assert (status, body["code"]) == (403, "E_UNSAFE_REPOSITORY")
    assert (outside / "packed").read_text() == f"{first} {REF}\n"


async def test_refuses_a_store_not_made_from_the_template(api: Api, store: Path) -> None:
    repository, first, _ = await two_experiments(api, store)
    with (repository / "config").open("a") as config:
        config.write("[core]\n\tfsmonitor = touch /tmp/pwned\n")
    status, body = await api("store/delete-ref", {"ref": REF, "old": first})
    assert (status, body["code"]) == (403, "E_UNSAFE_REPOSITORY")
    assert git(store, "rev-parse", REF).strip() == first
    assert not Path("/tmp/pwned").exists()
