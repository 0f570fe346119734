"""git on the experiment store's repository, run by the server (Sync, the MLflow mirror).

Only the store's template config is trusted (`store_init`): a store whose
config is anything else (unzipped, copied) is `E_UNSAFE_REPOSITORY`, and so
is one that reads objects from elsewhere (alternates). git runs without
hooks, fsmonitor, pager, automatic gc or submodules, checks every object it
receives (`transfer.fsckObjects`), and may use only the transports `file`,
`git`, `http`, `https` and `ssh`. Objects it receives stay loose, the form
the lab reads in bulk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from .errors import MlopsError
from .git_safe import git_environment, new_enough
from .paths import Store, locate
from .store_init import config_is_template
from .store_layout import GIT_DIR

#: Files that would make git read objects or config from elsewhere.
_ELSEWHERE = ("objects/info/alternates", "objects/info/http-alternates")
SYNC_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.hooksPath", os.devnull),
    ("core.fsmonitor", "false"),
    ("core.pager", "cat"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("fetch.unpackLimit", "1000000000"),
    ("transfer.fsckObjects", "true"),
    ("fetch.writeCommitGraph", "false"),
    ("fetch.recurseSubmodules", "false"),
    ("submodule.recurse", "false"),
    ("push.recurseSubmodules", "no"),
    ("push.followTags", "false"),
    ("push.gpgSign", "false"),
    ("protocol.allow", "user"),
    ("protocol.ext.allow", "never"),
    ("protocol.fd.allow", "never"),
)
ALLOWED_PROTOCOLS = "file:git:http:https:ssh"
#: Server variables git may use to reach a remote (credentials stay server-side).
_PASSED = ("SSH_AUTH_SOCK", "GIT_SSH_COMMAND", "GIT_ASKPASS", "SSH_ASKPASS")
_PROXIES = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


class StoreGit:
    """git on the store's repository, with the hardened environment."""

    def __init__(self, git_dir: Path, root: Path, timeout_s: float) -> None:
        git = shutil.which("git")
        if git is None:
            raise MlopsError("E_IO", "git is not installed on the server")
        self.argv = [git, "--no-pager", f"--git-dir={git_dir}"]
        self.cwd = git_dir
        self.deadline = time.monotonic() + timeout_s
        env = git_environment(root, SYNC_CONFIG)
        env["GIT_ALLOW_PROTOCOL"] = ALLOWED_PROTOCOLS
        env["GIT_PROTOCOL_FROM_USER"] = "1"
        env.pop("GIT_OPTIONAL_LOCKS", None)
        for name in (*_PASSED, *_PROXIES):
            if name in os.environ:
                env[name] = os.environ[name]
        self.env = env

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise MlopsError("E_REMOTE_UNREACHABLE", "the sync took longer than allowed")
        try:
            return subprocess.run(
                [*self.argv, *args],
                cwd=self.cwd,
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                encoding="utf-8",
                errors="surrogateescape",
                timeout=left,
                env=self.env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise MlopsError(
                "E_REMOTE_UNREACHABLE", "the remote did not answer in time (sync_timeout_seconds)"
            ) from None
        except OSError as err:
            raise MlopsError("E_IO", f"git could not be started: {err}") from None

    def refs(self, prefix: str) -> dict[str, str]:
        done = self.run("for-each-ref", "--format=%(objectname) %(refname)", prefix)
        if done.returncode != 0:
            raise MlopsError("E_IO", f"git for-each-ref failed: {done.stderr.strip()[:200]}")
        found: dict[str, str] = {}
        for line in done.stdout.splitlines():
            oid, _, name = line.partition(" ")
            found[name] = oid
        return found

    def is_ancestor(self, older: str, newer: str) -> bool:
        return self.run("merge-base", "--is-ancestor", older, newer).returncode == 0


def open_store_git(store: Store, timeout_s: float) -> StoreGit:
    """git on `store`'s repository, once it is known to be ours (template config)."""
    if not store.exists or not config_is_template(store):
        raise MlopsError(
            "E_UNSAFE_REPOSITORY",
            "the store's git config is not the one this extension writes (a store copied"
            " or unzipped from elsewhere, or not created yet): it is not synced",
        )
    git_dir = locate(store, GIT_DIR, follow=False)
    if git_dir.is_symlink() or not git_dir.is_dir():
        raise MlopsError("E_UNSAFE_REPOSITORY", "the store's git directory is not a folder")
    if any((git_dir / name).exists() or (git_dir / name).is_symlink() for name in _ELSEWHERE):
        raise MlopsError(
            "E_UNSAFE_REPOSITORY", "the store reads objects from another repository (alternates)"
        )
    git = StoreGit(git_dir, store.root, timeout_s)
    if not new_enough(git.run("version").stdout):
        raise MlopsError("E_IO", "git 2.31 or later is needed on the server to sync")
    return git


def read_blobs(git: StoreGit, commit: str, paths: list[str], max_bytes: int) -> dict[str, bytes]:
    """The files `paths` of the tree of `commit` (those it has), at most `max_bytes` each.

    One `git cat-file --batch`; a file that is missing, not a blob or too
    big is left out. `E_NOT_FOUND` when `commit` is not a commit here.
    """
    kind = git.run("cat-file", "-t", commit)
    if kind.returncode != 0 or kind.stdout.strip() != "commit":
        raise MlopsError("E_NOT_FOUND", f"no commit {commit[:12]} in the store")
    asked = "".join(f"{commit}:{path}\n" for path in paths)
    done = subprocess.run(
        [*git.argv, "cat-file", "--batch"],
        cwd=git.cwd,
        input=asked.encode(),
        capture_output=True,
        env=git.env,
        timeout=max(1.0, git.deadline - time.monotonic()),
        check=False,
    )
    out = done.stdout
    found: dict[str, bytes] = {}
    at = 0
    for path in paths:
        end = out.find(b"\n", at)
        if end < 0:
            break
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3:
            continue  # "<name> missing"
        size = int(header[2])
        body, at = out[at : at + size], at + size + 1
        if header[1] == b"blob" and size <= max_bytes:
            found[path] = body
    return found
