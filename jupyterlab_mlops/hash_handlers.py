"""Tornado handlers of `/mlops/hash` (see docs/bridge.md, "Hashing").

`POST /mlops/hash` starts a job and waits a little for it, so cached and
small inputs answer in one round trip; `GET`/`DELETE /mlops/hash/<jobId>`
poll and cancel. The waiting is asyncio's: a slow job holds no thread but
its own worker.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import tornado.web

from .base_handler import MlopsHandler
from .body import STORE, Field
from .config import MlopsExtension
from .errors import MlopsError
from .hash_jobs import SETTINGS_KEY, HashJob, HashJobs
from .hash_key import default_key_file, load_key
from .hashing import MAX_CAPTURE_FILE_BYTES

MAX_PATHS = 1000
DEFAULT_WAIT_MS = 200
MAX_WAIT_MS = 10_000


class _HashBase(MlopsHandler):
    @property
    def jobs(self) -> HashJobs:
        """The server's hashing jobs, kept in the web app's settings."""
        return self.settings[SETTINGS_KEY]


class HashHandler(_HashBase):
    """`POST /mlops/hash {paths, store?, waitMs?, captureMaxBytes?}` → job status."""

    fields = {
        "paths": Field("str_list", required=True),
        "waitMs": Field("int", default=DEFAULT_WAIT_MS),
        "captureMaxBytes": Field("int", default=0),
        **STORE,
    }

    @tornado.web.authenticated
    async def post(self) -> None:
        """Start hashing, wait up to `waitMs` for the result, answer the status."""
        try:
            job, wait_ms = await asyncio.to_thread(self._start)
        except MlopsError as err:
            if err.code == "E_BUSY":
                self.set_header("Retry-After", "1")
            await self.fail(err)
            return
        if wait_ms:
            # asyncio.wait leaves the job alone on timeout (no cancel).
            await asyncio.wait({asyncio.wrap_future(job.done)}, timeout=wait_ms / 1000)
        # Off the event loop: captured data can make this tens of megabytes.
        await self.finish(await asyncio.to_thread(lambda: json.dumps(job.to_json())))

    def _start(self) -> tuple[HashJob, int]:
        body = self.parse_body()
        paths, wait_ms, capture = body["paths"], body["waitMs"], body["captureMaxBytes"]
        if not 1 <= len(paths) <= MAX_PATHS:
            raise MlopsError("E_BAD_REQUEST", f"paths must hold 1 to {MAX_PATHS} entries")
        if not 0 <= wait_ms <= MAX_WAIT_MS:
            raise MlopsError("E_BAD_REQUEST", f"waitMs must be an integer from 0 to {MAX_WAIT_MS}")
        if not 0 <= capture <= MAX_CAPTURE_FILE_BYTES:
            raise MlopsError(
                "E_BAD_REQUEST",
                f"captureMaxBytes must be an integer from 0 to {MAX_CAPTURE_FILE_BYTES}",
            )
        store = self.store(body["store"])
        return self.jobs.start(store, paths, capture), wait_ms


class HashJobHandler(_HashBase):
    """`GET /mlops/hash/<jobId>` → status; `DELETE` → cancel, then status."""

    @tornado.web.authenticated
    async def get(self, job_id: str) -> None:
        """Answer the status of one job."""
        await self.respond(lambda: self.jobs.get(job_id).to_json())

    @tornado.web.authenticated
    async def delete(self, job_id: str) -> None:
        """Cancel one job (a finished one stays as it is) and answer its status."""
        await self.respond(lambda: self.jobs.cancel(job_id).to_json())


def create_hash_jobs(
    settings: MutableMapping[str, Any], config: MlopsExtension, log: logging.Logger
) -> None:
    """Create the server's job registry (routes are in `routes.py`)."""
    key_file = config.hash_cache_key_file
    settings[SETTINGS_KEY] = HashJobs(
        settings["server_root_dir"],
        max_jobs=config.max_hash_jobs,
        max_files=config.max_hash_files,
        cache_entries=config.hash_cache_entries,
        log=log,
        cache_key=load_key(Path(key_file).expanduser() if key_file else default_key_file(), log),
    )
