"""`store/refs` and `store/manifests`: the experiment list read in bulk by the server's git.

Real stores made by the bridge's template, experiments written with the git
CLI as the lab writes them; then everything the routes must refuse or
report: broken refs, names the lab never writes, objects that are not
commits, manifests that are missing, not files, not UTF-8 or too big, an
answer past its byte budget, malformed and hostile bodies, and stores from
elsewhere (config, alternates, replacement refs, symbolic links).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

from jupyterlab_mlops import store_index

from .conftest import Api
from .git_remote_support import experiment, git
from .helpers import snapshot
from .test_store_sync_hostile import created

A1 = "refs/exps/nb-a/01JD0000000000000000000001"
A2 = "refs/exps/nb-a/01JD0000000000000000000002"
B1 = "refs/exps/nb-b/01JD0000000000000000000003"


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """A small answer budget (64 KiB), so paging is tested with small manifests."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": {"max_read_many_bytes": 64 * 1024},
    }


def manifest_text(git_dir: Path, commit: str) -> str:
    return git(git_dir, "cat-file", "blob", f"{commit}:manifest.json")


async def three(api: Api, store: Path) -> tuple[Path, dict[str, str]]:
    git_dir = await created(api, store)
    commits = {
        ref: experiment(git_dir, ref, {"ref": ref, "metrics": {"acc": i}})
        for i, ref in enumerate((A1, A2, B1))
    }
    return git_dir, commits


async def test_refs_list_every_experiment_or_one_notebooks(api: Api, store: Path) -> None:
    git_dir, commits = await three(api, store)
    status, answer = await api("store/refs", {})
    assert status == 200, answer
    assert sorted(map(tuple, answer["refs"])) == sorted(commits.items())
    assert answer["broken"] == []
    status, answer = await api("store/refs", {"slug": "nb-a"})
    assert sorted(map(tuple, answer["refs"])) == sorted(
        (ref, oid) for ref, oid in commits.items() if ref.startswith("refs/exps/nb-a/")
    )
    status, answer = await api("store/refs", {"slug": "nb-c"})
    assert (status, answer["refs"], answer["broken"]) == (200, [], [])


async def test_manifests_are_the_bytes_of_each_commits_manifest_in_order(
    api: Api, store: Path
) -> None:
    git_dir, commits = await three(api, store)
    asked = [commits[B1], commits[A1], commits[A2]]
    status, answer = await api("store/manifests", {"commits": asked})
    assert status == 200, answer
    assert answer["manifests"] == [
        {"commit": oid, "text": manifest_text(git_dir, oid)} for oid in asked
    ]
    assert json.loads(answer["manifests"][0]["text"])["ref"] == B1
    status, answer = await api("store/manifests", {"commits": []})
    assert (status, answer) == (200, {"manifests": []})


async def test_a_store_not_created_yet_has_no_refs_and_is_not_created(
    api: Api, store: Path, jp_root_dir: Path
) -> None:
    before = snapshot(jp_root_dir)
    status, answer = await api("store/refs", {})
    assert (status, answer) == (200, {"refs": [], "broken": []})
    status, answer = await api("store/manifests", {"commits": ["a" * 40]})
    assert (status, answer["code"]) == (404, "E_NOT_FOUND")
    assert snapshot(jp_root_dir) == before


async def test_a_store_the_lab_made_without_config_gets_the_template_and_is_read(
    api: Api, store: Path
) -> None:
    git_dir, commits = await three(api, store)
    (git_dir / "config").unlink()
    (git_dir / "HEAD").unlink()
    status, answer = await api("store/refs", {"slug": "nb-b"})
    assert (status, answer["refs"]) == (200, [[B1, commits[B1]]])
    assert (git_dir / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert "bare = true" in (git_dir / "config").read_text()
    # A store folder without a repository yet: no refs, nothing made.
    for name in ("config", "HEAD"):
        (git_dir / name).unlink()
    git_dir.rename(store / "elsewhere.git")
    status, answer = await api("store/refs", {})
    assert (status, answer) == (200, {"refs": [], "broken": []})
    assert not git_dir.exists()


async def test_refs_the_lab_never_writes_are_left_out_and_broken_ones_named(
    api: Api, store: Path
) -> None:
    git_dir, commits = await three(api, store)
    blob = git(git_dir, "hash-object", "-w", "--stdin", stdin="not a commit").strip()
    git(git_dir, "update-ref", "refs/exps/nb-a/not-a-ulid", commits[A1])
    git(git_dir, "update-ref", "refs/exps/NB/01JD0000000000000000000009", commits[A1])
    git(git_dir, "update-ref", "refs/heads/main", commits[A1])
    git(git_dir, "update-ref", "refs/exps/nb-a/sub/01JD0000000000000000000008", commits[A1])
    broken = git_dir / "refs" / "exps" / "nb-b" / "01JD0000000000000000000007"
    broken.write_text("this is no object id\n")
    status, answer = await api("store/refs", {})
    assert status == 200, answer
    assert sorted(map(tuple, answer["refs"])) == sorted(commits.items())
    assert answer["broken"] == ["refs/exps/nb-b/01JD0000000000000000000007"]
    # A blob's id is listed (git does not look); its manifest is not found.
    git(git_dir, "update-ref", "refs/exps/nb-b/01JD0000000000000000000006", blob)
    status, answer = await api("store/manifests", {"commits": [blob]})
    assert answer["manifests"][0]["error"]["code"] == "E_NOT_FOUND"
    status, answer = await api("store/refs", {"slug": "nb-a"})
    assert answer["broken"] == []


async def test_each_manifest_that_cannot_be_carried_says_why_and_the_rest_are_read(
    api: Api, store: Path
) -> None:
    git_dir, commits = await three(api, store)

    def commit_of(tree_line: str) -> str:
        tree = git(git_dir, "mktree", stdin=tree_line).strip()
        return git(git_dir, "commit-tree", tree, "-m", "x").strip()

    empty_blob = git(git_dir, "hash-object", "-w", "--stdin", stdin="").strip()
    inner = git(git_dir, "mktree", stdin=f"100644 blob {empty_blob}\tx\n").strip()
    latin = git(git_dir, "hash-object", "-w", "--stdin", stdin="").strip()
    (git_dir.parent / "latin.json").write_bytes(b'{"name": "caf\xe9"}')
    latin = git(git_dir, "hash-object", "-w", str(git_dir.parent / "latin.json")).strip()
    (git_dir.parent / "latin.json").unlink()
    no_manifest = commit_of(f"100644 blob {empty_blob}\tother.json\n")
    a_folder = commit_of(f"040000 tree {inner}\tmanifest.json\n")
    not_utf8 = commit_of(f"100644 blob {latin}\tmanifest.json\n")
    big = git_dir.parent / "big.json"
    big.write_text(json.dumps({"pad": "x" * (8 * 1024 * 1024 + 10)}))
    huge = git(git_dir, "hash-object", "-w", str(big)).strip()
    big.unlink()
    too_big = commit_of(f"100644 blob {huge}\tmanifest.json\n")
    tree_id = git(git_dir, "rev-parse", f"{commits[A1]}^{{tree}}").strip()
    unknown = "0123456789abcdef0123456789abcdef01234567"
    asked = [no_manifest, a_folder, not_utf8, too_big, tree_id, unknown, commits[A2]]
    status, answer = await api("store/manifests", {"commits": asked})
    assert status == 200, answer
    codes = [item.get("error", {}).get("code") for item in answer["manifests"]]
    assert codes == [
        "E_NOT_FOUND",
        "E_STORE_CORRUPT",
        "E_STORE_CORRUPT",
        "E_STORE_CORRUPT",
        "E_NOT_FOUND",
        "E_NOT_FOUND",
        None,
    ]
    assert [item["commit"] for item in answer["manifests"]] == asked
    assert answer["manifests"][-1]["text"] == manifest_text(git_dir, commits[A2])


async def test_an_answer_past_its_budget_defers_the_rest(api: Api, store: Path) -> None:
    git_dir = await created(api, store)
    # 40 manifests of ~5 KiB against a 64 KiB budget.
    commits = [
        experiment(git_dir, f"refs/exps/nb/01JD00000000000000000000{i:02d}", {"pad": "y" * 5000})
        for i in range(40)
    ]
    status, answer = await api("store/manifests", {"commits": commits})
    assert status == 200
    carried = [item for item in answer["manifests"] if "text" in item]
    deferred = [item for item in answer["manifests"] if "error" in item]
    assert 10 <= len(carried) < 40
    assert carried == answer["manifests"][: len(carried)]
    assert {item["error"]["code"] for item in deferred} == {"E_ANSWER_TOO_LARGE"}
    # Asking again for the rest gets them.
    rest = [item["commit"] for item in deferred]
    status, again = await api("store/manifests", {"commits": rest})
    assert [item["commit"] for item in again["manifests"]][:1] == rest[:1]
    assert "text" in again["manifests"][0]
    # A manifest bigger than the budget on its own still comes, alone.
    lone = experiment(git_dir, "refs/exps/nb/01JD0000000000000000000099", {"pad": "z" * 70_000})
    status, answer = await api("store/manifests", {"commits": [lone, commits[0]]})
    assert "text" in answer["manifests"][0]
    assert answer["manifests"][1]["error"]["code"] == "E_ANSWER_TOO_LARGE"


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("store/manifests", {}),
        ("store/manifests", {"commits": "a" * 40}),
        ("store/manifests", {"commits": [1]}),
        ("store/manifests", {"commits": ["A" * 40]}),
        ("store/manifests", {"commits": ["a" * 39]}),
        ("store/manifests", {"commits": ["a" * 41]}),
        ("store/manifests", {"commits": ["HEAD"]}),
        ("store/manifests", {"commits": ["--batch-all-objects"]}),
        ("store/manifests", {"commits": ["a" * 40 + "^{tree}"]}),
        ("store/manifests", {"commits": ["a" * 40 + "\n" + "b" * 40]}),
        ("store/manifests", {"commits": [":/message"]}),
        ("store/manifests", {"commits": ["a" * 40, "a" * 40]}),
        ("store/manifests", {"commits": [f"{i:040x}" for i in range(1001)]}),
        ("store/manifests", {"commits": [], "extra": 1}),
        ("store/manifests", {"commits": ["a" * 40 + "\n"]}),
        ("store/refs", {"slug": "nb-a\n"}),
        ("store/refs", {"slug": "../x"}),
        ("store/refs", {"slug": "NB"}),
        ("store/refs", {"slug": "a" * 81}),
        ("store/refs", {"slug": "nb/01JD"}),
        ("store/refs", {"slug": "*"}),
        ("store/refs", {"slug": 3}),
        ("store/refs", {"store": "../elsewhere"}),
        ("store/refs", {"store": "/etc"}),
    ],
)
async def test_malformed_and_hostile_bodies(
    api: Api, store: Path, jp_root_dir: Path, route: str, body: dict[str, Any]
) -> None:
    await three(api, store)
    before = snapshot(jp_root_dir)
    status, answer = await api(route, body)
    assert status == 400 or answer["code"] in ("E_STORE_INVALID", "E_OUTSIDE_ROOT"), answer
    assert answer["code"].startswith("E_")
    assert snapshot(jp_root_dir) == before


async def test_oversized_and_broken_json(api: Api, store: Path) -> None:
    await three(api, store)
    status, answer = await api("store/manifests", raw=b'{"commits": [')
    assert (status, answer["code"]) == (400, "E_BAD_JSON")
    huge = json.dumps({"commits": ["a" * 40] * 900_000}).encode()
    status, answer = await api("store/manifests", raw=huge)
    assert (status, answer["code"]) == (413, "E_BODY_TOO_LARGE")


@pytest.mark.parametrize(
    "plant",
    [
        "config",
        "alternates",
        "replace",
        "symlinked ref",
        "symlinked ref folder",
        "symlinked fan-out folder",
        "symlinked packed-refs",
        "symlinked objects",
        "fifo ref",
        "fifo in objects",
        "fifo packed-refs",
        "symlinked loose object",
        "symlinked pack",
        "fifo loose object",
        "fifo HEAD",
    ],
)
async def test_a_store_from_elsewhere_is_not_read(
    api: Api, store: Path, outside: Path, plant: str
) -> None:
    git_dir, commits = await three(api, store)
    elsewhere = outside / "repo.git"
    git(elsewhere, "init", "--bare", "-q")
    foreign = experiment(elsewhere, "refs/exps/nb-x/01JD0000000000000000000005", {"secret": 1})
    if plant == "config":
        with (git_dir / "config").open("a") as handle:
            handle.write("[core]\n\tfsmonitor = touch /tmp/pwned\n")
    elif plant == "alternates":
        (git_dir / "objects" / "info" / "alternates").write_text(f"{elsewhere}/objects\n")
    elif plant == "replace":
        git(git_dir, "update-ref", f"refs/replace/{commits[A1]}", commits[A2])
    elif plant == "symlinked ref":
        os.symlink(
            elsewhere / "refs/exps/nb-x/01JD0000000000000000000005",
            git_dir / "refs/exps/nb-a/01JD0000000000000000000005",
        )
    elif plant == "symlinked ref folder":
        os.symlink(elsewhere / "refs/exps/nb-x", git_dir / "refs/exps/nb-x")
    elif plant == "symlinked fan-out folder":
        fan = foreign[:2]
        target = git_dir / "objects" / fan
        if target.exists():
            target.rename(git_dir.parent / "moved")
        os.symlink(elsewhere / "objects" / fan, target)
    elif plant == "symlinked packed-refs":
        (elsewhere / "packed-refs").write_text(f"{foreign} {A1}\n")
        os.symlink(elsewhere / "packed-refs", git_dir / "packed-refs")
    elif plant == "symlinked objects":
        (git_dir / "objects").rename(git_dir.parent / "objects-moved")
        os.symlink(elsewhere / "objects", git_dir / "objects")
    elif plant == "fifo ref":
        os.mkfifo(git_dir / "refs/exps/nb-a/01JD0000000000000000000005")
    elif plant == "fifo in objects":
        os.mkfifo(git_dir / "objects" / "zz")
    elif plant == "fifo packed-refs":
        os.mkfifo(git_dir / "packed-refs")
    elif plant in ("symlinked loose object", "fifo loose object"):
        # The foreign commit's objects, one file each inside our fan-out folders.
        for oid in git(elsewhere, "rev-list", "--objects", foreign).split():
            if len(oid) != 40:
                continue
            (git_dir / "objects" / oid[:2]).mkdir(exist_ok=True)
            target = git_dir / "objects" / oid[:2] / oid[2:]
            if plant == "fifo loose object":
                if not target.exists():
                    os.mkfifo(target)
            else:
                os.symlink(elsewhere / "objects" / oid[:2] / oid[2:], target)
    elif plant == "symlinked pack":
        git(elsewhere, "repack", "-a", "-d", "-q")
        for pack in (elsewhere / "objects" / "pack").iterdir():
            os.symlink(pack, git_dir / "objects" / "pack" / pack.name)
    elif plant == "fifo HEAD":
        (git_dir / "HEAD").unlink()
        os.mkfifo(git_dir / "HEAD")
    refused = ("E_UNSAFE_REPOSITORY", "E_PATH_OUTSIDE_ROOT")
    status, answer = await api("store/refs", {})
    assert status == 403 and answer["code"] in refused, answer
    status, answer = await api("store/manifests", {"commits": [foreign]})
    assert status == 403 and answer["code"] in refused, answer
    assert not Path("/tmp/pwned").exists()


async def test_a_symlinked_repository_is_refused_before_anything_is_written(
    api: Api, store: Path, jp_root_dir: Path
) -> None:
    store.mkdir()
    (store / "experiments.git").symlink_to(".")
    before = snapshot(jp_root_dir)
    for route, body in (("store/refs", {}), ("store/manifests", {"commits": ["a" * 40]})):
        status, answer = await api(route, body)
        assert (status, answer["code"]) == (403, "E_UNSAFE_REPOSITORY"), answer
    assert snapshot(jp_root_dir) == before
    assert not (store / "HEAD").exists()


async def test_names_with_other_line_separators_invent_no_broken_ref(api: Api, store: Path) -> None:
    git_dir, commits = await three(api, store)
    odd = git_dir / "refs/exps/nb-a" / "x\u2028warning: ignoring broken ref refs/exps/nb-z"
    odd.mkdir(parents=True)
    (odd / "01JD00000000000000000000ZZ").write_text("0" * 40 + "\n")
    blob = git(git_dir, "hash-object", "-w", "--stdin", stdin="x").strip()
    git(git_dir, "update-ref", "refs/exps/nb-a/01JD0000000000000000000006", blob)
    status, answer = await api("store/refs", {})
    assert status == 200, answer
    # The blob's ref is listed (its manifest is then not found); nothing invented.
    blob_ref = "refs/exps/nb-a/01JD0000000000000000000006"
    assert sorted(map(tuple, answer["refs"])) == sorted([*commits.items(), (blob_ref, blob)])
    assert answer["broken"] == []
    status, answer = await api("store/manifests", {"commits": [blob]})
    assert answer["manifests"][0]["error"]["code"] == "E_NOT_FOUND"


async def test_git_complaints_carry_no_server_path(api: Api, store: Path) -> None:
    git_dir, _ = await three(api, store)
    (git_dir / "packed-refs").write_text("zzz not a packed-refs line\n")
    status, answer = await api("store/refs", {})
    assert (status, answer["code"]) == (500, "E_IO"), answer
    assert str(git_dir) not in answer["message"] and "<store>" in answer["message"]


async def test_too_many_refs_is_a_coded_error(
    api: Api, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await three(api, store)
    monkeypatch.setattr(store_index, "MAX_REFS", 2)
    status, answer = await api("store/refs", {})
    assert (status, answer["code"]) == (413, "E_ANSWER_TOO_LARGE")


async def test_a_commit_that_inflates_past_gits_memory_limit_is_corrupt_not_fatal(
    api: Api, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_dir, commits = await three(api, store)
    # 200 MB of commit from 200 KB on disk, against a 64 MiB limit.
    size = 200 * 1024 * 1024
    body = b"tree " + b"0" * 40 + b"\n" + b" " * (size - 46)
    raw = b"commit %d\0" % size + body
    oid = hashlib.sha1(raw, usedforsecurity=False).hexdigest()
    (git_dir / "objects" / oid[:2]).mkdir(exist_ok=True)
    (git_dir / "objects" / oid[:2] / oid[2:]).write_bytes(zlib.compress(raw, 1))
    monkeypatch.setattr(store_index, "GIT_MEMORY_BYTES", 64 * 1024 * 1024)
    status, answer = await api("store/manifests", {"commits": [oid, commits[A1]]})
    assert status == 200, answer
    assert answer["manifests"][0]["error"]["code"] == "E_STORE_CORRUPT"
    assert answer["manifests"][1]["text"] == manifest_text(git_dir, commits[A1])


async def test_a_listing_named_by_its_token_is_not_sent_again_until_a_ref_changes(
    api: Api, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git_dir, commits = await three(api, store)
    monkeypatch.setattr(store_index, "SETTLE_NS", 0)
    for slug in ("", "nb-a"):
        status, first = await api("store/refs", {"slug": slug})
        assert status == 200 and len(first["token"]) == 32
        status, again = await api("store/refs", {"slug": slug, "since": first["token"]})
        assert again == {"refs": [], "broken": [], "token": first["token"], "unchanged": True}
        # A token of something else: the whole listing.
        status, other = await api("store/refs", {"slug": slug, "since": "0" * 32})
        assert other["refs"] == first["refs"] and "unchanged" not in other
    status, all_refs = await api("store/refs", {})
    status, nb_b = await api("store/refs", {"slug": "nb-b"})
    # A new experiment in nb-a: the listing of all and of nb-a change, nb-b's not.
    time.sleep(0.01)
    new = experiment(git_dir, "refs/exps/nb-a/01JD0000000000000000000004", {"n": 4})
    status, answer = await api("store/refs", {"since": all_refs["token"]})
    assert (
        "unchanged" not in answer
        and ["refs/exps/nb-a/01JD0000000000000000000004", new] in (answer["refs"])
    )
    status, answer = await api("store/refs", {"slug": "nb-b", "since": nb_b["token"]})
    assert answer.get("unchanged") is True
    # An edit (a ref moved to a new commit) and a gc that packs the refs.
    status, before = await api("store/refs", {"slug": "nb-b"})
    time.sleep(0.01)
    experiment(git_dir, B1, {"edited": True}, parent=commits[B1])
    status, answer = await api("store/refs", {"slug": "nb-b", "since": before["token"]})
    assert "unchanged" not in answer and answer["refs"][0][1] != commits[B1]
    time.sleep(0.01)
    git(git_dir, "pack-refs", "--all")
    status, answer = await api("store/refs", {"slug": "nb-b", "since": answer["token"]})
    assert "unchanged" not in answer and len(answer["refs"]) == 1


async def test_refs_changed_a_moment_ago_get_no_token(api: Api, store: Path) -> None:
    await three(api, store)
    status, answer = await api("store/refs", {})
    assert status == 200 and answer["token"] == ""
    status, again = await api("store/refs", {"since": ""})
    assert "unchanged" not in again and len(again["refs"]) == 3
