"""Sync's tracking refs written in one file: git's `packed-refs`.

A tracking ref `refs/sync/<remote key>/exps/<slug>/<ULID>` says which
commit the remote held, as last seen; a Sync of 1,000 new experiments
records 1,000 of them. As loose refs (`git update-ref`) that is 1,000
files and their locks: 130–300 ms on this kind of machine, half of what
the `git push` itself takes. Here they go into `packed-refs` the way git's
own `pack-refs` writes it (gitrepository-layout(5)): take
`packed-refs.lock` (created exclusively), write every entry sorted, fsync,
rename over `packed-refs`; then remove the loose copies of the names
written (a loose ref wins over a packed one). Entries of other refs are
kept as they were, with their peeled lines.

Only tracking refs are written, and only under the store's sync lock
(`store_sync`): nothing else writes them. When the lock is held by
someone else (a `git gc` or `pack-refs` running) or the file is not one
this can rewrite, the same updates go through `git update-ref` instead
(`E_IO` if git cannot either: a `packed-refs` git cannot read).
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from pathlib import Path

from .errors import MlopsError
from .store_git import StoreGit

_HEADER = b"# pack-refs with: peeled fully-peeled sorted \n"
_NO_TRAITS = b"# pack-refs with: sorted \n"
_LINE = re.compile(rb"^([0-9a-f]{40}|[0-9a-f]{64}) (refs/[^\0\n ]+)\n?\Z")
_PEELED = re.compile(rb"^\^([0-9a-f]{40}|[0-9a-f]{64})\n?\Z")
#: Larger than this, `packed-refs` is left to git (hundreds of thousands of refs).
MAX_PACKED_BYTES = 64 * 1024 * 1024
#: How long to wait for another writer's lock (git's `core.packedRefsTimeout`).
LOCK_WAIT_S = 1.0


def write_tracking(git: StoreGit, prefix: str, updates: dict[str, str | None]) -> None:
    """Set (oid) or delete (None) the refs `prefix + name` of `updates`.

    `prefix` is a tracking folder (`refs/sync/<key>/exps/`).
    """
    if not updates:
        return
    if not prefix.startswith("refs/sync/") or not prefix.endswith("/"):
        raise ValueError(f"not a tracking folder: {prefix!r}")
    git_dir = Path(git.cwd)
    full = {f"{prefix}{name}": oid for name, oid in updates.items()}
    if not _write_packed(git_dir, full):
        _update_ref(git, full)
        return
    stuck = {ref: oid for ref, oid in full.items() if not _remove_loose(git_dir, ref)}
    # A loose copy that would not go wins over the packed entry: git sets it.
    _update_ref(git, stuck)


def _update_ref(git: StoreGit, full: dict[str, str | None]) -> None:
    """The same updates as loose refs, through git (one transaction)."""
    if not full:
        return
    commands = "".join(
        f"update {ref}\0{oid}\0\0" if oid else f"delete {ref}\0\0" for ref, oid in full.items()
    )
    done = git.run("update-ref", "--stdin", "-z", stdin=commands)
    if done.returncode != 0:
        raise MlopsError(
            "E_IO", f"the sync state could not be recorded: {' '.join(done.stderr.split())[:200]}"
        )


def _read_packed(path: Path) -> tuple[bytes, dict[bytes, list[bytes]]] | None:
    """(header, {ref: its lines}) of `packed-refs`; None when it cannot be read
    as git writes it (left to git)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return _HEADER, {}
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_PACKED_BYTES:
            return None
        data = file.read(MAX_PACKED_BYTES + 1)
    if len(data) > MAX_PACKED_BYTES or b"\r" in data:
        return None  # grew while read; or a line git splits otherwise than Python
    lines = [line + b"\n" for line in data.split(b"\n")]
    if lines and lines[-1] == b"\n":
        lines.pop()  # after the last newline
    # No header: git peels nothing it has not checked (a file written by
    # another tool may hold tags without their peeled lines).
    header = _NO_TRAITS if lines else _HEADER
    if lines and lines[0].startswith(b"#"):
        if not lines[0].startswith(b"# pack-refs with: "):
            return None
        header = lines.pop(0)
        if not header.endswith(b"\n"):
            header += b"\n"
    entries: dict[bytes, list[bytes]] = {}
    last: bytes | None = None
    for line in lines:
        match = _LINE.match(line)
        if match:
            last = match[2]
            entries[last] = [match[1] + b" " + last + b"\n"]
        elif _PEELED.match(line) and last is not None:
            entries[last].append(line if line.endswith(b"\n") else line + b"\n")
        else:
            return None  # a line git would not have written
    return header, entries


def _lock(path: Path) -> int | None:
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.02)
        except OSError:
            return None


def _write_packed(git_dir: Path, full: dict[str, str | None]) -> bool:
    """Rewrite `packed-refs` with `full` applied; False when it was left alone."""
    lock_path = git_dir / "packed-refs.lock"
    fd = _lock(lock_path)
    if fd is None:
        return False
    renamed = False
    try:
        read = _read_packed(git_dir / "packed-refs")
        if read is None:
            return False
        header, entries = read
        for ref, oid in full.items():
            name = ref.encode()
            if oid:
                entries[name] = [f"{oid} {ref}\n".encode()]
            else:
                entries.pop(name, None)
        body = b"".join(line for name in sorted(entries) for line in entries[name])
        with os.fdopen(fd, "wb", closefd=True) as file:
            fd = -1
            file.write(header + body)
            file.flush()
            os.fsync(file.fileno())
        os.replace(lock_path, git_dir / "packed-refs")
        renamed = True
        return True
    finally:
        if fd >= 0:
            os.close(fd)
        if not renamed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path)


def _remove_loose(git_dir: Path, ref: str) -> bool:
    """Remove the loose copy of `ref` (a regular file; the store has no symlinks
    under `refs/`, checked when Sync opened it) and its empty folders; False
    when a copy is there and could not be removed."""
    path = git_dir / ref
    try:
        os.unlink(path)
    except FileNotFoundError:
        return True
    except (NotADirectoryError, IsADirectoryError):
        return True  # a parent is a file, or a folder is there: no copy
    except OSError:
        return not os.path.lexists(path)
    parent = path.parent
    top = git_dir / "refs" / "sync"
    while parent != top and top in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent
    return True
