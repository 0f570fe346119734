"""POST /mlops/project/git on a repository whose config names commands to run.

Each planted command leaves a trace in a sentinel file; none may run, and
the route still answers the repository's true state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..git_safe import named_overrides
from .conftest import Api
from .test_project_git import Planted, git, make_repo, touch


@pytest.fixture
def repo(jp_root_dir: Path) -> Path:
    return make_repo(jp_root_dir / "project")


@pytest.fixture
def planted(tmp_path: Path) -> Planted:
    return Planted(tmp_path / "planted")


def clean(repo: Path) -> dict[str, Any]:
    return {"commit": git(repo, "rev-parse", "HEAD"), "branch": "main", "dirty": False}


def commit_attributes(repo: Path, text: str) -> None:
    (repo / ".gitattributes").write_text(text)
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-qm", "attributes")


async def test_core_fsmonitor_is_not_run(api: Api, repo: Path, planted: Planted) -> None:
    git(repo, "config", "core.fsmonitor", planted.command)
    touch(repo / "notebooks" / "a.py")
    assert await api("project/git", {"path": "project"}) == (200, clean(repo))
    assert planted.fired() == ""


async def test_hooks_are_not_run(api: Api, repo: Path, planted: Planted) -> None:
    hooks = repo / "hooks"
    hooks.mkdir()
    for folder in (hooks, repo / ".git" / "hooks"):
        for name in ("post-index-change", "reference-transaction", "post-checkout"):
            (folder / name).symlink_to(planted.command)
    git(repo, "config", "core.hooksPath", str(hooks))
    touch(repo / "notebooks" / "a.py")
    assert await api("project/git", {"path": "project"}) == (200, clean(repo))
    assert planted.fired() == ""


async def test_pagers_are_not_run(api: Api, repo: Path, planted: Planted) -> None:
    git(repo, "config", "core.pager", planted.command)
    for command in ("status", "config", "rev-parse", "symbolic-ref"):
        git(repo, "config", f"pager.{command}", planted.command)
    assert await api("project/git", {"path": "project"}) == (200, clean(repo))
    assert planted.fired() == ""


@pytest.mark.parametrize("driver", ["x", "x=y", "dotted.name", "UPPER"])
async def test_clean_and_smudge_filters_are_not_run(
    api: Api, repo: Path, planted: Planted, driver: str
) -> None:
    commit_attributes(repo, f"*.py filter={driver}\n")
    for variable in ("clean", "smudge"):
        git(repo, "config", f"filter.{driver}.{variable}", planted.filter)
    git(repo, "config", f"filter.{driver}.required", "true")
    touch(repo / "notebooks" / "a.py")
    assert await api("project/git", {"path": "project"}) == (200, clean(repo))
    assert planted.fired() == ""


async def test_process_filters_are_not_run(api: Api, repo: Path, planted: Planted) -> None:
    commit_attributes(repo, "*.py filter=lfs\n")
    git(repo, "config", "filter.lfs.process", planted.command)
    git(repo, "config", "filter.lfs.required", "true")
    touch(repo / "notebooks" / "a.py")
    assert await api("project/git", {"path": "project"}) == (200, clean(repo))
    assert planted.fired() == ""


async def test_diff_drivers_are_not_run(api: Api, repo: Path, planted: Planted) -> None:
    commit_attributes(repo, "*.py diff=x merge=x\n")
    git(repo, "config", "diff.external", planted.command)
    git(repo, "config", "diff.x.textconv", planted.command)
    git(repo, "config", "diff.x.command", planted.command)
    git(repo, "config", "merge.x.driver", planted.command)
    (repo / "notebooks" / "a.py").write_text("x = 2\n")
    status, body = await api("project/git", {"path": "project"})
    assert (status, body) == (200, {**clean(repo), "dirty": True})
    assert planted.fired() == ""


async def test_a_submodule_is_not_entered(api: Api, repo: Path, planted: Planted) -> None:
    sub = make_repo(repo / "sub")
    commit_attributes(sub, "*.py filter=sub\n")
    git(sub, "config", "filter.sub.clean", planted.filter)
    git(sub, "config", "core.fsmonitor", planted.command)
    git(repo, "add", "sub")
    git(repo, "commit", "-qm", "submodule")
    git(repo, "config", "status.submoduleSummary", "true")
    touch(sub / "notebooks" / "a.py")
    assert await api("project/git", {"path": "project"}) == (200, clean(repo))
    assert planted.fired() == ""


def _include(repo: Path, text: str) -> None:
    (repo / "shared.gitconfig").write_text(text)
    git(repo, "config", "include.path", "../shared.gitconfig")


def _include_if_gitdir(repo: Path, text: str) -> None:
    (repo / "shared.gitconfig").write_text(text)
    git(repo, "config", f"includeIf.gitdir:{repo}/.git.path", str(repo / "shared.gitconfig"))


def _include_if_onbranch(repo: Path, text: str) -> None:
    (repo / "shared.gitconfig").write_text(text)
    git(repo, "config", "includeIf.onbranch:main.path", str(repo / "shared.gitconfig"))


def _worktree_config(repo: Path, text: str) -> None:
    git(repo, "config", "core.repositoryFormatVersion", "1")
    git(repo, "config", "extensions.worktreeConfig", "true")
    (repo / ".git" / "config.worktree").write_text(text)


@pytest.mark.parametrize(
    "pull_in", [_include, _include_if_gitdir, _include_if_onbranch, _worktree_config]
)
async def test_config_pulled_in_from_elsewhere_is_neutralised(
    api: Api, repo: Path, planted: Planted, pull_in: Any
) -> None:
    commit_attributes(repo, "*.py filter=pulled\n")
    pull_in(
        repo,
        f'[core]\n\tfsmonitor = "{planted.command}"\n'
        f'[filter "pulled"]\n\tclean = "{planted.filter}"\n\trequired = true\n',
    )
    touch(repo / "notebooks" / "a.py")
    assert await api("project/git", {"path": "project"}) == (200, clean(repo))
    assert planted.fired() == ""


async def test_aliases_cannot_replace_the_commands(api: Api, repo: Path, planted: Planted) -> None:
    for command in ("status", "config", "rev-parse", "symbolic-ref"):
        git(repo, "config", f"alias.{command}", f"!{planted.command}")
    assert await api("project/git", {"path": "project"}) == (200, clean(repo))
    assert planted.fired() == ""


def _ext_url(repo: Path, planted: Planted) -> None:
    git(repo, "config", "remote.origin.url", f"ext::{planted.command} %S")
    git(repo, "config", "protocol.ext.allow", "always")


def _local_upload_pack(repo: Path, planted: Planted) -> None:
    git(repo, "config", "remote.origin.url", str(repo))
    git(repo, "config", "remote.origin.uploadpack", planted.command)
    git(repo, "config", "protocol.file.allow", "always")


@pytest.mark.parametrize("remote", [_ext_url, _local_upload_pack])
async def test_a_partial_clone_does_not_fetch_missing_objects(
    api: Api, repo: Path, planted: Planted, remote: Any
) -> None:
    git(repo, "config", "core.repositoryFormatVersion", "1")
    git(repo, "config", "extensions.partialClone", "origin")
    git(repo, "config", "remote.origin.promisor", "true")
    remote(repo, planted)
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    (repo / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    status, body = await api("project/git", {"path": "project"})
    assert (status, body["code"]) == (500, "E_IO")
    assert planted.fired() == ""


def test_named_overrides_cover_every_driver_name() -> None:
    listing = "\0".join(
        [
            "core.fsmonitor\nfalse",
            "filter.x=y.clean\ncmd",
            "filter.a.b.process\ncmd",
            "filter.bare.clean",
            "diff.UPPER.textconv\ncmd",
            "credential.https://h.example.helper\ncmd",
            "protocol.ext.allow\nalways",
            "user.name\nx",
            "",
        ]
    )
    found = dict(named_overrides(listing))
    for name in ("x=y", "a.b", "bare"):
        assert found[f"filter.{name}.clean"] == found[f"filter.{name}.process"] == ""
        assert found[f"filter.{name}.smudge"] == ""
        assert found[f"filter.{name}.required"] == "false"
    assert found["diff.UPPER.textconv"] == found["diff.UPPER.command"] == ""
    assert found["credential.https://h.example.helper"] == ""
    assert found["protocol.ext.allow"] == "never"
    assert not any(key.startswith(("core.", "user.")) for key in found)
