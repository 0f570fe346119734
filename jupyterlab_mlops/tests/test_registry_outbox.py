"""The outbox's routes on a server without MLflow: bad keys, no URI, replays, planted entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Api
from .test_registry import LINEAGE, register, staged


async def test_push_without_an_mlflow_uri_is_refused_and_nothing_is_registered(
    api: Api, store: Path
) -> None:
    status, answer = await register(api, "wine", idempotencyKey="k" * 16, push=True)
    assert status == 409 and answer["code"] == "E_MLFLOW_UNCONFIGURED"
    assert not (store / "registry" / "models").exists()
    status, backend = await api("registry/backend", method="GET")
    assert status == 200 and backend == {"mlflow": None}
    status, outbox = await api("registry/outbox", method="GET")
    assert status == 200 and outbox == {"configured": False, "entries": []}


@pytest.mark.parametrize(
    "key",
    [
        "short",
        "../../etc/passwd",
        "a" * 65,
        "key with space",
        "ключ-12345678",
        "-leading-dash",
        7,
        "",
    ],
)
async def test_a_malformed_idempotency_key_is_refused(api: Api, store: Path, key: object) -> None:
    status, answer = await register(api, "wine", idempotencyKey=key)
    assert status == 400 and answer["code"] == "E_BAD_REQUEST", answer
    assert not (store / "registry" / "models").exists()


async def test_a_push_needs_a_key(api: Api) -> None:
    status, answer = await register(api, "wine", push=True)
    # No URI is checked first; with one, the key would be (test_registry_mlflow).
    assert status in (400, 409) and answer["code"] in (
        "E_BAD_REQUEST",
        "E_MLFLOW_UNCONFIGURED",
    )


async def test_the_same_key_again_answers_the_same_version(api: Api) -> None:
    key = "0f4b2a1c-6d7e-4f80-9a1b-2c3d4e5f6a7b"
    status, first = await register(api, "wine", idempotencyKey=key, lineage=LINEAGE)
    assert status == 200 and first["version"] == 1 and first["replayed"] is False
    status, again = await register(api, "wine", idempotencyKey=key, lineage=LINEAGE)
    assert status == 200 and again["version"] == 1 and again["replayed"] is True
    status, other = await register(api, "wine", idempotencyKey=key[::-1].replace("-", "a"))
    assert status == 200 and other["version"] == 2
    # The same key on another model is that model's own first request.
    status, elsewhere = await register(api, "beer", idempotencyKey=key)
    assert status == 200 and elsewhere["version"] == 1 and elsewhere["replayed"] is False


@pytest.mark.parametrize("key", ["nope-0000000", "../../x", 5, None])
async def test_retrying_an_unknown_or_malformed_entry(api: Api, key: object) -> None:
    status, answer = await api("registry/outbox/retry", {"key": key})
    assert status in (400, 404), answer
    assert answer["code"] in ("E_BAD_REQUEST", "E_NOT_FOUND")


async def test_planted_and_junk_outbox_files_are_not_listed(api: Api, store: Path) -> None:
    await staged(api)  # makes the store
    outbox = store / "registry" / "outbox"
    outbox.mkdir(parents=True)
    entry = {
        "key": "planted-00000001",
        "kind": "version",
        "model": "wine",
        "modelKey": "wine",
        "version": 1,
        "state": "pending",
        "attempts": 0,
        "queuedAt": 1,
        "seal": "0" * 64,
    }
    (outbox / "planted-00000001.json").write_text(json.dumps(entry))
    (outbox / "junk-000000001.json").write_bytes(b"\xff{not json")
    (outbox / "big-0000000001.json").write_bytes(b" " * (3 * 1024 * 1024))
    (outbox / "dir-0000000001.json").mkdir()
    (outbox / "link-000000001.json").symlink_to("/etc/passwd")
    status, answer = await api("registry/outbox", method="GET")
    assert status == 200 and answer["entries"] == []
