"""The experiment list read in bulk by the server: refs and manifests through git.

A browser reading 10,000 experiments through isomorphic-git asks for every
ref file, commit, tree and manifest (tens of thousands of small objects,
inflated in JavaScript); the server asks git once per page instead:
`git for-each-ref` for the refs (`list_refs`) and one `git cat-file --batch`
of `<commit>^{commit}:manifest.json` per page of experiments
(`read_manifests`). The browser still validates every manifest and keeps
its IndexedDB index; these routes only carry the bytes.

Both routes only read. They take no path from the request: the store's
name (checked like every route's), a notebook slug and commit ids (40 hex
digits, so no revision syntax reaches git). The repository must be one the
extension made (its template config, no alternates, no replacement refs),
and nothing but folders and regular files under `refs/` and `objects/`,
whatever the depth (no symbolic link, no FIFO; each folder scanned again
only when it changed), and a regular HEAD, config and packed-refs: git
reads nothing from elsewhere and waits on nothing. Each git reading
manifests runs under an address-space limit (`prlimit`), and a manifest
over 8 MiB is never streamed through. A store the lab made holds only
objects and refs: its config and HEAD are written from the template
first, where missing (`store_init`, as Sync).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from . import store_layout
from .errors import MlopsError
from .paths import Store, locate
from .store_git import EXPERIMENT_REF, StoreGit, check_no_symlinks, open_store_git
from .store_init import init_store
from .store_layout import GIT_DIR

#: Longest one listing or page may take: git is killed (with its process group) after.
INDEX_TIMEOUT_S = 60.0
#: A manifest bigger than this is not carried (the lab reads it itself, and says why).
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
#: A notebook's folder under `refs/exps/` (src/tracking/store/names.ts).
SLUG = re.compile(r"^[a-z0-9-]{1,80}\Z")
OID = re.compile(r"^[0-9a-f]{40}\Z")
_BROKEN = re.compile(r"^warning: ignoring broken ref (refs/exps/\S+)\Z")
#: Most refs one listing answers (each about 90 bytes of JSON).
MAX_REFS = 500_000
_CHUNK = 1024 * 1024
#: Refs changed more recently than this get no listing token (mtime granularity).
SETTLE_NS = 2_000_000_000
#: The address space git may use to read manifests (a commit or tree that
#: inflates to gigabytes from a few MB on disk ends that git, not the server).
GIT_MEMORY_BYTES = 2 * 1024 * 1024 * 1024
#: Small pack windows (so the limit above holds with big packs), and big blobs
#: streamed rather than held.
_BATCH_CONFIG = (
    "-c",
    "core.bigFileThreshold=8m",
    "-c",
    "core.packedGitWindowSize=32m",
    "-c",
    "core.packedGitLimit=256m",
)


def _has_repository(store: Store) -> bool:
    """Whether the store's git directory exists, in any form (the first snapshot
    makes it; a symbolic link there is refused by `_open`)."""
    if not store.exists:
        return False
    git_dir = locate(store, GIT_DIR, follow=False)
    return git_dir.is_symlink() or git_dir.is_dir()


def _open(store: Store, timeout_s: float) -> StoreGit:
    """git on the store's repository, once everything git reads is checked."""
    store_layout.check_store(store)
    git_dir = locate(store, GIT_DIR, follow=False)
    if git_dir.is_symlink() or not git_dir.is_dir():
        raise MlopsError("E_UNSAFE_REPOSITORY", "the store's git directory is not a folder")
    for name in ("HEAD", "config", "packed-refs"):
        path = git_dir / name
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise MlopsError("E_UNSAFE_REPOSITORY", f"the store's {name} is not a regular file")
    # Every folder and file git may read: refs and objects at any depth
    # (each folder scanned again only when it changed).
    check_no_symlinks(git_dir / "refs", depth=None)
    check_no_symlinks(git_dir / "objects", depth=None)
    # The lab writes objects and refs only: the config and HEAD git needs
    # are the server's template, written here where missing (as Sync does).
    init_store(store)
    return open_store_git(store, timeout_s, deep=False)


def listing_token(git_dir: Path, slug: str) -> str:
    """A name for the refs of one notebook (or all) as they are now; empty when
    one changed too recently to tell (within `SETTLE_NS`).

    Every writer of refs (git, the lab's file routes, Sync) writes a ref to
    a new file and renames it into place, so a folder's mtime moves with any
    change to its refs; `packed-refs` is renamed into place too.
    """
    exps = git_dir / "refs" / "exps"
    folders = [exps / slug] if slug else [exps]
    if not slug and exps.is_dir():
        folders += sorted(path for path in exps.iterdir() if path.is_dir())
    now = time.time_ns()
    parts: list[str] = []
    for path in (*folders, git_dir / "packed-refs"):
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            parts.append("-")
            continue
        if now - info.st_mtime_ns < SETTLE_NS:
            return ""
        parts.append(f"{path.name}:{info.st_ino}:{info.st_mtime_ns}:{info.st_size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def list_refs(store: Store, timeout_s: float, slug: str, since: str = "") -> dict[str, Any]:
    """`{refs: [[ref, commit]…], broken: [ref…], token}`: the experiment refs (of one
    notebook slug, or all when `slug` is empty), as `git for-each-ref` sees them.

    `since`, the token of an earlier listing: when no ref changed since,
    `{refs: [], broken: [], token, unchanged: true}` (a notebook switch
    costs a few stats, not a listing of 100,000 refs).

    A ref whose file is not an object id is listed in `broken` (the lab
    shows it as a broken row). A
    store not created yet has no refs. More than `MAX_REFS`:
    `E_ANSWER_TOO_LARGE` (the lab lists them itself).
    """
    if slug and not SLUG.match(slug):
        raise MlopsError("E_BAD_REQUEST", "slug must be a notebook's folder name (a-z, 0-9, -)")
    if not _has_repository(store):
        return {"refs": [], "broken": []}
    git = _open(store, timeout_s)
    token = listing_token(locate(store, GIT_DIR, follow=False), slug)
    if since and token and since == token:
        return {"refs": [], "broken": [], "token": token, "unchanged": True}
    prefix = f"refs/exps/{slug}/" if slug else "refs/exps/"
    # Not %(objecttype): one unreadable object would fail the whole listing.
    # A ref to something else than a commit is listed; its manifest is
    # then not found, and the lab shows why.
    done = git.run("for-each-ref", "--format=%(objectname) %(refname)", prefix)
    if done.returncode != 0:
        raise MlopsError("E_IO", f"git for-each-ref failed: {_quiet(done.stderr, git)}")
    refs: list[list[str]] = []
    broken: list[str] = []
    # Split on newlines only: a ref name may hold other line separators.
    for line in done.stdout.split("\n"):
        oid, _, name = line.partition(" ")
        # Only what the lab writes is listed.
        if not EXPERIMENT_REF.match(name):
            continue
        if OID.match(oid):
            refs.append([name, oid])
        else:
            broken.append(name)
        if len(refs) + len(broken) > MAX_REFS:
            raise MlopsError("E_ANSWER_TOO_LARGE", f"the store has more than {MAX_REFS} refs")
    for text in done.stderr.split("\n"):
        match = _BROKEN.match(text)
        if match and EXPERIMENT_REF.match(match.group(1)) and match.group(1).startswith(prefix):
            broken.append(match.group(1))
    return {"refs": refs, "broken": broken, "token": token}


def _quiet(stderr: str, git: StoreGit) -> str:
    """git's complaint, without the server's paths."""
    return stderr.strip().replace(str(git.cwd), "<store>")[:200]


def read_manifests(
    store: Store, timeout_s: float, commits: list[str], max_answer_bytes: int, max_commits: int
) -> dict[str, Any]:
    """`{manifests: [{commit, text} | {commit, error}]}`: each commit's `manifest.json`,
    in the order asked, from one `git cat-file --batch`.

    Errors per commit: `E_NOT_FOUND` (no such commit, or no manifest in
    it), `E_STORE_CORRUPT` (not a file, not UTF-8, over
    `MAX_MANIFEST_BYTES`), `E_ANSWER_TOO_LARGE` (no room left in this
    answer: ask again). The first manifest always has the answer to itself.
    """
    if len(commits) > max_commits:
        raise MlopsError("E_BAD_REQUEST", f"commits holds more than {max_commits} entries")
    seen: set[str] = set()
    for index, oid in enumerate(commits):
        if not OID.match(oid):
            raise MlopsError("E_BAD_REQUEST", f"commits[{index}] is not a 40-digit commit id")
        if oid in seen:
            raise MlopsError("E_BAD_REQUEST", f"commits[{index}]: {oid} is listed twice")
        seen.add(oid)
    if not commits:
        return {"manifests": []}
    if not _has_repository(store):
        raise MlopsError("E_NOT_FOUND", "the store has not been created yet")
    git = _open(store, timeout_s)
    out: list[dict[str, Any]] = []
    used = 0
    pending = commits
    while pending:
        # One git per run of commits: a manifest too big to carry, or one git
        # could not read (a memory limit), ends a run; the next starts after it.
        settled, used = _cat_file(git, pending, out, used, max_answer_bytes)
        pending = pending[settled:]
    return {"manifests": out}


def _cat_file(
    git: StoreGit, commits: list[str], out: list[dict[str, Any]], used: int, budget: int
) -> tuple[int, int]:
    """Answer `commits` in order into `out` with one `git cat-file --batch`, until one
    ends the run; how many were answered, and the answer's bytes so far."""
    if git.time_left() <= 0:
        raise MlopsError("E_IO", "reading the manifests took longer than allowed")
    argv = [*git.argv, *_BATCH_CONFIG, "cat-file", "--batch", "--buffer"]
    prlimit = shutil.which("prlimit")
    if prlimit:
        argv = [prlimit, f"--as={GIT_MEMORY_BYTES}", "--", *argv]
    try:
        process = subprocess.Popen(
            argv,
            cwd=git.cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=git.env,
            start_new_session=True,
        )
    except OSError as err:
        raise MlopsError("E_IO", f"git could not be started: {err}") from None
    assert process.stdin is not None and process.stdout is not None
    stdin, stdout = process.stdin, process.stdout
    asked = "".join(f"{oid}^{{commit}}:manifest.json\n" for oid in commits).encode()
    timer = threading.Timer(max(0.1, git.time_left()), _kill, (process,))
    timer.start()
    writer = threading.Thread(target=_feed, args=(stdin, asked), daemon=True)
    writer.start()
    try:
        for index, oid in enumerate(commits):
            if used >= budget and out:
                out.append(_error(oid, "E_ANSWER_TOO_LARGE", "no room left in this answer"))
                continue
            header = stdout.readline()
            if not header.endswith(b"\n"):
                if git.time_left() <= 0:
                    raise MlopsError("E_IO", "reading the manifests took longer than allowed")
                out.append(_error(oid, "E_STORE_CORRUPT", "git could not read this experiment"))
                return index + 1, used
            parts = header.split()
            if len(parts) != 3 or not parts[2].isdigit():
                out.append(_error(oid, "E_NOT_FOUND", "no such commit, or no manifest.json in it"))
                continue
            size = int(parts[2])
            if size > MAX_MANIFEST_BYTES:
                # Never streamed through: this git is stopped, the next
                # run starts after this commit.
                out.append(_error(oid, "E_STORE_CORRUPT", "manifest.json is larger than 8 MiB"))
                return index + 1, used
            body = _read_body(stdout, size)
            if body is None:
                out.append(_error(oid, "E_STORE_CORRUPT", "git could not read this experiment"))
                return index + 1, used
            if parts[1] != b"blob":
                out.append(_error(oid, "E_STORE_CORRUPT", "manifest.json is not a file"))
                continue
            try:
                out.append({"commit": oid, "text": body.decode("utf-8")})
                used += size
            except UnicodeDecodeError:
                out.append(_error(oid, "E_STORE_CORRUPT", "manifest.json is not UTF-8"))
        return len(commits), used
    finally:
        timer.cancel()
        _kill(process)
        writer.join(timeout=5)


def _read_body(stdout: Any, size: int) -> bytes | None:
    """The `size` bytes of one object and git's newline after them; None if git
    stopped before."""
    parts: list[bytes] = []
    left = size + 1
    while left > 0:
        chunk = stdout.read(min(left, _CHUNK))
        if not chunk:
            return None
        left -= len(chunk)
        parts.append(chunk)
    return b"".join(parts)[:size]


def _feed(stdin: Any, data: bytes) -> None:
    try:
        stdin.write(data)
        stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        pass


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    for stream in (process.stdout, process.stdin):
        if stream is not None:
            try:
                stream.close()
            except OSError:
                pass


def _error(oid: str, code: str, message: str) -> dict[str, Any]:
    return {"commit": oid, "error": {"code": code, "message": message}}
