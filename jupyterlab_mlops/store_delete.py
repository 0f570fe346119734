"""`POST /mlops/store/delete-ref {store?, ref, old}`: delete an experiment ref as git does.

The lab used to delete an experiment through isomorphic-git, which
removes the loose ref and rewrites `packed-refs` with plain file writes:
without git's `packed-refs.lock`, so a Sync packing its tracking refs at
the same moment could lose the deletion or the Sync's refs. This route
runs `git update-ref -d <ref> <old>` with the hardened environment of the
store's git (store_git): git locks the ref and `packed-refs`, checks that
the ref still holds `old`, and removes it from both.

- Only experiment refs (`refs/exps/<slug>/<ULID>`), and only when they
  still hold `old` (required: no blind deletes). A ref that moved
  meanwhile (an edit from another tab, a Sync) is `E_REF_CHANGED`, one
  already gone `E_NOT_FOUND`, a lock held by another writer `E_LOCKED`;
  nothing is changed then.
- The repository must be the store's own (its template config), and no
  symbolic link may lie on the ref's way or at `packed-refs` (git would
  write through it): `E_UNSAFE_REPOSITORY`.
- The commit's objects stay until `git gc` prunes them.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import tornado.web

from .base_handler import MlopsHandler
from .body import STORE, Field
from .errors import MlopsError
from .paths import Store
from .store_git import EXPERIMENT_REF, check_no_symlinks, open_store_git
from .store_layout import GIT_DIR

_OID = re.compile(r"^[0-9a-f]{40}\Z")
_log = logging.getLogger(__name__)
#: Long enough for git on a slow disk; a delete is two small file writes.
DELETE_TIMEOUT_S = 30.0


def delete_ref(store: Store, ref: str, old: str) -> dict[str, str]:
    """Delete `ref` from the store's repository if it still holds `old`."""
    if not EXPERIMENT_REF.match(ref):
        raise MlopsError("E_BAD_REQUEST", f"ref must be an experiment ref: {ref!r}")
    if not _OID.match(old):
        raise MlopsError("E_BAD_REQUEST", "old must be an object id (40 lowercase hex)")
    git = open_store_git(store, DELETE_TIMEOUT_S, deep=False)
    git_dir = store.path / GIT_DIR
    folder = git_dir
    for part in ref.split("/")[:-1]:
        folder = folder / part
        check_no_symlinks(folder, depth=0)
    for name in (ref, "packed-refs"):
        if (git_dir / name).is_symlink():
            raise MlopsError("E_UNSAFE_REPOSITORY", f"the store's {name} is a symbolic link")
    done = git.run("update-ref", "--no-deref", "-d", ref, old)
    if done.returncode != 0:
        raise _refusal(done.stderr, ref, old)
    return {"ref": ref, "old": old}


def _refusal(stderr: str, ref: str, old: str) -> MlopsError:
    """git's refusal as the bridge's error (its message names no server path)."""
    if "File exists" in stderr:
        return MlopsError("E_LOCKED", f"another writer (git, Sync) is changing {ref}; try again")
    if "unable to resolve reference" in stderr:
        return MlopsError("E_NOT_FOUND", f"no experiment {ref} (deleted already?)")
    if "is at" in stderr:
        return MlopsError(
            "E_REF_CHANGED",
            f"{ref} is no longer at {old}: it changed meanwhile (another tab, or Sync); "
            "nothing was deleted",
        )
    if "Read-only file system" in stderr or "Permission denied" in stderr:
        return MlopsError("E_READ_ONLY", f"the store is read-only: '{GIT_DIR}/{ref}' stays")
    if "No space left" in stderr or "Disk quota exceeded" in stderr:
        return MlopsError("E_NO_SPACE", f"no space left on the device: '{GIT_DIR}/{ref}' stays")
    # git's own words may name the server's folders: they go to its log only.
    _log.warning("git update-ref -d %s failed: %s", ref, stderr.strip()[:2000])
    return MlopsError("E_IO", f"git could not delete {ref} (the server's log says why)")


class StoreDeleteRefHandler(MlopsHandler):
    """`POST /mlops/store/delete-ref {store?, ref, old}` → `{ref, old}`."""

    fields = {
        **STORE,
        "ref": Field("str", required=True),
        "old": Field("str", required=True),
    }

    @tornado.web.authenticated
    async def post(self) -> None:
        """Delete one experiment ref, if it still holds `old`."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store = self.store(body["store"])
        return delete_ref(store, body["ref"], body["old"])
