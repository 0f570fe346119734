"""The threads of the heavy routes (`read-many`, `write-many`), apart from the others.

Kept in the web app's settings like the rest of the extension's state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from .config import MlopsExtension
from .errors import MlopsError

_T = TypeVar("_T")
_HEAVY_WORK = "mlops_heavy_work"


class HeavyWork:
    """The threads of the heavy routes (`read-many`, `write-many`), apart from the others.

    A heavy request parses up to 32 MiB of JSON, inflates up to
    `max_write_many_inflated_bytes` or encodes a 43 MB answer. On the default
    pool (`min(32, cpus + 4)` threads) six of them at once starved every
    other route. Here `workers` run at once on threads of their own, `queue`
    more wait, and one more is refused with `E_BUSY` rather than queued
    without a bound (the client sees why, and when to retry).
    """

    def __init__(self, workers: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="mlops-heavy")
        self._limit = workers + queue
        # Only changed on the event loop's thread: no lock needed.
        self._admitted = 0

    async def run(self, operation: Callable[[], _T]) -> _T:
        """Run `operation` on a heavy thread, or fail with `E_BUSY` when all are taken."""
        if self._admitted >= self._limit:
            raise MlopsError(
                "E_BUSY",
                f"{self._limit} read-many/write-many requests are running or waiting; "
                "retry shortly",
            )
        self._admitted += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, operation)
        finally:
            self._admitted -= 1


def heavy_work(settings: MutableMapping[str, Any], config: MlopsExtension) -> HeavyWork:
    """The web app's `HeavyWork`, made on first use from `config`.

    Kept in the web app's settings like the rest of the extension's state;
    its idle threads end when the app (and so the executor) is collected.
    """
    work = settings.get(_HEAVY_WORK)
    if work is None:
        work = HeavyWork(config.max_heavy_requests, config.max_heavy_queue)
        settings[_HEAVY_WORK] = work
    return work
