"""`POST /mlops/project/git {path}`: the project's own git HEAD and dirty state.

A snapshot records which commit of the project's code it ran with. The
folder is confined to the Jupyter root like every path, and so is the
repository: git does not look above the root (`GIT_CEILING_DIRECTORIES` is
the root's parent, so a repository above it reads as "not a repository"),
and a repository whose git dir, common dir or work tree lies outside the
root, or that git's `safe.directory` rules refuse, is `E_UNSAFE_REPOSITORY`.

Anyone who can upload or unzip a folder under the root controls its
`.git/config` and `.gitattributes`, so git runs with an environment built
from scratch (nothing of the server's `GIT_*` leaks in) and with every
config key that could make it run a command overridden in the command-line
scope, which beats every config file. Read-only: `GIT_OPTIONAL_LOCKS=0`
keeps `git status` from writing the index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tornado.web

from .base_handler import MlopsHandler
from .body import Field
from .errors import MlopsError
from .git_safe import open_repository
from .hashing import root_area
from .paths import locate


def project_git(folder: Path, root: Path) -> dict[str, Any]:
    """HEAD commit, branch and dirty state of the repository holding `folder`.

    `root` is the realpath of the Jupyter root, `folder` a realpath in it.
    All three are None when git is missing (or older than 2.31), `folder`
    is not in a repository at or under `root`, or the repository has no
    commit yet.
    """
    nothing: dict[str, Any] = {"commit": None, "branch": None, "dirty": None}
    git = open_repository(folder, root)
    if git is None:
        return nothing
    head = git.run("rev-parse", "--verify", "-q", "HEAD")
    if head.returncode != 0:
        return nothing
    branch = git.run("symbolic-ref", "-q", "--short", "HEAD")
    status = git.run(
        "status", "--porcelain", "--untracked-files=no", "--ignore-submodules=all", "--no-renames"
    )
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
        return project_git(folder, area.root)
