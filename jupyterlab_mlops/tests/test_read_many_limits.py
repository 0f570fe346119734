"""POST /mlops/fs/read-many: one answer carries at most `max_read_many_bytes` file bytes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from jupyterlab_mlops import base_handler

from .conftest import Api
from .helpers import b64, unb64

CAP = 64 * 1024


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """The extension with a small answer cap, so it can be reached."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": {"max_read_many_bytes": CAP, "max_read_bytes": 2 * CAP},
    }


def files_of(store: Path, sizes: dict[str, int]) -> dict[str, bytes]:
    store.mkdir(exist_ok=True)
    contents = {}
    for name, size in sizes.items():
        contents[name] = bytes([len(contents) + 1]) * size
        (store / name).write_bytes(contents[name])
    return contents


async def test_entries_that_do_not_fit_are_deferred(api: Api, store: Path) -> None:
    contents = files_of(store, {"a": 30_000, "b": 30_000, "c": 30_000, "d": 4_000})
    status, body = await api("fs/read-many", {"paths": ["a", "b", "c", "missing", "d"]})
    assert status == 200
    files = body["files"]
    assert [entry["path"] for entry in files] == ["a", "b", "c", "missing", "d"]
    assert unb64(files[0]["data"]) == contents["a"]
    assert unb64(files[1]["data"]) == contents["b"]
    # c no longer fits; d, asked for after it, still does.
    assert files[2]["error"]["code"] == "E_ANSWER_TOO_LARGE"
    assert "another request" in files[2]["error"]["message"]
    assert files[3]["error"]["code"] == "E_NOT_FOUND"
    assert unb64(files[4]["data"]) == contents["d"]
    assert sum(entry.get("size", 0) for entry in files) <= CAP
    # Asked again, the deferred one comes.
    status, body = await api("fs/read-many", {"paths": ["c"]})
    assert status == 200 and unb64(body["files"][0]["data"]) == contents["c"]


async def test_a_file_bigger_than_the_cap_fails_in_its_own_entry(api: Api, store: Path) -> None:
    contents = files_of(store, {"big": CAP + 1, "exact": CAP})
    status, body = await api("fs/read-many", {"paths": ["big", "exact"]})
    assert status == 200
    big, exact = body["files"]
    assert big["error"]["code"] == "E_ANSWER_TOO_LARGE"
    assert str(CAP) in big["error"]["message"]
    assert unb64(exact["data"]) == contents["exact"]


async def test_many_names_of_one_big_file_cannot_amplify_the_answer(api: Api, store: Path) -> None:
    # The attack: one file, many names (symlinks inside the store are
    # followed), a small request, an answer of paths × size.
    files_of(store, {"f": 16 * 1024})
    for i in range(200):
        (store / f"l{i}").symlink_to("f")
    paths = ["f", *(f"l{i}" for i in range(200))]
    status, body = await api("fs/read-many", {"paths": paths})
    assert status == 200
    sent = sum(entry.get("size", 0) for entry in body["files"])
    assert sent <= CAP
    assert len(json.dumps(body)) < CAP * 4 // 3 + 64 * 1024
    deferred = [entry for entry in body["files"] if "error" in entry]
    assert len(deferred) == 201 - CAP // (16 * 1024)
    assert {entry["error"]["code"] for entry in deferred} == {"E_ANSWER_TOO_LARGE"}


async def test_a_path_asked_twice_is_refused(api: Api, store: Path) -> None:
    files_of(store, {"f": 10})
    status, err = await api("fs/read-many", {"paths": ["f", "g", "f"]})
    assert (status, err["code"]) == (400, "E_BAD_REQUEST")
    assert "paths[2]" in err["message"] and "twice" in err["message"]


async def test_answers_are_encoded_off_the_event_loop(
    api: Api, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 32 MiB answer is ~43 MB of JSON: encoding it on the event loop holds
    # every other request (15 s for the 1.4 GB answer of the attack).
    threads: list[str] = []
    real_dumps: Callable[..., str] = json.dumps

    def spy(value: Any, **kwargs: Any) -> str:
        threads.append(threading.current_thread().name)
        return real_dumps(value, **kwargs)

    monkeypatch.setattr(base_handler, "json", SimpleNamespace(dumps=spy))
    files_of(store, {"f": 100})
    assert (await api("fs/read-many", {"paths": ["f"]}))[0] == 200
    assert (await api("fs/read", {"path": "f"}))[0] == 200
    assert (await api("fs/write", {"path": "g", "data": b64("x")}))[0] == 200
    assert (await api("fs/read", {"path": "missing"}))[0] == 404
    assert (await api("status", method="GET"))[0] == 200
    assert len(threads) >= 5
    assert threading.main_thread().name not in threads


async def test_fs_read_refuses_a_file_above_its_cap_before_reading_it(
    api: Api, store: Path
) -> None:
    # A 1 GB file in the store was read whole, then base64 and JSON: 4x.
    contents = files_of(store, {"fits": 2 * CAP, "huge": 2 * CAP + 1})
    status, body = await api("fs/read", {"path": "fits"})
    assert (status, unb64(body["data"])) == (200, contents["fits"])
    status, err = await api("fs/read", {"path": "huge"})
    assert (status, err["code"]) == (413, "E_ANSWER_TOO_LARGE")
    assert str(2 * CAP + 1) in err["message"]
