"""Handlers of the store's file routes, `fs/read` to `fs/rm` (see docs/bridge.md).

One small class per route on `base_handler.MlopsHandler`; `routes.py`
lists every route of the extension in one table. The lock routes are in
`lock_handlers`, `status` and `store/init` in `store_handlers`.
"""

from __future__ import annotations

import base64
from typing import Any

import tornado.web

from . import store_fs, store_layout, store_write
from .base_handler import MlopsHandler
from .body import PATH, STORE, Field
from .errors import MlopsError
from .git_objects import check_object
from .paths import locate, validate_path


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class ReadHandler(MlopsHandler):
    """`POST /mlops/fs/read {path}` → `{path, data, size}`."""

    fields = {**PATH, **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Read one file."""
        # Not heavy: isomorphic-git reads refs and objects through this
        # route one by one, and must not queue behind read-many.
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store = self.store(body["store"])
        data = store_fs.read(store, body["path"], max_bytes=self.mlops.max_read_bytes)
        return {"path": body["path"], "data": _b64(data), "size": len(data)}


class ReadManyHandler(MlopsHandler):
    """`POST /mlops/fs/read-many {paths}` → `{files: [{path, data, size} | {path, error}]}`."""

    fields = {"paths": Field("str_list", required=True), **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Read several files in one round trip."""
        await self.respond(self._run, heavy=True)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        paths: list[str] = body["paths"]
        limit = self.mlops.max_read_many_paths
        if len(paths) > limit:
            raise MlopsError("E_BAD_REQUEST", f"paths holds more than {limit} entries")
        seen: set[str] = set()
        for index, path in enumerate(paths):
            # One answer per path: a path asked twice would be sent twice.
            if path in seen:
                raise MlopsError("E_BAD_REQUEST", f"paths[{index}]: {path!r} is listed twice")
            seen.add(path)
        files: list[dict[str, Any]] = []
        store = self.store(body["store"])
        for path, result in store_fs.read_many(store, paths, self.mlops.max_read_many_bytes):
            if isinstance(result, MlopsError):
                files.append({"path": path, "error": result.to_json()})
            else:
                files.append({"path": path, "data": _b64(result), "size": len(result)})
        return {"files": files}


class WriteHandler(MlopsHandler):
    """`POST /mlops/fs/write {path, data, exclusive?, parents?}` → `{path, size}`."""

    fields = {
        **PATH,
        "data": Field("str", required=True),
        "exclusive": Field("bool", default=False),
        "parents": Field("bool", default=False),
        **STORE,
    }

    @tornado.web.authenticated
    async def post(self) -> None:
        """Write one file atomically."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store_layout.check_writable(validate_path(body["path"]), "write")
        try:
            data = base64.b64decode(body["data"], validate=True)
        except ValueError:
            raise MlopsError("E_BAD_REQUEST", "data is not valid base64") from None
        store = self.store(body["store"])
        # Checked once, then written there: the path is not resolved again.
        target = locate(store, body["path"])
        rel = store_layout.check_target(store, target, "write")
        store_layout.check_content(rel, data)
        if store_layout.LOOSE_OBJECT.match(rel):
            # Written on its own (a batch too large, an older server): still
            # only the object its name says.
            budget = self.mlops.max_write_many_inflated_bytes
            check_object(rel, data, budget, budget)
        size = store_write.write(
            store,
            body["path"],
            data,
            exclusive=body["exclusive"],
            parents=body["parents"],
            target=target,
            guard=store_layout.guard_folder(rel),
        )
        return {"path": body["path"], "size": size}


class ListHandler(MlopsHandler):
    """`POST /mlops/fs/list {path}` → `{path, entries: [{name, type}], missing?}`."""

    fields = {**PATH, **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """List one folder."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        try:
            entries = store_fs.list_dir(self.store(body["store"]), body["path"])
        except MlopsError as err:
            # git makes ref folders on demand: a missing one holds no refs
            # yet (a notebook without experiments, a store not created yet).
            # That is a normal state, not a failed request in the console.
            if err.code != "E_NOT_FOUND" or not store_layout.is_ref_folder(
                validate_path(body["path"])
            ):
                raise
            return {"path": body["path"], "entries": [], "missing": True}
        return {"path": body["path"], "entries": entries}


class StatHandler(MlopsHandler):
    """`POST /mlops/fs/stat {path, follow?}` → `{path, type, size, mode, …}`."""

    fields = {**PATH, "follow": Field("bool", default=True), **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Stat one path."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        info = store_fs.stat_path(self.store(body["store"]), body["path"], follow=body["follow"])
        return {"path": body["path"], **info}


class ReadlinkHandler(MlopsHandler):
    """`POST /mlops/fs/readlink {path}` → `{path, target}`."""

    fields = {**PATH, **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Read one symlink."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        target = store_fs.readlink(self.store(body["store"]), body["path"])
        return {"path": body["path"], "target": target}


class MkdirHandler(MlopsHandler):
    """`POST /mlops/fs/mkdir {path, parents?}` → `{path}`."""

    fields = {**PATH, "parents": Field("bool", default=False), **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Create one folder."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store_layout.check_writable(validate_path(body["path"]), "mkdir")
        store = self.store(body["store"])
        target = locate(store, body["path"], follow=False)
        rel = store_layout.check_target(store, target, "mkdir")
        guard = store_layout.guard_folder(rel)
        store_write.mkdir(store, body["path"], parents=body["parents"], target=target, guard=guard)
        return {"path": body["path"]}


class RmHandler(MlopsHandler):
    """`POST /mlops/fs/rm {path, recursive?}` → `{path}`."""

    fields = {**PATH, "recursive": Field("bool", default=False), **STORE}

    @tornado.web.authenticated
    async def post(self) -> None:
        """Remove one path."""
        await self.respond(self._run)

    def _run(self) -> dict[str, Any]:
        body = self.parse_body()
        store_layout.check_writable(validate_path(body["path"]), "rm")
        store = self.store(body["store"])
        target = locate(store, body["path"], follow=False)
        rel = store_layout.check_target(store, target, "rm")
        if body["recursive"]:
            store_layout.check_removable_tree(target, body["path"])
        guard = store_layout.guard_folder(rel)
        store_write.rm(store, body["path"], recursive=body["recursive"], target=target, guard=guard)
        return {"path": body["path"]}
