"""Handlers of the routes on the bridge and store as a whole (see docs/bridge.md).

`status` answers what this server offers (`CAPABILITIES`, limits) and
whether the store folder exists; `store/init` creates its repository.
"""

from __future__ import annotations

from typing import Any

import tornado.web

from . import store_layout
from .base_handler import MlopsHandler
from .body import STORE, Field
from .git_safe import project_origin
from .store_index import INDEX_TIMEOUT_S, list_refs, read_manifests
from .store_init import init_store
from .store_sync import sync
from .sync_remote import choose_remote
from .version import __version__

CAPABILITIES = [
    "fs",
    "read-many",
    "write-many",
    "commit",
    "write-blob",
    "lock",
    "hash",
    "project-git",
    "store-init",
    "store-sync",
    "store-index",
    "store-delete-ref",
]


class StatusHandler(MlopsHandler):
    """`GET /mlops/status[?store=]`: version, store, capabilities, limits."""

    @tornado.web.authenticated
    async def get(self) -> None:
        """Answer the status of the bridge and of the store folder."""
        name = self.get_query_argument("store", None)
        await self.respond(lambda: self._run(name))

    def _run(self, name: str | None) -> dict[str, Any]:
        store = self.store(name)
        return {
            "version": __version__,
            "storeDir": store.name,
            "storeExists": store.exists,
            "capabilities": CAPABILITIES,
            "limits": {
                "maxBodyBytes": self.mlops.max_body_bytes,
                "maxReadManyPaths": self.mlops.max_read_many_paths,
            },
        }


class StoreInitHandler(MlopsHandler):
    """`POST /mlops/store/init {store?}` → `{gitDir, created, configIsTemplate}`."""

    fields = {**STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Create the store's repository from the fixed template where it is missing."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store = self.store(body["store"])
        store_layout.check_store(store)
        return init_store(store)


class StoreSyncHandler(MlopsHandler):
    """`POST /mlops/store/sync {store?, remote?}` → `{remote, pushed, fetched, …}` (store_sync)."""

    fields = {**STORE, "remote": Field("str", default="")}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Fetch everyone's experiments from the remote and push this store's."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store = self.store(body["store"])
        store_layout.check_store(store)
        configured = self.mlops.experiments_remote
        origin = None
        if not body["remote"] and not configured:
            origin = project_origin(store.path.parent, store.root)
        url = choose_remote(body["remote"], configured, origin)
        # A new team member's first Sync: the store is made from the
        # template (what exists is left alone, so a config from elsewhere
        # stays and is refused).
        init_store(store)
        return sync(store, url, timeout_s=self.mlops.sync_timeout_seconds)


class StoreRefsHandler(MlopsHandler):
    """`POST /mlops/store/refs {store?, slug?, since?}` → `{refs, broken, token, unchanged?}`."""

    fields = {**STORE, "slug": Field("str", default=""), "since": Field("str", default="")}

    @tornado.web.authenticated
    async def post(self) -> None:
        """List the experiment refs (of one notebook, or all) with `git for-each-ref`."""
        await self.respond(self._run, heavy=True)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store = self.store(body["store"])
        return list_refs(store, INDEX_TIMEOUT_S, body["slug"], body["since"])


class StoreManifestsHandler(MlopsHandler):
    """`POST /mlops/store/manifests {store?, commits}` → `{manifests: [{commit, text | error}]}`."""

    fields = {**STORE, "commits": Field("str_list", required=True)}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Read the manifests of many experiments with one `git cat-file --batch`."""
        await self.respond(self._run, heavy=True)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store = self.store(body["store"])
        return read_manifests(
            store,
            INDEX_TIMEOUT_S,
            body["commits"],
            self.mlops.max_read_many_bytes,
            self.mlops.max_read_many_paths,
        )
