"""POST /mlops/project/git: the project's HEAD, branch and dirty state."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .. import git_safe
from .conftest import Api
from .test_auth import NO_AUTH

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(folder), *args], check=True, capture_output=True, text=True, env=ENV
    ).stdout.strip()


def make_repo(folder: Path) -> Path:
    """A repository at `folder` on branch main, with notebooks/a.py committed."""
    (folder / "notebooks").mkdir(parents=True, exist_ok=True)
    git(folder, "init", "-q", "-b", "main")
    (folder / "notebooks" / "a.py").write_text("x = 1\n")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "first")
    return folder


def touch(path: Path) -> None:
    """Change the mtime only: git must hash the file again to know it is clean."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**10))


class Planted:
    """Commands a hostile repository names; each one leaves a trace in `sentinel`."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.sentinel = folder / "sentinel"
        #: Appends its arguments to the sentinel.
        self.command = self._script(folder / "evil", "")
        #: The same, then copies stdin to stdout (a working clean filter).
        self.filter = self._script(folder / "evil-filter", "exec cat\n")

    def _script(self, path: Path, tail: str) -> str:
        path.write_text(f'#!/bin/sh\necho "$0 $*" >> "{self.sentinel}"\n{tail}')
        path.chmod(0o755)
        return str(path)

    def fired(self) -> str:
        """What ran, one line per command ("" when nothing did)."""
        return self.sentinel.read_text() if self.sentinel.exists() else ""


@pytest.fixture
def repo(jp_root_dir: Path) -> Path:
    return make_repo(jp_root_dir / "project")


async def test_reports_head_branch_and_clean_state(api: Api, repo: Path) -> None:
    status, body = await api("project/git", {"path": "project/notebooks"})
    assert status == 200
    assert body == {"commit": git(repo, "rev-parse", "HEAD"), "branch": "main", "dirty": False}


async def test_reports_a_dirty_tree_and_leaves_the_index_alone(api: Api, repo: Path) -> None:
    (repo / "notebooks" / "a.py").write_text("x = 2\n")
    index = (repo / ".git" / "index").stat().st_mtime_ns
    status, body = await api("project/git", {"path": "project"})
    assert status == 200
    assert body["dirty"] is True
    assert (repo / ".git" / "index").stat().st_mtime_ns == index


async def test_a_detached_head_has_no_branch(api: Api, repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")
    status, body = await api("project/git", {"path": "project"})
    assert status == 200
    assert body["branch"] is None and body["commit"] == git(repo, "rev-parse", "HEAD")


async def test_no_repository_or_no_commit_answers_nulls(api: Api, jp_root_dir: Path) -> None:
    (jp_root_dir / "plain").mkdir()
    (jp_root_dir / "empty").mkdir()
    git(jp_root_dir / "empty", "init", "-q")
    for path in ("plain", "empty", "missing-folder"):
        status, body = await api("project/git", {"path": path})
        assert (status, body) == (200, {"commit": None, "branch": None, "dirty": None}), path


async def test_a_git_too_old_to_run_safely_counts_as_missing(
    api: Api, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(git_safe, "MIN_VERSION", (99, 0))
    status, body = await api("project/git", {"path": "project"})
    assert (status, body) == (200, {"commit": None, "branch": None, "dirty": None})


@pytest.mark.parametrize(
    ("printed", "enough"),
    [
        ("git version 2.39.5\n", True),
        ("git version 2.31.0", True),
        ("git version 3.0.0", True),
        ("git version 2.43.0.windows.1", True),
        ("git version 2.39.3 (Apple Git-145)", True),
        ("git version 2.30.2", False),
        ("git version 1.99.9", False),
        ("", False),
        ("git version weird", False),
    ],
)
def test_new_enough_reads_the_version(printed: str, enough: bool) -> None:
    assert git_safe.new_enough(printed) is enough


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"path": "../x"}, "E_PATH_INVALID"),
        ({"path": "/etc"}, "E_PATH_INVALID"),
        ({"path": "a\x00b"}, "E_PATH_INVALID"),
        ({"path": 3}, "E_BAD_REQUEST"),
        ({}, "E_BAD_REQUEST"),
        ({"path": "", "extra": 1}, "E_BAD_REQUEST"),
        ({"path": "link-out"}, "E_PATH_OUTSIDE_ROOT"),
    ],
    ids=["dotdot", "absolute", "nul", "not-a-string", "missing", "unknown-field", "symlink-out"],
)
async def test_hostile_input_is_refused(
    api: Api, jp_root_dir: Path, outside: Path, body: dict[str, Any], code: str
) -> None:
    (jp_root_dir / "link-out").symlink_to(outside, target_is_directory=True)
    status, answer = await api("project/git", body)
    assert 400 <= status < 500
    assert answer["code"] == code


@pytest.mark.parametrize("headers", NO_AUTH)
async def test_needs_authentication(
    jp_fetch: Callable[..., Any], repo: Path, headers: dict[str, str]
) -> None:
    response = await jp_fetch(
        "mlops",
        "project",
        "git",
        method="POST",
        body=json.dumps({"path": "project"}),
        headers=dict(headers),
        raise_error=False,
    )
    assert response.code in (401, 403)
    assert b"commit" not in response.body
