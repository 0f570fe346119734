"""Hashing jobs: one worker thread each, their status, their expiry.

One `HashJobs` registry lives per server in `web_app.settings` (key
`SETTINGS_KEY`), next to the extension's configuration; nothing is kept at
module level. It also holds the in-memory hash cache of each store folder,
loaded on the first job that uses it, and the key its entries are signed with.

A running job holds one of `max_jobs` slots; its worker gives the slot back
whatever ends it (a bug included), or the server would soon answer `E_BUSY`
to every request until restarted.
"""

from __future__ import annotations

import concurrent.futures
import logging
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import MlopsError
from .hash_cache import HashCache
from .hash_stream import Cancelled, Progress
from .hashing import hash_paths, root_area
from .paths import Store

#: Key of the registry in `web_app.settings`.
SETTINGS_KEY = "mlops_hash_jobs"
#: Finished jobs answer status requests this long, then are forgotten.
JOB_TTL_S = 300.0
#: Finished jobs kept at most, however recent (oldest forgotten first).
MAX_FINISHED_JOBS = 256
#: Captured bytes (base64) held by finished jobs at most (oldest forgotten first).
MAX_FINISHED_CAPTURE_CHARS = 128 * 1024 * 1024


#: A job slower than this logs where its time went.
SLOW_JOB_S = 5.0


class HashJob:
    """One hashing request: paths, progress, and state.

    `state` goes from `running` to `done`, `cancelled` or `failed`, once.
    `done` resolves at that moment (a waiting request then answers at once).
    """

    def __init__(self, job_id: str, paths: list[str], capture_max_bytes: int = 0) -> None:
        self.id = job_id
        self.paths = paths
        self.capture_max_bytes = capture_max_bytes
        self.progress = Progress()
        self.state = "running"
        self.results: list[dict[str, Any]] | None = None
        self.error: dict[str, str] | None = None
        self.finished_at: float | None = None
        #: Characters of base64 `data` in `results`, for the memory bound.
        self.captured = 0
        self.done: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._lock = threading.Lock()

    def finish(
        self,
        state: str,
        now: float,
        *,
        results: list[dict[str, Any]] | None = None,
        error: dict[str, str] | None = None,
    ) -> None:
        """Move out of `running`; a job already finished (say, cancelled) stays as it is."""
        with self._lock:
            if self.state != "running":
                return
            self.state, self.results, self.error = state, results, error
            self.finished_at = now
            self.captured = sum(len(r.get("data", "")) for r in results or ())
            self.progress.current_path = ""
            self.done.set_result(None)

    def cancel(self, now: float) -> None:
        """Cancel a running job; its worker stops before its next chunk."""
        self.progress.cancel.set()
        self.finish("cancelled", now)

    def to_json(self) -> dict[str, Any]:
        """The job status of docs/bridge.md."""
        progress = self.progress
        status: dict[str, Any] = {
            "jobId": self.id,
            "state": self.state,
            # Sizes may change under us; a progress bar never runs past the end.
            "bytesDone": min(progress.bytes_done, progress.bytes_total),
            "bytesTotal": progress.bytes_total,
            # A cancelled worker may still be finishing its chunk.
            "currentPath": progress.current_path if self.state == "running" else "",
        }
        if self.results is not None:
            status["results"] = self.results
        if self.error is not None:
            status["error"] = self.error
        return status


class HashJobs:
    """The hashing jobs of one server, and the hash caches of its stores."""

    def __init__(
        self,
        root_dir: str,
        *,
        max_jobs: int,
        max_files: int,
        cache_entries: int,
        log: logging.Logger,
        cache_key: bytes | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.area = root_area(root_dir)
        # Without a key (tests) the cache is trusted by this registry only.
        self.cache_key = cache_key if cache_key is not None else secrets.token_bytes(32)
        self.max_jobs = max_jobs
        self.max_files = max_files
        self.cache_entries = cache_entries
        self._log = log
        self._clock = clock
        self._jobs: dict[str, HashJob] = {}
        self._caches: dict[Path, HashCache] = {}
        self._running = 0
        self._lock = threading.Lock()

    def start(self, store: Store, paths: list[str], capture_max_bytes: int = 0) -> HashJob:
        """Start hashing `paths` in a new worker thread, the cache in `store`.

        Files named in `paths` of at most `capture_max_bytes` come back with
        their bytes (see `hashing.hash_paths`).

        Refused with `E_BUSY` while `max_jobs` workers are running: the
        client retries (the answer says when) rather than queueing unseen.
        """
        with self._lock:
            self._prune()
            if self._running >= self.max_jobs:
                raise MlopsError(
                    "E_BUSY", f"{self.max_jobs} hashing jobs are running already; retry shortly"
                )
            job = HashJob(secrets.token_urlsafe(16), list(paths), capture_max_bytes)
            cache = self._caches.get(store.path)
            if cache is None:
                cache = HashCache(store, self.cache_entries, self._log, self.cache_key)
                self._caches[store.path] = cache
            self._jobs[job.id] = job
            self._running += 1
        # Daemon: a server shutting down does not wait for a 100 GB file.
        worker = threading.Thread(
            target=self._work, args=(job, store, cache), name="mlops-hash", daemon=True
        )
        try:
            worker.start()
        except RuntimeError:  # the OS refused a thread
            with self._lock:
                self._running -= 1
                del self._jobs[job.id]
            raise MlopsError("E_BUSY", "no thread available for hashing; retry shortly") from None
        return job

    def _work(self, job: HashJob, store: Store, cache: HashCache) -> None:
        try:
            job.finish("done", self._clock(), results=self._hash(job, store, cache))
        except Cancelled:
            job.finish("cancelled", self._clock())
        except MlopsError as err:
            job.finish("failed", self._clock(), error=err.to_json())
        except Exception as exc:
            # A bug must fail the job visibly, not leave it running forever;
            # the message names no server path (the log has the traceback).
            self._log.exception("jupyterlab_mlops: hashing job %s failed", job.id)
            message = f"hashing failed on the server ({type(exc).__name__}); see the server log"
            job.finish("failed", self._clock(), error={"code": "E_IO", "message": message})
        finally:
            # First, and with nothing before it that can raise: the slot.
            with self._lock:
                self._running -= 1
            # Whatever stopped the worker, its job does not stay `running`.
            stopped = {"code": "E_IO", "message": "the hashing worker stopped unexpectedly"}
            job.finish("failed", self._clock(), error=stopped)

    def _hash(self, job: HashJob, store: Store, cache: HashCache) -> list[dict[str, Any]]:
        started = self._clock()
        hashed = started
        try:
            results = hash_paths(
                self.area,
                job.paths,
                store=store.path,
                cache=cache,
                progress=job.progress,
                max_files=self.max_files,
                capture_max_bytes=job.capture_max_bytes,
            )
            hashed = self._clock()
            return results
        finally:
            # Before `done`, so a finished job's hashes are on disk; also after
            # a cancel or a failure, whose hashes computed so far are right.
            cache.save()
            self._log_slow(job, started, hashed)

    def _log_slow(self, job: HashJob, started: float, hashed: float) -> None:
        """Say where a slow job spent its time (snapshots seen waiting at 0%)."""
        saved = self._clock()
        if saved - started >= SLOW_JOB_S:
            self._log.warning(
                "jupyterlab_mlops: hashing job %s took %.1f s: %d paths, %d bytes hashed "
                "in %.1f s, hash cache saved in %.1f s",
                job.id,
                saved - started,
                len(job.paths),
                job.progress.bytes_done,
                max(0.0, hashed - started),
                saved - max(hashed, started),
            )

    def get(self, job_id: str) -> HashJob:
        """The job `job_id`, or `E_JOB_NOT_FOUND` (never existed, or expired)."""
        with self._lock:
            self._prune()
            job = self._jobs.get(job_id)
        if job is None:
            raise MlopsError("E_JOB_NOT_FOUND", f"no hashing job {job_id[:64]!r} (or it expired)")
        return job

    def cancel(self, job_id: str) -> HashJob:
        """Cancel the job `job_id`; a finished job is left as it is."""
        job = self.get(job_id)
        job.cancel(self._clock())
        return job

    def cancel_all(self) -> None:
        """Cancel every running job (server shutdown, tests)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel(self._clock())

    @property
    def running(self) -> int:
        """How many worker threads are running."""
        return self._running

    def _prune(self) -> None:
        # Called with the lock held, on every request: no timer thread needed.
        now = self._clock()
        finished = [job for job in self._jobs.values() if job.finished_at is not None]
        finished.sort(key=lambda job: job.finished_at or 0.0)
        extra = len(finished) - MAX_FINISHED_JOBS
        # Captured data is the bulk of a finished job's memory: bound it too.
        held = sum(job.captured for job in finished)
        for index, job in enumerate(finished):
            if (
                index < extra
                or now - (job.finished_at or now) > JOB_TTL_S
                or (job.captured and held > MAX_FINISHED_CAPTURE_CHARS)
            ):
                held -= job.captured
                del self._jobs[job.id]
