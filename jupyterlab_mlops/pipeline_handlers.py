"""Tornado handlers of `/mlops/pipeline/…` (docs/bridge.md, "Pipelines").

Thin: each reads its query and body, then runs the work of
`pipeline_export` / `pipeline_runs` in a worker thread (`respond`), which
answers `{code, message}` on any refusal. Every method is authenticated;
POSTs pass jupyter_server's XSRF check.
"""

from __future__ import annotations

import re
from typing import Any

import tornado.web

from .base_handler import MlopsHandler
from .body import Field, check_fields, parse_json_object
from .errors import MlopsError
from .pipeline_export import list_exports, plan_export, write_export
from .pipeline_runs import cancel_run, notebook_runs, read_log, run_status, start_run

_OFFSET = re.compile(r"[0-9]{1,16}")


class _PipelineHandler(MlopsHandler):
    """Shared reading of `?name=` arguments and of bodies with object fields."""

    #: Body fields that hold JSON objects (checked by the route's own code).
    object_fields: tuple[str, ...] = ()

    @property
    def root_dir(self) -> str:
        """The Jupyter root, as the server has it."""
        return self.settings["server_root_dir"]

    def arg(self, name: str, default: str | None = None) -> str:
        """The one `?name=` argument (`default` when absent; required without one)."""
        try:
            values = self.get_query_arguments(name, strip=False)
        except tornado.web.HTTPError:
            raise MlopsError("E_BAD_REQUEST", f"?{name}= is not UTF-8") from None
        if len(values) > 1:
            raise MlopsError("E_BAD_REQUEST", f"?{name}= given {len(values)} times")
        if values:
            return values[0]
        if default is None:
            raise MlopsError("E_BAD_REQUEST", f"missing ?{name}=")
        return default

    def body(self) -> dict[str, Any]:
        """The body checked against `fields`; `object_fields` taken as they are (or None)."""
        body = parse_json_object(
            self.request.body or b"{}",
            self.request.headers.get("Content-Length"),
            self.mlops.max_body_bytes,
        )
        objects = {name: body.pop(name, None) for name in self.object_fields}
        return {**check_fields(body, self.fields), **objects}


class PipelineExportHandler(_PipelineHandler):
    """`POST /mlops/pipeline/export {notebook, target, files}`; `GET …?notebook=`."""

    fields = {"notebook": Field("str", required=True), "target": Field("str", required=True)}
    object_fields = ("files",)

    @tornado.web.authenticated
    async def get(self) -> None:
        """Where the notebook's exports are, per target."""
        await self.respond(lambda: list_exports(self.root_dir, self.arg("notebook")))

    @tornado.web.authenticated
    async def post(self) -> None:
        """Check, then write an export next to the notebook."""
        await self.respond(lambda: write_export(plan_export(self.root_dir, self.body())))


class PipelineRunsHandler(_PipelineHandler):
    """`POST /mlops/pipeline/runs {notebook, params?, force?, expect?}`; `GET …?notebook=`."""

    fields = {"notebook": Field("str", required=True), "force": Field("bool", default=False)}
    object_fields = ("params", "expect")

    @tornado.web.authenticated
    async def get(self) -> None:
        """The runs of the notebook's local export, newest first."""
        await self.respond(lambda: notebook_runs(self.root_dir, self.arg("notebook")))

    @tornado.web.authenticated
    async def post(self) -> None:
        """Start a run of the notebook's local export."""
        await self.respond(lambda: start_run(self.root_dir, self.body()))


class PipelineRunHandler(_PipelineHandler):
    """`GET /mlops/pipeline/runs/<run>?notebook=`: one run's status."""

    @tornado.web.authenticated
    async def get(self, run: str) -> None:
        """The run's status.json (interrupted when its runner is gone)."""
        await self.respond(lambda: run_status(self.root_dir, self.arg("notebook"), run))


class PipelineRunLogHandler(_PipelineHandler):
    """`GET /mlops/pipeline/runs/<run>/log?notebook=&step=&offset=`: a piece of a step's log."""

    @tornado.web.authenticated
    async def get(self, run: str) -> None:
        """Up to 256 KiB of the step's log from `offset`."""

        def answer() -> dict[str, Any]:
            offset = self.arg("offset", "0")
            if not _OFFSET.fullmatch(offset):
                raise MlopsError("E_BAD_REQUEST", "offset must be a non-negative integer")
            return read_log(self.root_dir, self.arg("notebook"), run, self.arg("step"), int(offset))

        await self.respond(answer)


class PipelineRunCancelHandler(_PipelineHandler):
    """`POST /mlops/pipeline/runs/<run>/cancel?notebook=` (body `{}` or none)."""

    @tornado.web.authenticated
    async def post(self, run: str) -> None:
        """SIGTERM to the run's runner."""

        def answer() -> dict[str, Any]:
            self.body()
            return cancel_run(self.root_dir, self.arg("notebook"), run)

        await self.respond(answer)
