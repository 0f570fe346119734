"""Validation of client paths and their confinement to the store folder.

Two layers, both from the path rules of docs/bridge.md:

- `validate_path` is pure: it looks at the string only, before any file
  system call (control characters, absolute paths, `..`, lengths).
- `open_store` / `locate` resolve symlinks with `realpath` and refuse any
  target whose real location is outside the store folder (and any store
  folder that is not strictly inside the Jupyter root).

The operations in `store_fs` and `store_write` then walk the resolved path
again with `O_NOFOLLOW`, so a symlink swapped in after these checks is
refused too.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import MlopsError

MAX_PATH_CHARS = 1024
MAX_COMPONENT_BYTES = 255

# `C:` and `c:x` are absolute (or drive-relative) on Windows; refuse them
# everywhere so a store written on one OS reads the same on another.
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Store:
    """A validated store folder.

    `root` is the realpath of the Jupyter root, `path` the realpath of the
    store folder (which may not exist yet), `name` the store as the client
    gave it, normalized.
    """

    root: Path
    path: Path
    name: str

    @property
    def exists(self) -> bool:
        """Whether the store folder exists (it is created on first write)."""
        return self.path.is_dir()


def _invalid(field: str, why: str) -> MlopsError:
    return MlopsError("E_PATH_INVALID", f"{field} {why}")


def validate_path(value: object, *, field: str = "path") -> str:
    """Check a client path against the pure path rules and normalize it.

    Returns the path with `.` components dropped; `""` stands for the store
    folder itself (the client may say `""` or `"."`). Raises `MlopsError`
    (`E_BAD_REQUEST`, `E_PATH_INVALID` or `E_PATH_TOO_LONG`).
    """
    if not isinstance(value, str):
        raise MlopsError("E_BAD_REQUEST", f"{field} must be a string")
    for ch in value:
        category = unicodedata.category(ch)
        if category == "Cc":
            raise _invalid(field, f"contains the control character U+{ord(ch):04X}")
        if category == "Cs":
            # A lone surrogate cannot be encoded as a file name at all.
            raise _invalid(field, "is not valid Unicode (lone surrogate)")
    if "\\" in value:
        raise _invalid(field, "contains a backslash")
    if value.startswith(("/", "~")) or _DRIVE.match(value):
        raise _invalid(field, "must be relative")
    if value in ("", "."):
        return ""
    parts = value.split("/")
    if ".." in parts:
        raise _invalid(field, "must not contain '..'")
    if "" in parts:
        raise _invalid(field, "must not contain an empty component")
    if len(value) > MAX_PATH_CHARS:
        raise MlopsError("E_PATH_TOO_LONG", f"{field} is longer than {MAX_PATH_CHARS} characters")
    if any(len(part.encode("utf-8")) > MAX_COMPONENT_BYTES for part in parts):
        raise MlopsError(
            "E_PATH_TOO_LONG", f"{field} has a component over {MAX_COMPONENT_BYTES} bytes"
        )
    return "/".join(part for part in parts if part != ".")


#: Attempts at resolving a path that keeps changing under `realpath`.
_REALPATH_TRIES = 3


def real_path(path: str | os.PathLike[str], shown: str) -> Path:
    """`os.path.realpath` that fails with a coded error, never a bare OSError.

    A symlink swapped for a file while `realpath` reads it makes its
    `readlink` fail (EINVAL); a path that changes under us is retried, then
    reported as `E_IO` naming the client's path `shown`.
    """
    for attempt in range(_REALPATH_TRIES):
        try:
            return Path(os.path.realpath(path))
        except RecursionError:
            # Python 3.11's realpath recurses once per link of a chain.
            raise MlopsError(
                "E_PATH_OUTSIDE_ROOT", f"{shown!r} goes through too many symbolic links"
            ) from None
        except OSError as exc:
            if attempt == _REALPATH_TRIES - 1:
                name = errno.errorcode.get(exc.errno or 0, "EUNKNOWN")
                raise MlopsError(
                    "E_IO", f"{name}: {shown!r} kept changing while it was resolved; retry"
                ) from None
    raise AssertionError("unreachable")


def _outside(field: str, value: str, where: str) -> MlopsError:
    return MlopsError("E_PATH_OUTSIDE_ROOT", f"{field} {value!r} resolves outside {where}")


def open_store(root_dir: str | os.PathLike[str], store: object) -> Store:
    """Validate the store folder name and confine it strictly inside the root.

    The store folder may be reached through symlinks, as long as its realpath
    is a folder strictly inside the realpath of the Jupyter root (never the
    root itself).
    """
    name = validate_path(store, field="store")
    root = real_path(root_dir, "the Jupyter root")
    if not name:
        raise _outside("store", str(store), "a folder inside the Jupyter root")
    real = real_path(root / name, name)
    if real == root or not real.is_relative_to(root):
        raise _outside("store", name, "a folder inside the Jupyter root")
    return Store(root=root, path=real, name=name)


def locate(store: Store, path: object, *, follow: bool = True) -> Path:
    """Resolve a client path inside `store` and check it is confined there.

    The realpath of the target (for a missing target, of its deepest existing
    ancestor, which `os.path.realpath` does for us) must be the store folder
    or inside it, else `E_PATH_OUTSIDE_ROOT`.

    With `follow` the real path of the target is returned: operations that
    read or write through symlinks act on it. Without `follow` the target's
    last component is kept (for lstat, readlink, rm, mkdir, which act on a
    symlink itself); its parent is then checked and resolved too.
    """
    rel = validate_path(path)
    lexical = store.path / rel if rel else store.path
    real = real_path(lexical, rel)
    if not real.is_relative_to(store.path):
        raise _outside("path", rel, "the store folder")
    if follow or not rel:
        return real
    parent = real_path(lexical.parent, rel)
    if not parent.is_relative_to(store.path):
        raise _outside("path", rel, "the store folder")
    return parent / lexical.name


def resolve_in_store(
    root_dir: str | os.PathLike[str], store: object, path: object, *, follow: bool = True
) -> Path:
    """Validate `store` and `path` and return the confined absolute target.

    Shorthand for `locate(open_store(root_dir, store), path, follow=follow)`.
    """
    return locate(open_store(root_dir, store), path, follow=follow)
