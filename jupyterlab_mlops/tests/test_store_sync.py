"""Sync of the experiment store: two lab users, two real `jupyter server`s, two stores,
sharing through real remotes (a bare repository over file://, and smart HTTP from
`git http-backend` behind basic auth on 127.0.0.1)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .git_remote_support import (
    GitHttpServer,
    bare,
    experiment,
    git,
    home_with_credentials,
    refs,
    serving,
)
from .server_support import Server

PASSWORDS = {"alice": "alice-secret-1", "bob": "bob-secret-2"}
ID = "01JD{:022d}"


def exp_ref(slug: str, n: int) -> str:
    return f"refs/exps/{slug}/{ID.format(n)}"


class User:
    """One lab user: a server on its own root and HOME, and its store's git dir."""

    def __init__(self, name: str, tmp: Path, http: GitHttpServer, shared: Path) -> None:
        self.name = name
        self.root = tmp / name / "root"
        self.root.mkdir(parents=True)
        self.home = home = home_with_credentials(
            tmp / name / "home", http.url, name, PASSWORDS[name]
        )
        self.server = Server(
            self.root,
            tmp / name / "jupyter",
            mlops={"experiments_remote": shared.as_uri()},
            env={"HOME": str(home)},
        )
        assert self.server.call("POST", "store/init", {})[0] == 200
        self.git_dir = self.root / ".mlops" / "experiments.git"

    def sync(self, remote: str = "") -> tuple[int, Any]:
        return self.server.call("POST", "store/sync", {"remote": remote} if remote else {})

    def synced(self, remote: str = "") -> dict[str, Any]:
        status, answer = self.sync(remote)
        assert status == 200, answer
        return answer


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("team")
    remotes = tmp / "remotes"
    remotes.mkdir()
    shared = bare(remotes / "shared.git")
    with serving(remotes, dict(PASSWORDS), read_only=set()) as http:
        users = [User(name, tmp, http, shared) for name in ("alice", "bob")]
        try:
            yield {"alice": users[0], "bob": users[1], "http": http, "remotes": remotes}
        finally:
            for user in users:
                user.server.stop()
    for user in users:
        answers = b"".join(user.server.answers)
        for password in PASSWORDS.values():
            assert password.encode() not in answers


@pytest.fixture
def clean(team: dict[str, Any]) -> dict[str, Any]:
    """The team with empty stores (the servers are shared by the module's tests)."""
    for user in (team["alice"], team["bob"]):
        for ref in refs(user.git_dir, "refs/"):
            git(user.git_dir, "update-ref", "-d", ref)
    return team


def counts(answer: dict[str, Any]) -> tuple[int, int]:
    return answer["pushed"], answer["fetched"]


@pytest.mark.timeout(180)
def test_two_users_see_each_others_experiments_through_a_file_remote(
    clean: dict[str, Any],
) -> None:
    team = clean
    alice, bob = team["alice"], team["bob"]
    mine = [
        experiment(alice.git_dir, exp_ref("file-nb", n), {"by": "alice", "n": n}) for n in (1, 2)
    ]
    theirs = experiment(bob.git_dir, exp_ref("file-nb", 3), {"by": "bob"})
    first = alice.synced()
    assert counts(first) == (2, 0) and first["remote"].startswith("file://")
    assert counts(bob.synced()) == (1, 2)
    again = alice.synced()
    assert counts(again) == (0, 1) and again["upToDate"] == 3
    expected = {exp_ref("file-nb", 1): mine[0], exp_ref("file-nb", 2): mine[1]}
    expected[exp_ref("file-nb", 3)] = theirs
    for user in (alice, bob):
        assert {k: v for k, v in refs(user.git_dir).items() if "/file-nb/" in k} == expected
    # The manifests arrive byte for byte.
    assert git(alice.git_dir, "show", f"{theirs}:manifest.json") == '{"by": "bob"}'
    # Nothing new: nothing moves.
    assert counts(bob.synced()) == (0, 0)


@pytest.mark.timeout(180)
def test_two_users_share_over_smart_http_with_basic_auth(clean: dict[str, Any]) -> None:
    team = clean
    alice, bob, http = team["alice"], team["bob"], team["http"]
    bare(team["remotes"] / "http.git")
    url = f"{http.url}/http.git"
    a = experiment(alice.git_dir, exp_ref("http-nb", 1), {"by": "alice"})
    b = experiment(bob.git_dir, exp_ref("http-nb", 2), {"by": "bob"})
    assert counts(alice.synced(url)) == (1, 0)
    assert counts(bob.synced(url)) == (1, 1)
    assert counts(alice.synced(url)) == (0, 1)
    for user in (alice, bob):
        assert {k: v for k, v in refs(user.git_dir).items() if "/http-nb/" in k} == {
            exp_ref("http-nb", 1): a,
            exp_ref("http-nb", 2): b,
        }
    assert refs(team["remotes"] / "http.git") == {
        exp_ref("http-nb", 1): a,
        exp_ref("http-nb", 2): b,
    }
    # Both users pushed through the web server, which asked each for a password.
    pushes = [line for line in http.requests if "git-receive-pack" in line and "POST" in line]
    assert len(pushes) == 2


@pytest.mark.timeout(180)
def test_edits_fast_forward_and_an_edit_on_both_sides_keeps_both(clean: dict[str, Any]) -> None:
    team = clean
    alice, bob = team["alice"], team["bob"]
    ref = exp_ref("edit-nb", 1)
    first = experiment(alice.git_dir, ref, {"name": "run"})
    alice.synced()
    bob.synced()
    edited = experiment(alice.git_dir, ref, {"name": "renamed"}, parent=first)
    assert counts(alice.synced()) == (1, 0)
    assert counts(bob.synced()) == (0, 1) and refs(bob.git_dir)[ref] == edited
    # Both edit the same experiment.
    ours = experiment(alice.git_dir, ref, {"name": "alice's"}, parent=edited)
    theirs = experiment(bob.git_dir, ref, {"name": "bob's"}, parent=edited)
    assert counts(alice.synced()) == (1, 0)
    answer = bob.synced()
    assert answer["conflicts"] == [ref]
    assert [item["ref"] for item in answer["rejected"]] == [ref]
    # Nothing lost: bob keeps his edit, the remote keeps alice's, bob holds both.
    assert refs(bob.git_dir)[ref] == theirs
    # The remote's state as last seen, alice's commit among it (which keeps it
    # reachable), all in packed-refs: no loose tracking ref left behind.
    assert ours in refs(bob.git_dir, "refs/sync/").values()
    assert not [p for p in (bob.git_dir / "refs").rglob("*") if "sync" in p.parts and p.is_file()]
    git(bob.git_dir, "fsck", "--no-progress", "--no-dangling")
    assert git(bob.git_dir, "cat-file", "-t", ours).strip() == "commit"
    assert refs(alice.git_dir)[ref] == ours


@pytest.mark.timeout(180)
def test_an_experiment_deleted_here_is_not_brought_back(clean: dict[str, Any]) -> None:
    team = clean
    alice = team["alice"]
    ref = exp_ref("delete-nb", 1)
    experiment(alice.git_dir, ref, {"x": 1})
    alice.synced()
    git(alice.git_dir, "update-ref", "-d", ref)
    answer = alice.synced()
    assert answer["keptDeleted"] >= 1 and ref not in refs(alice.git_dir)


@pytest.mark.timeout(180)
def test_credentials_refused_or_a_remote_down_is_a_coded_error_and_nothing_changes(
    clean: dict[str, Any],
) -> None:
    team = clean
    alice, http = team["alice"], team["http"]
    bare(team["remotes"] / "auth.git")
    url = f"{http.url}/auth.git"
    experiment(alice.git_dir, exp_ref("auth-nb", 1), {"x": 1})
    before = refs(alice.git_dir, "refs/")
    http.users["alice"] = "changed-on-the-server"
    try:
        status, answer = alice.sync(url)
    finally:
        http.users["alice"] = PASSWORDS["alice"]
        # git's `store` helper forgets a login the remote refused: give it back.
        home_with_credentials(alice.home, http.url, "alice", PASSWORDS["alice"])
    assert (status, answer["code"]) == (502, "E_REMOTE_AUTH"), answer
    assert refs(alice.git_dir, "refs/") == before
    assert refs(team["remotes"] / "auth.git") == {}
    # A port nobody listens on.
    with serving(team["remotes"], {}) as gone:
        closed = f"{gone.url}/auth.git"
    status, answer = alice.sync(closed)
    assert (status, answer["code"]) == (502, "E_REMOTE_UNREACHABLE"), answer
    # No repository there.
    status, answer = alice.sync(f"{http.url}/nothing.git")
    assert (status, answer["code"]) == (502, "E_REMOTE_UNREACHABLE"), answer
    assert refs(alice.git_dir, "refs/") == before


@pytest.mark.timeout(180)
def test_a_remote_that_rejects_the_push(clean: dict[str, Any]) -> None:
    team = clean
    alice, bob, http = team["alice"], team["bob"], team["http"]
    # A hook on the remote refuses every push (the remote's hooks are the remote's).
    hooked = bare(team["remotes"] / "hooked.git")
    hook = hooked / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n")
    hook.chmod(0o755)
    experiment(alice.git_dir, exp_ref("reject-nb", 1), {"x": 1})
    before = refs(alice.git_dir, "refs/exps/")
    status, answer = alice.sync(f"{http.url}/hooked.git")
    assert status == 200 and [r["ref"] for r in answer["rejected"]] == [exp_ref("reject-nb", 1)]
    assert refs(alice.git_dir, "refs/exps/") == before and refs(hooked) == {}
    # A user who may read but not write: fetches, then a coded error.
    bare(team["remotes"] / "readonly.git")
    experiment(alice.git_dir, exp_ref("readonly-nb", 1), {"x": 1})
    assert alice.synced(f"{http.url}/readonly.git")["pushed"] >= 1
    http.read_only.add("bob")
    try:
        status, answer = bob.sync(f"{http.url}/readonly.git")
    finally:
        http.read_only.discard("bob")
    assert status == 502 and answer["code"] == "E_REMOTE_AUTH", answer
    assert exp_ref("readonly-nb", 1) in refs(bob.git_dir)


@pytest.mark.timeout(180)
def test_the_stores_hooks_never_run_and_one_sync_at_a_time(clean: dict[str, Any]) -> None:
    team = clean
    alice = team["alice"]
    marker = alice.root.parent / "hook-ran"
    # Made before the hooks are planted: the test's own git would run them.
    experiment(alice.git_dir, exp_ref("hooks-nb", 1), {"x": 1})
    for name in ("pre-push", "reference-transaction", "post-update", "push-to-checkout"):
        hook = alice.git_dir / "hooks" / name
        hook.parent.mkdir(exist_ok=True)
        hook.write_text(f"#!/bin/sh\ntouch {marker}\n")
        hook.chmod(0o755)
    assert alice.synced()["pushed"] >= 1
    assert not marker.exists()
    for hook in (alice.git_dir / "hooks").iterdir():
        hook.unlink()
    lock = alice.root / ".mlops" / "locks" / "sync.flock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        status, answer = alice.sync()
    finally:
        os.close(fd)
    assert (status, answer["code"]) == (429, "E_BUSY")
