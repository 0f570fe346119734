"""`MlopsHandler`, the base of every `/mlops/` route: strict bodies, `{code, message}` errors.

Each route's handler parses its body against its `fields`, then runs its
work in a worker thread (`respond`), so a 32 MiB write or a 1000-file
read-many does not stall the server's event loop; the answer is
JSON-encoded there too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any, ClassVar

import tornado.iostream
import tornado.web
from jupyter_server.base.handlers import APIHandler

from .body import Field, check_fields, parse_json_object
from .config import MlopsExtension
from .errors import MlopsError
from .heavy import heavy_work
from .paths import Store, open_store
from .sweep import sweep_if_due

#: A request slower than this logs where its time went (a snapshot was seen
#: waiting 30 s on `write-many` in a long galata run).
SLOW_REQUEST_S = 5.0


class MlopsHandler(APIHandler):
    """Base of the bridge handlers: strict JSON bodies, `{code, message}` errors."""

    #: The fields the route's JSON body may hold.
    fields: ClassVar[dict[str, Field]] = {}

    def who(self) -> dict[str, str]:
        """Who asks, as jupyter_server knows them."""
        user = self.current_user
        username = str(getattr(user, "username", "") or "anonymous")
        name = str(getattr(user, "display_name", "") or getattr(user, "name", "") or username)
        return {"username": username[:200], "name": name[:200]}

    @property
    def mlops(self) -> MlopsExtension:
        """The extension's configuration, kept in the web app's settings."""
        return self.settings["mlops"]

    def store(self, name: str | None) -> Store:
        """Validate and confine the store folder (`None` means the configured one).

        A store's first use in a POST by this process also sweeps its stale
        temp files (POSTs carry the XSRF check); a GET never changes anything.
        """
        store = open_store(
            self.settings["server_root_dir"], self.mlops.store_dir if name is None else name
        )
        if self.request.method == "POST":
            sweep_if_due(self.settings, store, self.mlops.stale_temp_seconds, self.log)
        return store

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Answer an unexpected exception with `{code, message}` too, never a bare 500.

        Refusals by jupyter_server itself (`HTTPError`: no token, bad XSRF)
        keep its own body (docs/bridge.md).
        """
        exc_info = kwargs.get("exc_info")
        exc = exc_info[1] if exc_info else None
        if exc is None or isinstance(exc, tornado.web.HTTPError):
            super().write_error(status_code, **kwargs)
            return
        self.log.error("jupyterlab_mlops: unexpected error", exc_info=exc_info)
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps({"code": "E_INTERNAL", "message": f"unexpected server error: {exc!r}"})
        )

    def parse_body(self) -> dict[str, Any]:
        """Return the request body checked against `fields`, defaults filled in."""
        body = parse_json_object(
            self.request.body,
            self.request.headers.get("Content-Length"),
            self.mlops.max_body_bytes,
        )
        return check_fields(body, self.fields)

    #: This request answered `E_NOT_FOUND`: its access-log line is a debug one.
    _answered_missing = False
    #: Set while jupyter_server writes that line (see `log`).
    _logging_missing = False

    @property
    def log(self) -> logging.Logger | logging.LoggerAdapter[Any]:
        """jupyter_server's logger; while the access line of an `E_NOT_FOUND`
        answer is written, one that writes it at debug level.

        A page asking whether a file or a repository is there (isomorphic-git
        stats every path it may read; a store's first snapshot finds no
        repository) gets a 404 as its answer, dozens per snapshot: logged as
        warnings, they filled the terminal with what looked like faults.
        Other refusals (400, 403, 409, 413…) stay warnings.
        """
        base = super().log
        return _AtDebug(base, {}) if self._logging_missing else base

    def _log(self) -> None:
        self._logging_missing = self._answered_missing
        try:
            super()._log()
        finally:
            self._logging_missing = False

    async def fail(self, err: MlopsError) -> None:
        """Answer with the error's status and its `{code, message}` body."""
        self._answered_missing = err.code == "E_NOT_FOUND"
        self.set_status(err.status)
        await self.finish(json.dumps(err.to_json()))

    async def respond(
        self, operation: Callable[[], dict[str, Any]], *, heavy: bool = False
    ) -> None:
        """Run `operation` off the event loop and answer with its result or error.

        The answer is JSON-encoded in the worker thread too: encoding a
        read-many answer (43 MB for 32 MiB of files) on the event loop would
        hold every other request meanwhile. `heavy` routes run on their own
        threads (`HeavyWork`); beyond its queue they answer `E_BUSY`.
        """

        asked = time.monotonic()
        began: list[float] = []
        refused: list[str] = []

        def encoded() -> tuple[int, bytes]:
            began.append(time.monotonic())
            try:
                result = operation()
            except MlopsError as err:
                refused.append(err.code)
                return err.status, json.dumps(err.to_json()).encode()
            try:
                # No NaN or Infinity: the browser's JSON.parse refuses them.
                return 200, json.dumps(result, allow_nan=False).encode()
            except ValueError as err:
                message = f"the answer holds a number JSON cannot carry: {err}"
                return 500, json.dumps({"code": "E_INTERNAL", "message": message}).encode()

        try:
            if heavy:
                status, payload = await heavy_work(self.settings, self.mlops).run(encoded)
            else:
                status, payload = await asyncio.to_thread(encoded)
        except MlopsError as err:
            if err.code == "E_BUSY":
                self.set_header("Retry-After", "1")
            await self.fail(err)
            return
        finally:
            self._log_slow(asked, began)
        self._answered_missing = refused == ["E_NOT_FOUND"]
        self.set_status(status)
        try:
            await self.finish(payload)
        except tornado.iostream.StreamClosedError:
            # The client went away before its answer: nothing to tell it,
            # and no error of ours (the work itself is done or refused).
            self.log.debug(
                "jupyterlab_mlops: %s %s: client gone", self.request.method, self.request.path
            )

    def _log_slow(self, asked: float, began: list[float]) -> None:
        """Say where a slow request spent its time: waiting for a thread, or working."""
        now = time.monotonic()
        if now - asked < SLOW_REQUEST_S:
            return
        start = began[0] if began else now
        self.log.warning(
            "jupyterlab_mlops: %s %s took %.1f s (%.1f s waiting for a thread, %.1f s working)",
            self.request.method,
            self.request.path,
            now - asked,
            start - asked,
            now - start,
        )


class _AtDebug(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger whose every line is a debug one."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        super().log(logging.DEBUG, msg, *args, **kwargs)
