"""jupyter_server's access line of an `E_NOT_FOUND` answer is a debug one.

A page asks whether files are there (isomorphic-git stats each path it may
read; a store's first snapshot finds no repository): dozens of 404s per
snapshot, which jupyter_server logged as warnings. A miss is an answer; a
refusal (400, 403, 409…) stays a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import Api


@pytest.fixture
def access_lines(jp_serverapp: Any) -> Iterator[list[logging.LogRecord]]:
    """The records of the server's logger, every level."""
    kept: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            kept.append(record)

    logger = jp_serverapp.log
    level = logger.level
    keep = Keep(logging.DEBUG)
    logger.setLevel(logging.DEBUG)
    logger.addHandler(keep)
    yield kept
    logger.removeHandler(keep)
    logger.setLevel(level)


def levels(records: list[logging.LogRecord], route: str) -> list[tuple[str, str]]:
    return [
        (record.levelname, record.getMessage().split(" ", 1)[0])
        for record in records
        if f"/mlops/{route} (" in record.getMessage()
    ]


async def test_a_miss_is_a_debug_line_and_a_refusal_a_warning(
    api: Api, access_lines: list[logging.LogRecord]
) -> None:
    status, body = await api("fs/stat", {"path": "not-there.txt"})
    assert (status, body["code"]) == (404, "E_NOT_FOUND")
    status, body = await api("fs/read", {"path": "not-there.txt"})
    assert (status, body["code"]) == (404, "E_NOT_FOUND")
    status, body = await api("fs/stat", {"path": "../outside"})
    assert status == 400, body
    status, body = await api("fs/stat", {"path": "x", "extra": 1})
    assert status == 400, body
    assert levels(access_lines, "fs/stat") == [
        ("DEBUG", "404"),
        ("WARNING", "400"),
        ("WARNING", "400"),
    ]
    assert levels(access_lines, "fs/read") == [("DEBUG", "404")]
