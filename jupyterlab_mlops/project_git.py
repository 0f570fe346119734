"""`POST /mlops/project/git {path}`: the project's own git HEAD and dirty state.

A snapshot records which commit of the project's code it ran with. The
folder is confined to the Jupyter root like every path; git itself may find
the repository above it (a lab started in a subfolder of a repository).
Read-only: `GIT_OPTIONAL_LOCKS=0` keeps `git status` from writing the index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import tornado.web

from .body import Field
from .errors import MlopsError
from .handlers import MlopsHandler
from .hashing import root_area
from .paths import locate

TIMEOUT_S = 5


def project_git(folder: Path) -> dict[str, Any]:
    """HEAD commit, branch and dirty state of the repository holding `folder`.

    All three are None when git is missing, `folder` is not in a repository,
    or the repository has no commit yet.
    """
    nothing: dict[str, Any] = {"commit": None, "branch": None, "dirty": None}
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return nothing
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [git, "-C", str(folder), *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=env,
            check=False,
        )

    try:
        head = run("rev-parse", "--verify", "-q", "HEAD")
        if head.returncode != 0:
            return nothing
        branch = run("symbolic-ref", "-q", "--short", "HEAD")
        status = run("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.TimeoutExpired) as err:
        raise MlopsError("E_IO", f"git did not answer: {err}") from None
    if status.returncode != 0:
        raise MlopsError("E_IO", f"git status failed: {status.stderr.strip()[:200]}")
    return {
        "commit": head.stdout.strip(),
        "branch": branch.stdout.strip() or None,
        "dirty": status.stdout.strip() != "",
    }


class ProjectGitHandler(MlopsHandler):
    """`POST /mlops/project/git {path}` → `{commit, branch, dirty}`."""

    fields = {"path": Field("str", required=True)}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Answer the git state of the repository holding the folder `path`."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        area = root_area(self.settings["server_root_dir"])
        try:
            folder = locate(area, body["path"])
        except MlopsError as err:
            if err.code == "E_PATH_OUTSIDE_ROOT":
                raise MlopsError(err.code, "path resolves outside the Jupyter root") from None
            raise
        return project_git(folder)
