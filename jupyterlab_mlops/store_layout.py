"""What the file routes may change inside a store folder (docs/bridge.md, "Threat model").

A store folder holds the experiment repository (`experiments.git`), the
server's hash cache (`cache/`) and the lock files of `fs/lock` (`locks/`).
Clients write through the bridge's file routes, but not everything a file
route can reach is theirs to change. A git directory's `config`, hooks,
`commondir` and the like hold settings that git acts on (`core.pager`,
`core.fsmonitor`, aliases, hook scripts): a client that could plant them
would run commands the next time anyone types `git log` there. So the
rules are about the final state, whatever the order of the requests:

- In the store's repository, `experiments.git`, only what git stores as
  data is writable: loose objects (`objects/xx/<38 hex>` and their fan-out
  folder), refs (`refs/…`, every component a plain ref name, each ref file
  holding one object id) and `packed-refs` (in git's format). Its config
  and HEAD are written by the server, once, from a fixed template
  (`store_init`).
- No other git directory is writable at all (a component named `.git` or
  ending in `.git`, any case), and nothing named `HEAD` (any case) is made
  anywhere: git takes a folder for a repository only when it holds a HEAD,
  so no new repository can be assembled through the file routes, in
  whatever order its files are written.
- `cache/` is written by the server only (the hash cache), `registry/` by
  the registry's routes only (versions, aliases and the audit log change
  together, under its lock); `locks/` is
  changed through `fs/lock` and `fs/unlock` only, and those routes take no
  path outside it.

The rules apply to where a change really lands (`check_target`, on the
path `paths.locate` resolved): a symlink `x` → `experiments.git` does not
make `x/config` writable, a store folder that is or lies inside a git
directory is refused, and a folder git would take for a repository (it
holds `HEAD`, `objects/` and `refs/`, as a copied store might) counts as
one whatever its name.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from .errors import MlopsError
from .paths import Store

#: The store's repository, relative to the store folder.
GIT_DIR = "experiments.git"
#: The server's own folder (hash cache); no file route writes there.
CACHE_DIR = "cache"
#: The only folder `fs/lock` creates lock files in.
LOCK_DIR = "locks"
#: The local model registry: changed by its own routes only (registry_store).
REGISTRY_DIR = "registry"

#: A loose object of the store's repository, relative to the store folder.
LOOSE_OBJECT = re.compile(rf"^{re.escape(GIT_DIR)}/objects/([0-9a-f]{{2}})/([0-9a-f]{{38}})$")

_OBJECT_FILE = re.compile(r"^objects/[0-9a-f]{2}/[0-9a-f]{38}$")
_OBJECT_FOLDER = re.compile(r"^objects/[0-9a-f]{2}$")
#: One component of a ref name we write (`refs/exps/<slug>/<ulid>`): a
#: subset of `git check-ref-format` that no shell or git option can
#: mistake for anything else (no leading `-` or `.`).
_REF_COMPONENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$")
_REF_FILE = re.compile(rb"^[0-9a-f]{40}\n?$")
_PACKED_LINE = re.compile(
    rb"^(?:# pack-refs with:[ a-z-]*|\^[0-9a-f]{40}|[0-9a-f]{40} (refs/\S+))$"
)


def _refused(rel: str, why: str) -> MlopsError:
    return MlopsError("E_PATH_NOT_WRITABLE", f"{rel!r} is not writable: {why}")


def _is_git_dir(component: str) -> bool:
    # Case-insensitive: on macOS and Windows `X.GIT` is the same folder.
    lowered = component.lower()
    return lowered == ".git" or lowered.endswith(".git")


def is_ref_name(name: str) -> bool:
    """Whether `name` (`refs/…`) is a ref name the store's refs may hold."""
    parts = name.split("/")
    return (
        len(parts) >= 2
        and parts[0] == "refs"
        and all(
            _REF_COMPONENT.match(part)
            and not part.endswith((".lock", "."))
            and ".." not in part
            and part.lower() != "head"
            and not _is_git_dir(part)
            for part in parts[1:]
        )
    )


def is_ref_folder(rel: str) -> bool:
    """Whether `rel` (normalized) names a folder of refs in the store's repository.

    git makes these on demand, so a missing one is a repository with no such
    refs yet: `fs/list` answers it as an empty listing.
    """
    refs = f"{GIT_DIR}/refs"
    return rel == refs or (rel.startswith(f"{refs}/") and is_ref_name(rel[len(GIT_DIR) + 1 :]))


def _in_repository(rest: str, operation: str) -> bool:
    """Whether `operation` may change `rest`, a path inside `experiments.git`."""
    if rest == "refs":
        return operation == "mkdir"
    if rest.startswith("refs/"):
        return is_ref_name(rest)
    if rest == "packed-refs":
        return operation in ("write", "rm")
    if _OBJECT_FILE.match(rest):
        return operation == "write"
    return bool(_OBJECT_FOLDER.match(rest)) and operation == "mkdir"


def check_writable(rel: str, operation: str) -> None:
    """Refuse a file-route change (`write`, `mkdir`, `rm`) the store does not allow.

    `rel` is a path checked by `paths.validate_path` (relative to the store
    folder, `.` components dropped). Raises `E_PATH_NOT_WRITABLE`.
    """
    parts = rel.split("/") if rel else []
    if parts and parts[0] in (CACHE_DIR, LOCK_DIR, REGISTRY_DIR):
        raise _refused(rel, f"the store's {parts[0]}/ folder is changed by the server only")
    for index, part in enumerate(parts):
        if not _is_git_dir(part):
            continue
        rest = "/".join(parts[index + 1 :])
        if index == 0 and part == GIT_DIR and rest and _in_repository(rest, operation):
            return
        raise _refused(
            rel,
            f"in {GIT_DIR} only objects/, refs/ (plain ref names) and packed-refs are, and "
            "no other git directory is (its config, hooks and HEAD are set up by the server)",
        )
    if any(part.lower() == "head" for part in parts):
        raise _refused(rel, "a HEAD would make its folder a git repository")


def check_content(rel: str, data: bytes) -> None:
    """Refuse a ref or `packed-refs` of the store's repository that git would not write.

    A ref holds one object id; `packed-refs` holds git's header, `<id>
    <ref name>` lines and peeled `^<id>` lines. Raises `E_BAD_REQUEST`.
    """
    if rel.startswith(f"{GIT_DIR}/refs/"):
        if not _REF_FILE.match(data):
            raise MlopsError("E_BAD_REQUEST", f"{rel!r}: a ref holds one object id (40 hex)")
    elif rel == f"{GIT_DIR}/packed-refs":
        for number, line in enumerate(data.split(b"\n"), start=1):
            match = _PACKED_LINE.match(line)
            if line and (match is None or (match[1] and not is_ref_name(match[1].decode()))):
                raise MlopsError(
                    "E_BAD_REQUEST", f"{rel!r}: line {number} is not in git's packed-refs format"
                )


def _looks_like_git_dir(folder: Path) -> bool:
    """Whether git would take `folder` for a repository (HEAD, objects/, refs/)."""
    try:
        head = os.lstat(folder / "HEAD").st_mode
        return (
            (stat.S_ISREG(head) or stat.S_ISLNK(head))
            and stat.S_ISDIR(os.lstat(folder / "objects").st_mode)
            and stat.S_ISDIR(os.lstat(folder / "refs").st_mode)
        )
    except OSError:
        return False


def check_store(store: Store) -> None:
    """Refuse a store folder that is, or is inside, a git directory.

    `store=".mlops/experiments.git"` with `path="config"` would otherwise
    reach the repository's config as a plain path.
    """
    folder = store.path
    while folder != store.root and folder.is_relative_to(store.root):
        if _is_git_dir(folder.name) or _looks_like_git_dir(folder):
            raise MlopsError(
                "E_PATH_NOT_WRITABLE",
                f"the store {store.name!r} is inside a git directory; the file routes do "
                "not write there",
            )
        parent = folder.parent
        # `store="s/locks"` would reach store s's locks as plain files.
        if folder.name in (CACHE_DIR, LOCK_DIR) and (parent / GIT_DIR).is_dir():
            raise MlopsError(
                "E_PATH_NOT_WRITABLE",
                f"the store {store.name!r} is inside another store's {folder.name}/ folder",
            )
        folder = parent


def check_target(store: Store, target: Path, operation: str) -> str:
    """Apply the store layout to `target`, the real path a change lands on.

    `target` comes from `paths.locate` (symlinks resolved, confined to the
    store). A folder below the store that git would take for a repository
    is refused like a `.git` one. Returns the target relative to the
    store. Raises `E_PATH_NOT_WRITABLE`.
    """
    check_store(store)
    rel = target.relative_to(store.path).as_posix() if target != store.path else ""
    check_writable(rel, operation)
    parts = rel.split("/") if rel else []
    for index in range(1, len(parts) + 1):
        if index == 1 and parts[0] == GIT_DIR:
            continue  # judged by check_writable
        if _looks_like_git_dir(store.path.joinpath(*parts[:index])):
            raise _refused(rel, f"{'/'.join(parts[:index])!r} is a git repository")
    return rel


#: Deepest folder a recursive `rm` removes (a store nests about 6 deep).
MAX_RM_DEPTH = 64


def check_removable_tree(target: Path, rel: str) -> None:
    """Refuse a recursive `rm` of a tree holding a repository, or nested too deep.

    Walked without following symlinks, before anything is removed: a
    refusal leaves the tree whole.
    """
    stack = [(target, 0)]
    while stack:
        folder, depth = stack.pop()
        if depth > MAX_RM_DEPTH:
            raise MlopsError("E_PATH_TOO_LONG", f"{rel!r} nests deeper than {MAX_RM_DEPTH} folders")
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # removal will say what is wrong
        for entry in entries:
            if entry.name.lower() == "head" or _is_git_dir(entry.name):
                raise _refused(rel, f"it holds {entry.name!r}, part of a git repository")
            if entry.is_dir(follow_symlinks=False):
                stack.append((Path(entry.path), depth + 1))


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)


def _holds_head(dir_fd: int) -> bool:
    try:
        os.stat("HEAD", dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot tell: refuse rather than write into a repository
    return True


def guard_folder(rel: str) -> Callable[[int, str], None]:
    """A check of the folders a change of `rel` acts in, once they are open.

    Between `check_target` and the write, a folder may be renamed away and
    a repository renamed into its place (`O_NOFOLLOW` does not see a
    rename). So the folder the change acts in, and each folder above it up
    to the store (reached through `..` of the open descriptor, so as they
    are now), must hold no HEAD; only the store's own `experiments.git`
    may, for changes inside it.
    """
    parts = rel.split("/")

    def guard(dir_fd: int, name: str) -> None:
        del name  # the folders decide; the name was judged by check_target
        fd, opened = dir_fd, []
        try:
            for level in range(len(parts) - 1, -1, -1):
                inside_repository = level == 1 and parts[0] == GIT_DIR
                if _holds_head(fd) and not inside_repository:
                    raise _refused(
                        rel, "a folder on its way became a git repository while the request ran"
                    )
                if level:
                    fd = os.open("..", _DIR_FLAGS, dir_fd=fd)
                    opened.append(fd)
        finally:
            for each in opened:
                os.close(each)

    return guard


def lock_path(rel: str) -> None:
    """Refuse a lock outside the store's `locks/` folder (`E_PATH_NOT_WRITABLE`)."""
    if not rel.startswith(f"{LOCK_DIR}/"):
        raise MlopsError(
            "E_PATH_NOT_WRITABLE", f"locks are taken under {LOCK_DIR}/ only, not {rel!r}"
        )
