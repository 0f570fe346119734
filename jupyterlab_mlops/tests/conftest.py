"""Fixtures: a real jupyter_server with the extension, a client, file tree snapshots."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ("pytest_jupyter.jupyter_server",)

Api = Callable[..., Awaitable[tuple[int, Any]]]


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """Enable the extension (and nothing else we do not need)."""
    return {"ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}}}


@pytest.fixture
def api(jp_fetch: Callable[..., Any]) -> Api:
    """Call a bridge route; return (HTTP status, parsed JSON body).

    `body` is JSON-encoded unless `raw` bytes are given. 4xx/5xx answers are
    returned, not raised.
    """

    async def call(
        route: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        method: str = "POST",
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        payload = raw if raw is not None else None if body is None else json.dumps(body)
        if method == "POST" and payload is None:
            payload = b""
        response = await jp_fetch(
            "mlops",
            *route.split("/"),
            method=method,
            body=payload,
            params=params,
            headers=headers,
            raise_error=False,
        )
        text = response.body.decode() if response.body else ""
        return response.code, json.loads(text) if text else None

    return call


@pytest.fixture
def store(jp_root_dir: Path) -> Path:
    """The default store folder (not created: the bridge creates it on first use)."""
    return jp_root_dir / ".mlops"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the Jupyter root, holding a sentinel file."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "sentinel.txt").write_text("do not touch")
    return folder
