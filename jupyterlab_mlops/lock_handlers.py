"""Handlers of the lock routes, `fs/lock` and `fs/unlock` (see docs/bridge.md).

A lock is a file in the store's `locks/` folder (`locks`); these handlers
check that the path given lands there before taking or releasing it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tornado.web

from . import locks, store_layout
from .base_handler import MlopsHandler
from .body import PATH, STORE, Field
from .errors import MlopsError
from .paths import Store, validate_path


def lock_store(handler: MlopsHandler, name: str | None, path: str) -> tuple[Store, Path]:
    """The store of a lock route and the lock file, known to land in its `locks/`."""
    rel = validate_path(path)
    store_layout.lock_path(rel)
    store = handler.store(name)
    store_layout.check_store(store)
    target = locks.lock_file(store, rel)
    store_layout.lock_path(target.relative_to(store.path).as_posix())
    return store, target


class LockHandler(MlopsHandler):
    """`POST /mlops/fs/lock {path, ttlMs?}` → `{path, token}`."""

    fields = {**PATH, "ttlMs": Field("int", default=locks.DEFAULT_TTL_MS), **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Take one lock."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        if not 1 <= body["ttlMs"] <= locks.MAX_TTL_MS:
            raise MlopsError(
                "E_BAD_REQUEST", f"ttlMs must be an integer from 1 to {locks.MAX_TTL_MS}"
            )
        store, target = lock_store(self, body["store"], body["path"])
        guard = store_layout.guard_folder(target.relative_to(store.path).as_posix())
        token = locks.lock(store, body["path"], body["ttlMs"], target=target, guard=guard)
        return {"path": body["path"], "token": token}


class UnlockHandler(MlopsHandler):
    """`POST /mlops/fs/unlock {path, token}` → `{path}`."""

    fields = {**PATH, "token": Field("str", required=True), **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Release one lock."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store, target = lock_store(self, body["store"], body["path"])
        locks.unlock(store, body["path"], body["token"], target=target)
        return {"path": body["path"]}
