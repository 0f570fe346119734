"""The server's secret key for the hash cache, kept outside every store.

Hash cache entries (`hash_cache`) are believed only with a valid HMAC under
this key. It lives in the Jupyter data folder unless configured
(`MlopsExtension.hash_cache_key_file`), is created there on first use
(mode 0600, written whole then linked so that two servers agree on one),
and is refused when anyone but its owner could have written it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
from pathlib import Path

from jupyter_core.paths import jupyter_data_dir

from .dirfd import NOFOLLOW

#: Size of the server's cache key, in bytes.
KEY_BYTES = 32

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def default_key_file() -> Path:
    """Where the cache key lives unless configured: in the Jupyter data folder."""
    return Path(jupyter_data_dir()) / "jupyterlab_mlops" / "hash-cache.key"


def load_key(path: Path, log: logging.Logger) -> bytes:
    """The server's cache key: read from `path`, or created there (mode 0600).

    A key file that cannot be created, or cannot be trusted (a symlink, not
    a regular file, not ours, open to others, malformed), is logged and a
    random key for this process only is used instead: the cache then serves
    this process and is rebuilt after a restart. The key is never logged.
    """
    try:
        return _read_or_create_key(path)
    except (OSError, ValueError) as exc:
        log.warning(
            "jupyterlab_mlops: cannot use the hash cache key file %s (%s); using a key for "
            "this process only (hashes cached now are not trusted after a restart)",
            path,
            exc,
        )
        return secrets.token_bytes(KEY_BYTES)


def _read_or_create_key(path: Path) -> bytes:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(KEY_BYTES)
    # Written whole under a temp name, then linked: link(2) fails if another
    # server made the key meanwhile, and no reader ever sees half a key.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | _CLOEXEC
    fd = os.open(tmp, flags, 0o600)
    try:
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, key.hex().encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.link(tmp, path)
    except FileExistsError:
        return _read_key(path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return key


def _read_key(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | NOFOLLOW | os.O_NONBLOCK | _CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if os.name == "posix":
            if info.st_uid != os.getuid():
                raise ValueError("not owned by the user running the server")
            if info.st_mode & 0o077:
                raise ValueError(f"mode {stat.S_IMODE(info.st_mode):o}, not 600")
        text = handle.read(2 * KEY_BYTES + 1)
    key = bytes.fromhex(text.decode("ascii"))
    if len(key) != KEY_BYTES:
        raise ValueError(f"not {2 * KEY_BYTES} hex digits")
    return key
