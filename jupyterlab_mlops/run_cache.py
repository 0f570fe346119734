"""The runner's step cache, sealed: a replayed step's outputs are the runner's own.

An entry `.mlops-cache/STEP/KEY/` is replayed only when its `.done` holds an
HMAC-SHA256, under a per-user secret kept outside any project, of KEY and
the SHA-256 of every file in the entry. KEY can be computed by anyone who
has the export, so a planted entry (a cloned repository, a shared folder)
would otherwise be replayed and its pickles loaded by the next step; and
an entry whose files changed after the step wrote them is not what that
step made. Either is not replayed: the step runs again. An entry holding a
symlink, or anything that is neither a file nor a folder, is never sealed
or replayed.

The secret is `$XDG_STATE_HOME/jupyterlab-mlops/cache-secret` (default
`~/.local/state/…`), made on first use, mode 0600. Without it (no writable
home) nothing is replayed: every step runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

DONE = ".done"
MAX_DONE_BYTES = 4 * 1024 * 1024
#: Files one entry may hold (a step hands on one file per variable, and metrics).
MAX_FILES = 10_000
_SECRET_BYTES = 32


def secret_path() -> Path:
    """Where the per-user cache secret is kept."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(state) / "jupyterlab-mlops" / "cache-secret"


def _read_secret(path: Path) -> bytes | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        trusted = info.st_uid == os.getuid() and not info.st_mode & 0o022
        if not stat.S_ISREG(info.st_mode) or not trusted:
            return None
        data = handle.read(1024)
    return data if len(data) >= _SECRET_BYTES else None


def cache_secret(path: Path | None = None) -> bytes | None:
    """The per-user secret (made if missing), or None when it cannot be had."""
    path = path or secret_path()
    found = _read_secret(path)
    if found is not None:
        return found
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return _read_secret(path)  # another runner made it meanwhile
    except OSError:
        return None
    with os.fdopen(fd, "wb") as out:
        out.write(secrets.token_bytes(_SECRET_BYTES))
    return _read_secret(path)


def file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def entry_files(folder: Path) -> dict[str, str] | None:
    """Each file of an entry (but `.done`) → its SHA-256.

    None if the entry holds a link or a special file, or too many files.
    """
    found: dict[str, str] = {}
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            return None
        for entry in entries:
            path = Path(entry.path)
            if entry.is_symlink():
                return None
            if entry.is_dir(follow_symlinks=False):
                pending.append(path)
            elif entry.is_file(follow_symlinks=False):
                rel = path.relative_to(folder).as_posix()
                if rel != DONE:
                    found[rel] = file_sha(path)
            else:
                return None
            if len(found) > MAX_FILES:
                return None
    return dict(sorted(found.items()))


def _mac(secret: bytes, key: str, files: dict[str, str]) -> str:
    message = json.dumps({"key": key, "files": files}, sort_keys=True).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def seal(folder: Path, key: str, secret: bytes | None) -> None:
    """Write the entry's `.done`: its files' hashes and their HMAC (none without a secret)."""
    files = entry_files(folder)
    if secret is None or files is None:
        return
    done: dict[str, Any] = {"key": key, "files": files, "mac": _mac(secret, key, files)}
    (folder / DONE).write_text(json.dumps(done))


def sealed(folder: Path, key: str, secret: bytes | None) -> dict[str, str] | None:
    """The entry's files → hashes when its seal holds for `key`; None: run the step."""
    if secret is None:
        return None
    done_path = folder / DONE
    try:
        info = os.lstat(done_path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_DONE_BYTES:
            return None
        done = json.loads(done_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(done, dict) or not isinstance(done.get("mac"), str):
        return None
    files = entry_files(folder)
    if files is None or done.get("key") != key or done.get("files") != files:
        return None
    with contextlib.suppress(TypeError):
        if hmac.compare_digest(done["mac"], _mac(secret, key, files)):
            return files
    return None
