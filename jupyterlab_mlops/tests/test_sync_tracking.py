"""Sync's tracking refs written into `packed-refs` (sync_tracking), read back by real git."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ..errors import MlopsError
from ..store_git import StoreGit
from ..store_sync import _sync, remote_key
from ..sync_tracking import MAX_PACKED_BYTES, write_tracking
from .git_remote_support import experiment, git, refs

PREFIX = "refs/sync/0123456789abcdef/exps/"
NAME = "nb/01JD{:022d}"


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, StoreGit, list[str]]:
    git_dir = tmp_path / "experiments.git"
    git(tmp_path, "init", "-q", "--bare", str(git_dir))
    commits = [experiment(git_dir, f"refs/exps/{NAME.format(n)}", {"id": n}) for n in range(1, 6)]
    return git_dir, StoreGit(git_dir, tmp_path, 60), commits


def tracked(git_dir: Path) -> dict[str, str]:
    return {ref[len(PREFIX) :]: oid for ref, oid in refs(git_dir, PREFIX).items()}


def loose(git_dir: Path) -> list[str]:
    top = git_dir / "refs" / "sync"
    return sorted(str(p.relative_to(git_dir)) for p in top.rglob("*") if p.is_file())


def test_refs_written_in_packed_refs_and_read_by_git(repo) -> None:  # noqa: ANN001
    git_dir, store, commits = repo
    updates = {NAME.format(n): commits[n - 1] for n in (3, 1, 2)}
    write_tracking(store, PREFIX, updates)
    assert tracked(git_dir) == updates
    assert loose(git_dir) == []
    text = (git_dir / "packed-refs").read_text()
    assert text.startswith("# pack-refs with: peeled fully-peeled sorted \n")
    names = [line.split(" ", 1)[1] for line in text.splitlines()[1:]]
    assert names == sorted(names)
    assert not (git_dir / "packed-refs.lock").exists()
    git(git_dir, "fsck", "--no-progress", "--strict")
    # Deleting one and moving another; the experiment refs are untouched.
    before = refs(git_dir)
    write_tracking(store, PREFIX, {NAME.format(1): None, NAME.format(2): commits[4]})
    assert tracked(git_dir) == {NAME.format(2): commits[4], NAME.format(3): commits[2]}
    assert refs(git_dir) == before


def test_a_stale_loose_copy_is_removed(repo) -> None:  # noqa: ANN001
    """A loose ref wins over a packed one: the old loose copy (from a fetch) must go."""
    git_dir, store, commits = repo
    name = NAME.format(1)
    git(git_dir, "update-ref", f"{PREFIX}{name}", commits[0])
    git(git_dir, "update-ref", f"{PREFIX}{NAME.format(2)}", commits[1])
    write_tracking(store, PREFIX, {name: commits[3]})
    assert tracked(git_dir) == {name: commits[3], NAME.format(2): commits[1]}
    assert loose(git_dir) == [f"{PREFIX}{NAME.format(2)}"]
    write_tracking(store, PREFIX, {NAME.format(2): None})
    assert tracked(git_dir) == {name: commits[3]}
    assert loose(git_dir) == []


def test_other_packed_refs_and_their_peeled_lines_are_kept(repo) -> None:  # noqa: ANN001
    git_dir, store, commits = repo
    git(git_dir, "tag", "-a", "-m", "annotated", "v1", commits[0])
    git(git_dir, "pack-refs", "--all")
    before = git(git_dir, "show-ref", "-d")
    write_tracking(store, PREFIX, {NAME.format(4): commits[3]})
    after = git(git_dir, "show-ref", "-d")
    assert set(before.splitlines()) < set(after.splitlines())
    lines = (git_dir / "packed-refs").read_text().splitlines()
    tag = next(i for i, line in enumerate(lines) if line.endswith(" refs/tags/v1"))
    assert lines[tag + 1] == f"^{commits[0]}"  # its peeled line, still after it
    assert git(git_dir, "rev-parse", "v1^{commit}").strip() == commits[0]
    git(git_dir, "fsck", "--no-progress", "--strict")


def test_a_file_without_header_keeps_no_peeled_claim(repo) -> None:  # noqa: ANN001
    """A packed-refs another tool wrote without a header: git is not told all is peeled."""
    git_dir, store, commits = repo
    (git_dir / "packed-refs").write_text(f"{commits[0]} refs/heads/other\n")
    write_tracking(store, PREFIX, {NAME.format(2): commits[1]})
    text = (git_dir / "packed-refs").read_text()
    assert text.splitlines()[0] == "# pack-refs with: sorted "
    assert refs(git_dir, "refs/heads/") == {"refs/heads/other": commits[0]}
    assert tracked(git_dir) == {NAME.format(2): commits[1]}


@pytest.mark.parametrize(
    "content",
    [
        b"# some other comment\n",
        b"not a ref line\n",
        b"0123 refs/short-oid\n",
        b"^" + b"a" * 40 + b"\n",  # a peeled line with no ref before it
        b"\0\xff\xfe" * 100,
    ],
)
def test_a_packed_refs_it_cannot_read_is_left_to_git(repo, content: bytes) -> None:  # noqa: ANN001
    """Not rewritten; git cannot read it either: a coded error, nothing written."""
    git_dir, store, commits = repo
    (git_dir / "packed-refs").write_bytes(content)
    with pytest.raises(MlopsError) as raised:
        write_tracking(store, PREFIX, {NAME.format(1): commits[0]})
    assert raised.value.code == "E_IO"
    assert (git_dir / "packed-refs").read_bytes() == content
    assert loose(git_dir) == []
    assert not (git_dir / "packed-refs.lock").exists()


def test_a_huge_packed_refs_is_left_to_git(repo) -> None:  # noqa: ANN001
    git_dir, store, commits = repo
    path = git_dir / "packed-refs"
    count = MAX_PACKED_BYTES // 60 + 1
    lines = (f"{commits[0]} refs/heads/h{n:08d}\n" for n in range(count))
    path.write_bytes(b"# pack-refs with: peeled fully-peeled sorted \n" + "".join(lines).encode())
    size = path.stat().st_size
    assert size > MAX_PACKED_BYTES
    write_tracking(store, PREFIX, {NAME.format(1): commits[0]})
    assert path.stat().st_size == size
    assert loose(git_dir) == [f"{PREFIX}{NAME.format(1)}"]


def test_a_held_lock_falls_back_to_loose_refs(repo) -> None:  # noqa: ANN001
    """Someone else rewriting packed-refs (git gc): its lock is respected."""
    git_dir, store, commits = repo
    lock = git_dir / "packed-refs.lock"
    lock.write_bytes(b"theirs")
    write_tracking(store, PREFIX, {NAME.format(1): commits[0]})
    assert lock.read_bytes() == b"theirs"  # not taken, not removed
    assert not (git_dir / "packed-refs").exists()
    assert tracked(git_dir) == {NAME.format(1): commits[0]}


def test_a_linked_packed_refs_is_not_followed(repo, tmp_path: Path) -> None:  # noqa: ANN001
    git_dir, store, commits = repo
    target = tmp_path / "elsewhere"
    target.write_bytes(b"")
    os.symlink(target, git_dir / "packed-refs")
    write_tracking(store, PREFIX, {NAME.format(1): commits[0]})
    assert target.read_bytes() == b""
    assert (git_dir / "packed-refs").is_symlink()


def test_only_tracking_folders_are_written(repo) -> None:  # noqa: ANN001
    _, store, commits = repo
    for prefix in ("refs/exps/", "refs/sync/x/exps", "refs/heads/", ""):
        with pytest.raises(ValueError):
            write_tracking(store, prefix, {"a": commits[0]})


def test_a_carriage_return_is_left_to_git(repo) -> None:  # noqa: ANN001
    """git splits packed-refs at newlines only: a line Python would split at
    a lone CR is one broken line to git, and must not become two refs."""
    git_dir, store, commits = repo
    content = f"{commits[0]} refs/heads/junk\r{commits[1]} refs/exps/nb/hidden\n".encode()
    (git_dir / "packed-refs").write_bytes(content)
    write_tracking(store, PREFIX, {NAME.format(1): commits[0]})
    assert (git_dir / "packed-refs").read_bytes() == content
    assert "refs/exps/nb/hidden" not in refs(git_dir)
    assert tracked(git_dir) == {NAME.format(1): commits[0]}  # through git


def test_an_experiment_created_during_the_push_is_recorded(repo, tmp_path: Path) -> None:  # noqa: ANN001
    """One the lab writes between the listing and the push is pushed with the
    rest: it is recorded as on the remote (deleting it later is not undone)."""
    git_dir, _, commits = repo
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    late = f"refs/exps/{NAME.format(9)}"

    class LabWritesDuringPush(StoreGit):
        def run(self, *args: str, stdin: str | None = None):  # noqa: ANN202
            if args and args[0] == "push":
                git(git_dir, "update-ref", late, commits[4])
            return super().run(*args, stdin=stdin)

    answer = _sync(LabWritesDuringPush(git_dir, tmp_path, 60), remote.as_uri())
    assert answer["pushed"] == 6
    prefix = f"refs/sync/{remote_key(remote.as_uri())}/"
    assert refs(git_dir, prefix)[f"{prefix}{late[len('refs/') :]}"] == commits[4]


def test_an_empty_listing_does_not_forget_the_remote(repo, tmp_path: Path) -> None:  # noqa: ANN001
    """A remote that answers no refs at all (an empty dumb-HTTP listing, or one
    emptied and filled again): an experiment deleted here stays deleted."""
    git_dir, store, commits = repo
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    assert _sync(store, remote.as_uri())["pushed"] == 5
    gone = f"refs/exps/{NAME.format(1)}"
    git(git_dir, "update-ref", "-d", gone)  # deleted here
    shutil.rmtree(remote)
    git(tmp_path, "init", "-q", "--bare", str(remote))  # answers nothing
    git(git_dir, "update-ref", "-d", f"refs/exps/{NAME.format(2)}")  # not pushed again
    answer = _sync(store, remote.as_uri())
    assert answer["keptDeleted"] == 0 and answer["pushed"] == 3
    # The remote has it again (another member pushed it back).
    git(git_dir, "push", "-q", remote.as_uri(), f"{commits[0]}:{gone}")
    answer = _sync(store, remote.as_uri())
    assert answer["keptDeleted"] == 1 and answer["fetched"] == 0
    assert gone not in refs(git_dir)
