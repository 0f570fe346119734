"""What the file routes may change inside a store folder (docs/bridge.md, "Threat model").

A store folder holds the experiment repository (`experiments.git`), the
server's hash cache (`cache/`) and the lock files of `fs/lock` (`locks/`).
Clients write through the bridge's file routes, but not everything a file
route can reach is theirs to change:

- Inside a git directory (any component named `.git` or ending in `.git`)
  only what git stores as data is writable: loose objects
  (`objects/xx/<38 hex>` and their fan-out folder), refs (`refs/…`) and
  `packed-refs`. Its `config`, `hooks/`, `info/`, `HEAD` and the rest hold
  settings that git acts on (`core.pager`, `core.fsmonitor`, aliases, hook
  scripts): a client that could plant them would run commands the next time
  anyone types `git log` there. The store's repository is created by the
  server, once, from a fixed template (`store_init`).
- `cache/` is written by the server only (the hash cache).
- `locks/` is changed through `fs/lock` and `fs/unlock` only, and those
  routes take no path outside it.

Everything else in the store folder is ordinary data for the file routes.
"""

from __future__ import annotations

import re

from .errors import MlopsError

#: The store's repository, relative to the store folder.
GIT_DIR = "experiments.git"
#: The server's own folder (hash cache); no file route writes there.
CACHE_DIR = "cache"
#: The only folder `fs/lock` creates lock files in.
LOCK_DIR = "locks"

#: A loose object of the store's repository, relative to the store folder.
LOOSE_OBJECT = re.compile(rf"^{re.escape(GIT_DIR)}/objects/([0-9a-f]{{2}})/([0-9a-f]{{38}})$")

# Inside a git directory: what the file routes may create, replace or remove.
_OBJECT_FILE = re.compile(r"^objects/[0-9a-f]{2}/[0-9a-f]{38}$")
_OBJECT_FOLDER = re.compile(r"^objects/[0-9a-f]{2}$")


def _is_git_dir(component: str) -> bool:
    # Case-insensitive: on macOS and Windows `X.GIT` is the same folder.
    lowered = component.lower()
    return lowered == ".git" or lowered.endswith(".git")


def _inside_git_dir(rest: str, operation: str) -> bool:
    if rest == "refs" or rest.startswith("refs/"):
        # The `refs` folder itself may be made, never removed.
        return not (rest == "refs" and operation == "rm")
    if rest == "packed-refs":
        return operation in ("write", "rm")
    if _OBJECT_FILE.match(rest):
        return operation == "write"
    if _OBJECT_FOLDER.match(rest):
        return operation == "mkdir"
    return False


def check_writable(rel: str, operation: str) -> None:
    """Refuse a file-route change (`write`, `mkdir`, `rm`) the store does not allow.

    `rel` is a path already checked by `paths.validate_path` (relative to the
    store folder, `.` components dropped). Raises `E_PATH_NOT_WRITABLE`.
    """
    parts = rel.split("/") if rel else []
    if parts and parts[0] in (CACHE_DIR, LOCK_DIR):
        raise MlopsError(
            "E_PATH_NOT_WRITABLE",
            f"{rel!r} is in the store's {parts[0]}/ folder, which only the server changes",
        )
    for index, part in enumerate(parts):
        if _is_git_dir(part):
            rest = "/".join(parts[index + 1 :])
            if rest and _inside_git_dir(rest, operation):
                return
            raise MlopsError(
                "E_PATH_NOT_WRITABLE",
                f"{rel!r} is not writable: inside a git directory only objects/, refs/ and "
                "packed-refs are (its config, hooks and HEAD are set up by the server)",
            )


def lock_path(rel: str) -> None:
    """Refuse a lock outside the store's `locks/` folder (`E_PATH_NOT_WRITABLE`)."""
    if not rel.startswith(f"{LOCK_DIR}/"):
        raise MlopsError(
            "E_PATH_NOT_WRITABLE", f"locks are taken under {LOCK_DIR}/ only, not {rel!r}"
        )
