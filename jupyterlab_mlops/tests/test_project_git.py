"""POST /mlops/project/git: the project's HEAD, branch and dirty state."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture
def repo(jp_root_dir: Path) -> Path:
    folder = jp_root_dir / "project"
    (folder / "notebooks").mkdir(parents=True)
    git(folder, "init", "-q", "-b", "main")
    (folder / "notebooks" / "a.py").write_text("x = 1\n")
    git(folder, "add", "-A")
    git(folder, "commit", "-qm", "first")
    return folder


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
