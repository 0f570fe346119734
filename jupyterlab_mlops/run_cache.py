"""The runner's step cache, sealed: a replayed step's outputs are the runner's own.

An entry `.mlops-cache/STEP/KEY/` is replayed only when its `.done` holds an
HMAC-SHA256, under a per-user secret kept outside any project, of KEY and
the SHA-256 of every file in the entry. KEY can be computed by anyone who
has the export, so a planted entry (a cloned repository, a shared folder)
would otherwise be replayed and its pickles loaded by the next step; and
an entry whose files changed after the step wrote them is not what that
step made. Either is not replayed: the step runs again. An entry holding a
symlink, or anything that is neither a file nor a folder, is never sealed
or replayed. The same secret seals each run's `status.json` (`seal_status`):
the bridge shows only runs a runner of this user wrote.

The secret is `$XDG_STATE_HOME/jupyterlab-mlops/cache-secret` (default
`~/.local/state/…`), made on first use, mode 0600. Without it (no writable
home) nothing is replayed: every step runs.
"""

from __future__ import annotations

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


def _walk(folder: Path) -> dict[str, Path] | None:
    """Each file of an entry (but `.done`) by its relative name; None if the entry
    holds a link or a special file, or too many files."""
    found: dict[str, Path] = {}
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
                    found[rel] = path
            else:
                return None
            if len(found) > MAX_FILES:
                return None
    return found


def _hashes(files: dict[str, Path]) -> dict[str, str]:
    return {rel: file_sha(path) for rel, path in sorted(files.items())}


def entry_files(folder: Path) -> dict[str, str] | None:
    """Each file of an entry (but `.done`) → its SHA-256; None as `_walk` says."""
    files = _walk(folder)
    return None if files is None else _hashes(files)


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
    """The entry's files → hashes when its seal holds for `key`; None: run the step.

    Cheapest first: the MAC over what `.done` lists, then the names on disk
    (`lstat`), and only then each file's SHA-256: a planted entry never gets
    its files hashed.
    """
    if secret is None:
        return None
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return None
        done_path = folder / DONE
        info = os.lstat(done_path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_DONE_BYTES:
            return None
        done = json.loads(done_path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(done, dict) or done.get("key") != key:
        return None
    listed, mac = done.get("files"), done.get("mac")
    if not isinstance(listed, dict) or not isinstance(mac, str):
        return None
    try:
        if not hmac.compare_digest(mac, _mac(secret, key, listed)):
            return None
    except (TypeError, ValueError):
        return None
    files = _walk(folder)
    if files is None or set(files) != set(listed):
        return None
    hashes = _hashes(files)
    return hashes if hashes == listed else None


def read_secret(path: Path | None = None) -> bytes | None:
    """The per-user secret if it is there (never made): what the bridge checks seals with."""
    return _read_secret(path or secret_path())


def _status_mac(secret: bytes, status: dict[str, Any]) -> str:
    body = {k: v for k, v in status.items() if k != "seal"}
    message = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def seal_status(status: dict[str, Any], secret: bytes | None) -> dict[str, Any]:
    """`status` with its `seal`: an HMAC under the per-user secret (none without one)."""
    if secret is None:
        return status
    body = {k: v for k, v in status.items() if k != "seal"}
    return {**body, "seal": _status_mac(secret, body)}


def status_sealed(status: dict[str, Any], secret: bytes | None) -> bool:
    """Whether a run's status was written by a runner of this user (always, without a secret)."""
    if secret is None:
        return True
    seal = status.get("seal")
    if not isinstance(seal, str):
        return False
    try:
        return hmac.compare_digest(seal, _status_mac(secret, status))
    except (TypeError, ValueError):
        return False
