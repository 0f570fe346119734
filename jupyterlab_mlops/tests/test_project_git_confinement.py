"""POST /mlops/project/git only reads repositories held inside the Jupyter root."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .conftest import Api
from .test_project_git import Planted, git, make_repo, touch

NOTHING = {"commit": None, "branch": None, "dirty": None}


@pytest.fixture
def planted(tmp_path: Path) -> Planted:
    return Planted(tmp_path / "planted")


@pytest.fixture
def elsewhere(tmp_path: Path, planted: Planted) -> Path:
    """A repository outside the Jupyter root, with a planted fsmonitor."""
    folder = make_repo(tmp_path / "elsewhere")
    git(folder, "config", "core.fsmonitor", planted.command)
    return folder


def assert_unsafe(status: int, body: dict[str, str]) -> None:
    assert (status, body["code"]) == (403, "E_UNSAFE_REPOSITORY")
    assert body["message"]


async def test_a_repository_above_the_root_reads_as_none(
    api: Api, jp_root_dir: Path, tmp_path: Path, planted: Planted
) -> None:
    make_repo(tmp_path)
    git(tmp_path, "config", "core.fsmonitor", planted.command)
    (jp_root_dir / "plain").mkdir()
    touch(tmp_path / "notebooks" / "a.py")
    for path in ("", "plain"):
        assert await api("project/git", {"path": path}) == (200, NOTHING), path
    assert planted.fired() == ""


async def test_a_repository_at_the_root_is_read(api: Api, jp_root_dir: Path) -> None:
    make_repo(jp_root_dir)
    status, body = await api("project/git", {"path": "notebooks"})
    assert status == 200
    assert body == {
        "commit": git(jp_root_dir, "rev-parse", "HEAD"),
        "branch": "main",
        "dirty": False,
    }


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
async def test_another_users_repository_is_refused(
    api: Api, jp_root_dir: Path, planted: Planted
) -> None:
    folder = make_repo(jp_root_dir / "theirs")
    git(folder, "config", "core.fsmonitor", planted.command)
    for path in (folder, *folder.rglob("*")):
        os.lchown(path, 65534, 65534)
    status, body = await api("project/git", {"path": "theirs/notebooks"})
    assert_unsafe(status, body)
    assert "another user" in body["message"]
    assert planted.fired() == ""


async def test_a_git_file_pointing_outside_is_refused(
    api: Api, jp_root_dir: Path, elsewhere: Path, planted: Planted
) -> None:
    (jp_root_dir / "project").mkdir()
    (jp_root_dir / "project" / ".git").write_text(f"gitdir: {elsewhere / '.git'}\n")
    assert_unsafe(*await api("project/git", {"path": "project"}))
    assert planted.fired() == ""


async def test_a_git_dir_symlinked_outside_is_refused(
    api: Api, jp_root_dir: Path, elsewhere: Path, planted: Planted
) -> None:
    (jp_root_dir / "project").mkdir()
    (jp_root_dir / "project" / ".git").symlink_to(elsewhere / ".git", target_is_directory=True)
    assert_unsafe(*await api("project/git", {"path": "project"}))
    assert planted.fired() == ""


async def test_a_work_tree_outside_is_refused(
    api: Api, repo_in_root: Path, elsewhere: Path, planted: Planted
) -> None:
    git(repo_in_root, "config", "core.worktree", str(elsewhere))
    git(repo_in_root, "config", "core.fsmonitor", planted.command)
    assert_unsafe(*await api("project/git", {"path": "project"}))
    assert planted.fired() == ""


async def test_a_common_dir_outside_is_refused(
    api: Api, jp_root_dir: Path, elsewhere: Path, planted: Planted
) -> None:
    # A linked work tree whose own git dir is inside the root but whose
    # common dir (config, objects, refs) is the repository elsewhere.
    linked = jp_root_dir / "linked"
    git(elsewhere, "-c", "core.fsmonitor=false", "worktree", "add", "-q", str(linked))
    admin = jp_root_dir / "admin"
    shutil.move(elsewhere / ".git" / "worktrees" / "linked", admin)
    (admin / "commondir").write_text(f"{elsewhere / '.git'}\n")
    (linked / ".git").write_text(f"gitdir: {admin}\n")
    assert_unsafe(*await api("project/git", {"path": "linked"}))
    assert planted.fired() == ""


@pytest.fixture
def repo_in_root(jp_root_dir: Path) -> Path:
    return make_repo(jp_root_dir / "project")


@pytest.mark.parametrize(
    "variables",
    [
        {"GIT_DIR": "{elsewhere}/.git"},
        {"GIT_DIR": "{elsewhere}/.git", "GIT_WORK_TREE": "{elsewhere}"},
        {"GIT_CONFIG_PARAMETERS": "'core.fsmonitor'='{command}'"},
        {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "core.fsmonitor",
            "GIT_CONFIG_VALUE_0": "{command}",
        },
        {"GIT_INDEX_FILE": "{elsewhere}/.git/index", "GIT_OBJECT_DIRECTORY": "/nonexistent"},
    ],
    ids=["git-dir", "git-dir-and-work-tree", "config-parameters", "config-count", "index"],
)
async def test_the_servers_git_environment_does_not_leak(
    api: Api,
    repo_in_root: Path,
    elsewhere: Path,
    planted: Planted,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value.format(elsewhere=elsewhere, command=planted.command))
    touch(repo_in_root / "notebooks" / "a.py")
    status, body = await api("project/git", {"path": "project/notebooks"})
    expected = {"commit": git(repo_in_root, "rev-parse", "HEAD"), "branch": "main", "dirty": False}
    assert (status, body) == (200, expected)
    assert planted.fired() == ""
