"""Streaming SHA-256 of data files and folders inside the Jupyter root.

A request is hashed in two passes so that progress has a total from the
start: `plan_path` resolves each path (realpath confinement, as for store
paths), walks folders without following any symlink and looks every file up
in the cache (one `stat` per file); `hash_target` then reads only what the
cache did not know (`hash_stream.hash_file`: 1 MiB at a time, checking the
cancel flag before every chunk).

A folder's hash is the SHA-256 of its manifest: one line
`relpath\\0size\\0sha256\\n` per regular file below it, sorted by the UTF-8
bytes of `relpath`, so it depends on names and contents only (not on
creation order, timestamps or permissions).

A request may also capture small files (`capture_max_bytes`): their bytes
come back with their hash, exactly the bytes hashed (see `hash_stream`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import MlopsError, from_os_error
from .hash_stream import CHUNK_SIZE, Cache, Capture, DirFds, Progress, hash_file
from .hash_walk import Budget, FilePlan, Folder, Sig, cache_key, signature, walk
from .paths import Store, locate, validate_path

#: Largest `captureMaxBytes` a request may ask for: bytes kept per file.
MAX_CAPTURE_FILE_BYTES = 8 * 1024 * 1024
#: Most bytes one job keeps over all its files; files past it are hashed only.
MAX_CAPTURE_JOB_BYTES = 32 * 1024 * 1024


@dataclass
class Target:
    """One requested path, planned: a file or a folder and the files to hash.

    `path` is the request's string, `name` the same path normalized (`.`
    components dropped), which `currentPath` shows.
    """

    path: str
    name: str
    kind: str
    files: list[FilePlan]
    skipped: int = 0

    @property
    def size(self) -> int:
        """Total size of the files, as planned."""
        return sum(entry.size for entry in self.files)


def root_area(root_dir: str | os.PathLike[str]) -> Store:
    """The Jupyter root as a confinement area for `paths.locate` and `dirfd`."""
    root = Path(os.path.realpath(root_dir))
    return Store(root=root, path=root, name="")


def _confine(area: Store, path: str) -> Path:
    try:
        return locate(area, path)
    except MlopsError as err:
        if err.code == "E_PATH_OUTSIDE_ROOT":
            raise MlopsError(err.code, f"path {path!r} resolves outside the Jupyter root") from None
        raise
    except RecursionError:
        # Python 3.11's realpath recurses once per symlink: a long chain.
        raise MlopsError("E_PATH_OUTSIDE_ROOT", f"too many symbolic links in {path!r}") from None


def plan_path(
    area: Store, path: str, *, store: Path, cache: Cache, budget: Budget, progress: Progress
) -> Target:
    """Confine `path` to the root and list what must be hashed for it.

    Raises `MlopsError` for a path that breaks the path rules, escapes the
    root, is missing, is neither a file nor a folder, or holds too many files;
    `Cancelled` when the job is cancelled during a long walk.
    """

    def lookup(key: str, sig: Sig) -> str | None:
        progress.check()
        return cache.get(key, sig)

    real = _confine(area, path)
    name = validate_path(path)
    try:
        # realpath just resolved every component: this stat sees what the
        # walk and the reads will see (they refuse any symlink swapped in).
        info = os.stat(real, follow_symlinks=False)
        if stat.S_ISREG(info.st_mode):
            budget.take(path)
            sha = cache.get(cache_key(area.root, real.parent, real.name), signature(info))
            entry = FilePlan(Folder(real.parent, ""), real.name, info.st_size, sha)
            return Target(path, name, "file", [entry])
        if stat.S_ISDIR(info.st_mode):
            files, skipped = walk(
                area,
                real,
                path,
                store=store,
                budget=budget,
                lookup=lookup,
                check=progress.check,
            )
            return Target(path, name, "dir", files, skipped)
    except OSError as exc:
        raise from_os_error(exc, path) from exc
    raise MlopsError("E_IO", f"not a regular file or folder: {path!r}")


def hash_target(
    area: Store,
    target: Target,
    cache: Cache,
    progress: Progress,
    buf: bytearray,
    capture: Capture | None = None,
) -> dict[str, Any]:
    """Hash a planned path and return its result entry.

    `cached` is true when no byte had to be read (every file came from the
    cache). A file (never a folder's) that `capture` takes gets `data`, the
    base64 of exactly the bytes hashed. Raises `MlopsError` when a file
    fails, `Cancelled` when cancelled.
    """
    dirs = DirFds(area)
    try:
        if target.kind == "file":
            progress.current_path = target.name
            sha, size, hit, kept = hash_file(
                area, target.files[0], cache, progress, buf, dirs, capture
            )
            result: dict[str, Any] = {
                "path": target.path,
                "kind": "file",
                "sha256": sha,
                "size": size,
                "cached": hit,
            }
            if kept is not None:
                result["data"] = base64.b64encode(kept).decode("ascii")
            return result
        manifest = hashlib.sha256()
        total, all_hit = 0, True
        for entry in target.files:
            rel = entry.rel
            progress.current_path = f"{target.name}/{rel}" if target.name else rel
            sha, size, hit, _ = hash_file(area, entry, cache, progress, buf, dirs)
            manifest.update(b"%s\0%d\0%s\n" % (os.fsencode(rel), size, sha.encode("ascii")))
            total += size
            all_hit = all_hit and hit
    except OSError as exc:
        raise from_os_error(exc, progress.current_path) from exc
    finally:
        dirs.close()
    return {
        "path": target.path,
        "kind": "dir",
        "sha256": manifest.hexdigest(),
        "size": total,
        "files": len(target.files),
        "skipped": target.skipped,
        "cached": all_hit,
    }


def hash_paths(
    area: Store,
    paths: list[str],
    *,
    store: Path,
    cache: Cache,
    progress: Progress,
    max_files: int,
    capture_max_bytes: int = 0,
) -> list[dict[str, Any]]:
    """Hash every path; return one result or `{path, error}` per path, in order.

    `store` (a real path) is left out of folder walks. At most `max_files`
    files are covered over all paths; the path that goes beyond gets
    `E_TOO_MANY_FILES`. Files named in `paths` of at most `capture_max_bytes`
    (0: none) come back with their `data`, up to `MAX_CAPTURE_JOB_BYTES` in
    all. Raises `Cancelled` when the job is cancelled.
    """
    budget = Budget(max_files)
    planned: list[Target | dict[str, Any]] = []
    for path in paths:
        progress.check()
        progress.current_path = path
        left = budget.left
        try:
            target = plan_path(
                area, path, store=store, cache=cache, budget=budget, progress=progress
            )
        except MlopsError as err:
            budget.left = left  # a refused folder does not count against the others
            planned.append({"path": path, "error": err.to_json()})
            continue
        progress.bytes_total += target.size
        planned.append(target)
    buf = bytearray(CHUNK_SIZE)
    capture = Capture(capture_max_bytes, MAX_CAPTURE_JOB_BYTES) if capture_max_bytes > 0 else None
    results: list[dict[str, Any]] = []
    for item in planned:
        if isinstance(item, Target):
            try:
                item = hash_target(area, item, cache, progress, buf, capture)
            except MlopsError as err:
                item = {"path": item.path, "error": err.to_json()}
        results.append(item)
    progress.current_path = ""
    return results
