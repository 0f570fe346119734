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

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from .errors import MlopsError
from .git_safe import git_environment, new_enough
from .paths import Store, locate
from .store_init import config_is_template
from .store_layout import GIT_DIR

#: `refs/exps/<slug>/<ULID>`, as the lab writes them (src/tracking/store/refs.ts).
EXPERIMENT_REF = re.compile(r"^refs/exps/[a-z0-9-]{1,80}/[0-9A-HJKMNP-TV-Z]{26}\Z")
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
    # A remote that stops sending (below 1 KiB/s for a minute) ends the call.
    ("http.lowSpeedLimit", "1024"),
    ("http.lowSpeedTime", "60"),
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
        # refs/replace/ is refused anyway; git must not substitute objects.
        env["GIT_NO_REPLACE_OBJECTS"] = "1"
        for name in (*_PASSED, *_PROXIES):
            if name in os.environ:
                env[name] = os.environ[name]
        self.env = env

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """`git <args>` within the deadline; on timeout its whole process group is
        killed (a transport helper left behind would go on writing)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise MlopsError("E_REMOTE_UNREACHABLE", "the sync took longer than allowed")
        try:
            process = subprocess.Popen(
                [*self.argv, *args],
                cwd=self.cwd,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                encoding="utf-8",
                errors="surrogateescape",
                env=self.env,
                start_new_session=True,
            )
        except OSError as err:
            raise MlopsError("E_IO", f"git could not be started: {err}") from None
        try:
            out, err = process.communicate(stdin, timeout=left)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            raise MlopsError(
                "E_REMOTE_UNREACHABLE", "the remote did not answer in time (sync_timeout_seconds)"
            ) from None
        except BaseException:
            _kill_group(process)
            raise
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def time_left(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.monotonic()

    def commits(self, oids: list[str]) -> set[str]:
        """Which of `oids` are commits in the repository (one `cat-file --batch-check`)."""
        if not oids:
            return set()
        done = self.run("cat-file", "--batch-check", stdin="".join(f"{oid}\n" for oid in oids))
        return {
            parts[0]
            for parts in (line.split() for line in done.stdout.splitlines())
            if len(parts) == 3 and parts[1] == "commit"
        }

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


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.communicate(timeout=5)


#: Folders whose entries were all checked, by path: (st_dev, st_ino, mtime_ns, subfolders).
_CHECKED: dict[str, tuple[int, int, int, tuple[str, ...]]] = {}
_CHECKED_MAX = 200_000
#: A folder changed this recently is checked again next time (mtime granularity).
_SETTLE_NS = 2_000_000_000


def check_no_symlinks(top: Path, depth: int | None) -> None:
    """`E_UNSAFE_REPOSITORY` if `top` or anything under it (`depth` levels of
    entries; None: all) is a symbolic link (git would read or write through
    it) or neither a folder nor a regular file (a FIFO or device would hold
    git, and the thread waiting on it, until the timeout).

    A folder's entries are scanned again only when the folder changed (its
    mtime: adding, removing or replacing an entry changes it), so checking
    100,000 experiments' objects costs a stat per folder after the first
    time.
    """
    try:
        _check_tree(top, depth)
    except OSError as err:
        raise MlopsError(
            "E_UNSAFE_REPOSITORY", f"the store's {top.name}/ cannot be checked ({err.strerror})"
        ) from None


def _check_tree(top: Path, depth: int | None) -> None:
    if top.is_symlink():
        raise MlopsError(
            "E_UNSAFE_REPOSITORY", f"the store's repository has a symbolic link at {top.name}/"
        )
    if not top.exists():
        return
    if not top.is_dir():
        raise MlopsError("E_UNSAFE_REPOSITORY", f"the store's {top.name} is not a folder")
    now = time.time_ns()
    stack: list[tuple[str, int]] = [(str(top), 1)]
    while stack:
        folder, level = stack.pop()
        info = os.lstat(folder)
        key = (info.st_dev, info.st_ino, info.st_mtime_ns)
        known = _CHECKED.get(folder)
        deeper = depth is None or level < depth
        if known is not None and known[:3] == key:
            subfolders = known[3]
        else:
            subfolders = _scan(folder, top.name)
            if now - info.st_mtime_ns > _SETTLE_NS:
                if len(_CHECKED) >= _CHECKED_MAX:
                    _CHECKED.clear()
                _CHECKED[folder] = (*key, subfolders)
        if deeper:
            stack.extend((os.path.join(folder, name), level + 1) for name in subfolders)


def _scan(folder: str, top: str) -> tuple[str, ...]:
    """The subfolders of `folder`; refuses symlinks and special files among its entries."""
    subfolders: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_symlink():
                raise MlopsError(
                    "E_UNSAFE_REPOSITORY",
                    f"the store's repository has a symbolic link under {top}/",
                )
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(entry.name)
            elif not entry.is_file(follow_symlinks=False):
                raise MlopsError(
                    "E_UNSAFE_REPOSITORY", f"the store's repository has a special file under {top}/"
                )
    return tuple(subfolders)


def _check_shape(git_dir: Path, deep: bool) -> None:
    """Refuse a repository git would read more into than refs and objects.

    `remotes/` and `branches/` define remote nicknames, `shallow` and
    `info/grafts` rewrite history, `refs/replace/` substitutes objects; and
    (`deep`) no symlink anywhere under `refs/` or `objects/` (git would
    write refs or objects through it). Routes that only read check what
    they read themselves (store_index).
    """
    for name in ("remotes", "branches", "shallow", "info/grafts", "refs/replace"):
        path = git_dir / name
        if path.is_symlink() or (path.is_file()) or (path.is_dir() and any(path.iterdir())):
            raise MlopsError(
                "E_UNSAFE_REPOSITORY", f"the store's repository has {name!r}: it is not read"
            )
    if deep:
        for top in ("refs", "objects"):
            check_no_symlinks(git_dir / top, depth=None)


def open_store_git(store: Store, timeout_s: float, *, deep: bool = True) -> StoreGit:
    """git on `store`'s repository, once it is known to be ours (template config).

    `deep`: no symbolic link anywhere under `refs/` and `objects/` (Sync
    and the mirror write there); read-only callers check what they read.
    """
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
    _check_shape(git_dir, deep)
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
