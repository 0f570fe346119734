"""Requests without the server's token are refused before touching anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tornado.web

from jupyterlab_mlops.routes import ROUTES

from .helpers import b64, snapshot

# A matching XSRF cookie and header: the request passes jupyter_server's XSRF
# check, so only the handler's @tornado.web.authenticated stands in the way.
XSRF = {"Cookie": "_xsrf=c0ffee", "X-XSRFToken": "c0ffee"}

NO_AUTH = [
    pytest.param({"Authorization": ""}, id="no-token"),
    pytest.param({"Authorization": "token wrong"}, id="wrong-token"),
    pytest.param({"Authorization": "", **XSRF}, id="no-token-with-xsrf"),
    pytest.param({"Authorization": "token wrong", **XSRF}, id="wrong-token-with-xsrf"),
]


@pytest.mark.parametrize("headers", NO_AUTH)
async def test_status_needs_authentication(
    jp_fetch: Callable[..., Any], headers: dict[str, str]
) -> None:
    response = await jp_fetch("mlops", "status", headers=dict(headers), raise_error=False)
    assert response.code in (401, 403)
    assert b"storeDir" not in response.body


@pytest.mark.parametrize("headers", NO_AUTH)
async def test_write_needs_authentication(
    jp_fetch: Callable[..., Any], jp_root_dir: Path, headers: dict[str, str]
) -> None:
    before = snapshot(jp_root_dir)
    response = await jp_fetch(
        "mlops",
        "fs",
        "write",
        method="POST",
        body=json.dumps({"path": "f", "data": b64("x"), "parents": True}),
        headers=dict(headers),
        raise_error=False,
    )
    assert response.code in (401, 403)
    assert snapshot(jp_root_dir) == before
    assert not (jp_root_dir / ".mlops").exists()


async def test_the_same_write_with_the_token_works(
    jp_fetch: Callable[..., Any], jp_root_dir: Path
) -> None:
    # Guards the tests above: the request itself is fine, only the token is missing.
    response = await jp_fetch(
        "mlops", "fs", "write", method="POST", body=json.dumps({"path": "f", "data": b64("x")})
    )
    assert response.code == 200
    assert (jp_root_dir / ".mlops" / "f").read_text() == "x"


@pytest.mark.parametrize(
    "route", [route for route, _ in ROUTES if route != "status" and "(" not in route]
)
async def test_every_route_needs_authentication(
    jp_fetch: Callable[..., Any], jp_root_dir: Path, route: str
) -> None:
    (jp_root_dir / ".mlops").mkdir()
    (jp_root_dir / ".mlops" / "f").write_text("x")
    before = snapshot(jp_root_dir)
    body = {"path": "f", "paths": ["f"], "data": b64("y"), "token": "t", "recursive": True}
    handler = dict(ROUTES)[route]
    base = tornado.web.RequestHandler
    methods = [
        m for m in ("GET", "POST") if getattr(handler, m.lower()) is not getattr(base, m.lower())
    ]
    assert methods, route
    for method in methods:
        response = await jp_fetch(
            "mlops",
            *route.split("/"),
            method=method,
            body=json.dumps(body) if method == "POST" else None,
            headers={"Authorization": "", **XSRF},
            raise_error=False,
        )
        assert response.code == 403, (route, method)
        assert b'"data"' not in response.body
        assert b'"models"' not in response.body and b'"entries"' not in response.body
    assert snapshot(jp_root_dir) == before


@pytest.mark.parametrize("method", ["GET", "DELETE"])
async def test_hash_job_routes_need_authentication(
    jp_fetch: Callable[..., Any], method: str
) -> None:
    # The pipeline routes with a run id have their own test
    # (test_pipeline_hostile.py: every pipeline route needs authentication).
    assert [r for r, _ in ROUTES if "(" in r and not r.startswith("pipeline/")] == [
        "hash/([^/]+)",
        "registry/models/([^/]+)",
    ]
    response = await jp_fetch(
        "mlops",
        "hash",
        "some-job",
        method=method,
        headers={"Authorization": "", **XSRF},
        raise_error=False,
    )
    assert response.code == 403
    assert b"jobId" not in response.body


async def test_a_registered_model_route_needs_authentication(
    jp_fetch: Callable[..., Any],
) -> None:
    response = await jp_fetch(
        "mlops",
        "registry",
        "models",
        "wine",
        method="GET",
        headers={"Authorization": "", **XSRF},
        raise_error=False,
    )
    assert response.code == 403
    assert b"versions" not in response.body
