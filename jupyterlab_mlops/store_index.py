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
with no symbolic link under `refs/` nor among `objects/`'s own entries (its
fan-out folders, `pack/`, `info/`): git reads nothing from elsewhere. A
store the lab made holds only objects and refs: its config and HEAD are
written from the template first, where missing (`store_init`, as Sync).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from typing import Any

from .errors import MlopsError
from .paths import Store, locate
from .store_git import EXPERIMENT_REF, StoreGit, check_no_symlinks, open_store_git
from .store_init import init_store
from .store_layout import GIT_DIR

#: Longest one listing or page may take: git is killed (with its process group) after.
INDEX_TIMEOUT_S = 120.0
#: A manifest bigger than this is not carried (the lab reads it itself, and says why).
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
#: A notebook's folder under `refs/exps/` (src/tracking/store/names.ts).
SLUG = re.compile(r"^[a-z0-9-]{1,80}$")
OID = re.compile(r"^[0-9a-f]{40}$")
_BROKEN = re.compile(r"^warning: ignoring broken ref (refs/exps/\S+)$")
_CHUNK = 1024 * 1024


def _has_repository(store: Store) -> bool:
    """Whether the store's git directory exists (the first snapshot makes it)."""
    return store.exists and locate(store, GIT_DIR, follow=False).is_dir()


def _open(store: Store, timeout_s: float, *, refs: bool) -> StoreGit:
    # The lab writes objects and refs only: the config and HEAD git needs
    # are the server's template, written here where missing (as Sync does).
    init_store(store)
    git = open_store_git(store, timeout_s, deep=False)
    git_dir = locate(store, GIT_DIR, follow=False)
    check_no_symlinks(git_dir / "objects", depth=1)
    if refs:
        check_no_symlinks(git_dir / "refs", depth=None)
        packed = git_dir / "packed-refs"
        if packed.is_symlink() or (packed.exists() and not packed.is_file()):
            raise MlopsError("E_UNSAFE_REPOSITORY", "the store's packed-refs is not a regular file")
    return git


def list_refs(store: Store, timeout_s: float, slug: str) -> dict[str, Any]:
    """`{refs: [[ref, commit]…], broken: [ref…]}`: the experiment refs (of one notebook
    slug, or all when `slug` is empty), as `git for-each-ref` sees them.

    A ref whose file is not an object id is listed in `broken` (the lab
    shows it as a broken row). A store not created yet has no refs.
    """
    if slug and not SLUG.match(slug):
        raise MlopsError("E_BAD_REQUEST", "slug must be a notebook's folder name (a-z, 0-9, -)")
    if not _has_repository(store):
        return {"refs": [], "broken": []}
    git = _open(store, timeout_s, refs=True)
    prefix = f"refs/exps/{slug}/" if slug else "refs/exps/"
    done = git.run("for-each-ref", "--format=%(objectname) %(refname)", prefix)
    if done.returncode != 0:
        raise MlopsError("E_IO", f"git for-each-ref failed: {done.stderr.strip()[:200]}")
    refs: list[list[str]] = []
    for line in done.stdout.splitlines():
        oid, _, name = line.partition(" ")
        # Only what the lab writes: other names and non-commits are not listed.
        if EXPERIMENT_REF.match(name) and OID.match(oid):
            refs.append([name, oid])
    broken = [
        match.group(1)
        for match in map(_BROKEN.match, done.stderr.splitlines())
        if match and EXPERIMENT_REF.match(match.group(1)) and match.group(1).startswith(prefix)
    ]
    return {"refs": refs, "broken": broken}


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
    git = _open(store, timeout_s, refs=False)
    asked = "".join(f"{oid}^{{commit}}:manifest.json\n" for oid in commits).encode()
    return {"manifests": _cat_file(git, commits, asked, max_answer_bytes)}


def _cat_file(
    git: StoreGit, commits: list[str], asked: bytes, max_answer_bytes: int
) -> list[dict[str, Any]]:
    try:
        process = subprocess.Popen(
            [*git.argv, "cat-file", "--batch", "--buffer"],
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
    timer = threading.Timer(max(0.1, git.time_left()), _kill, (process,))
    timer.start()
    writer = threading.Thread(target=_feed, args=(stdin, asked), daemon=True)
    writer.start()
    out: list[dict[str, Any]] = []
    used = 0
    try:
        for oid in commits:
            if used >= max_answer_bytes and out:
                out.append(_error(oid, "E_ANSWER_TOO_LARGE", "no room left in this answer"))
                continue
            header = stdout.readline()
            if not header.endswith(b"\n"):
                raise MlopsError("E_IO", "git cat-file stopped early (took longer than allowed?)")
            parts = header.split()
            if len(parts) != 3 or not parts[2].isdigit():
                out.append(_error(oid, "E_NOT_FOUND", "no such commit, or no manifest.json in it"))
                continue
            size = int(parts[2])
            body = _read_body(stdout, size, keep=size <= MAX_MANIFEST_BYTES)
            if parts[1] != b"blob":
                out.append(_error(oid, "E_STORE_CORRUPT", "manifest.json is not a file"))
            elif body is None:
                out.append(_error(oid, "E_STORE_CORRUPT", "manifest.json is larger than 8 MiB"))
            else:
                try:
                    out.append({"commit": oid, "text": body.decode("utf-8")})
                    used += size
                except UnicodeDecodeError:
                    out.append(_error(oid, "E_STORE_CORRUPT", "manifest.json is not UTF-8"))
    finally:
        timer.cancel()
        _kill(process)
        writer.join(timeout=5)
    return out


def _read_body(stdout: Any, size: int, *, keep: bool) -> bytes | None:
    """The `size` bytes of one object and git's newline after them; None (read
    and dropped in chunks) when not `keep`."""
    parts: list[bytes] = []
    left = size + 1
    while left > 0:
        chunk = stdout.read(min(left, _CHUNK))
        if not chunk:
            raise MlopsError("E_IO", "git cat-file stopped early (took longer than allowed?)")
        left -= len(chunk)
        if keep:
            parts.append(chunk)
    return b"".join(parts)[:size] if keep else None


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
