"""Helpers shared by the bridge tests."""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from pathlib import Path
from typing import Any


def b64(data: bytes | str) -> str:
    """Base64 of bytes or of a UTF-8 string."""
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode()


def unb64(text: str) -> bytes:
    """Decode a base64 `data` field."""
    return base64.b64decode(text)


def snapshot(*roots: Path, mtimes: bool = True) -> dict[str, tuple[Any, ...]]:
    """Everything observable about the trees under `roots` (symlinks not followed).

    With `mtimes`, folder and file mtimes are included, so even a temp file
    created and removed again shows up as a change of its folder.
    """
    state: dict[str, tuple[Any, ...]] = {}

    def record(path: Path) -> None:
        info = path.lstat()
        key = str(path)
        times = (info.st_mtime_ns,) if mtimes else ()
        if stat.S_ISLNK(info.st_mode):
            state[key] = ("link", os.readlink(path))
        elif stat.S_ISDIR(info.st_mode):
            state[key] = ("dir", info.st_mode, *times)
        else:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            state[key] = ("file", info.st_mode, info.st_size, digest, *times)

    for root in roots:
        record(root)
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                record(Path(folder) / name)
    return state


def temp_files(folder: Path) -> list[str]:
    """Names of in-flight temp files left anywhere under `folder`."""
    return [
        name
        for _, dirs, files in os.walk(folder)
        for name in dirs + files
        if name.startswith(".mlops-tmp-")
    ]
