"""Every failure answers `{code, message}` JSON (the security issue's item 8).

Before: a deeply nested body was a 500 "Unhandled error" (RecursionError),
and `realpath` failing with EINVAL while a symlink was swapped for a file
gave a non-JSON 500 and failed a whole hashing job instead of one entry.
"""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest

from jupyterlab_mlops import paths, store_fs
from jupyterlab_mlops.errors import MlopsError

from .conftest import Api
from .helpers import b64

DEEP = 100_000


@pytest.mark.parametrize(
    ("route", "opening"),
    [
        ("fs/read", '{"path": '),
        ("fs/read-many", '{"paths": '),
        ("fs/write-many", '{"files": '),
        ("hash", '{"paths": '),
        ("project/git", '{"path": '),
        ("store/init", '{"store": '),
    ],
)
async def test_regression_deeply_nested_json_is_bad_json(
    api: Api, route: str, opening: str
) -> None:
    raw = (opening + "[" * DEEP + "]" * DEEP + "}").encode()
    status, err = await api(route, raw=raw)
    assert (status, err["code"]) == (400, "E_BAD_JSON")
    assert "nested" in err["message"]


@pytest.fixture
def flaky_realpath(monkeypatch: pytest.MonkeyPatch) -> None:
    """`realpath` of any path naming `flip` fails as it does mid-swap (EINVAL)."""
    real = os.path.realpath

    def realpath(path: object, *args: object, **kwargs: object) -> str:
        if "flip" in os.fspath(path):  # type: ignore[arg-type]
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os.path, "realpath", realpath)


async def test_regression_realpath_einval_is_a_coded_error(
    api: Api, store: Path, flaky_realpath: None
) -> None:
    for route, body in (
        ("fs/read", {"path": "flip"}),
        ("fs/write", {"path": "flip", "data": b64("x")}),
        ("fs/stat", {"path": "flip/x", "follow": False}),
        ("fs/list", {"path": "", "store": "flip"}),
    ):
        status, err = await api(route, body)
        assert (status, err["code"]) == (500, "E_IO"), (route, err)
        assert "kept changing" in err["message"]
    status, body = await api("fs/read-many", {"paths": ["flip", "missing"]})
    assert status == 200
    assert [entry["error"]["code"] for entry in body["files"]] == ["E_IO", "E_NOT_FOUND"]


async def test_regression_realpath_einval_fails_one_hash_entry_only(
    api: Api, jp_root_dir: Path, flaky_realpath: None
) -> None:
    (jp_root_dir / "ok.csv").write_text("a\n")
    status, job = await api("hash", {"paths": ["flip.csv", "ok.csv"], "waitMs": 5000})
    assert (status, job["state"]) == (200, "done")
    first, second = job["results"]
    assert first["error"]["code"] == "E_IO"
    assert second["size"] == 2


async def test_a_real_swap_race_never_breaks_the_contract(api: Api, store: Path) -> None:
    # A thread swaps `flip` between a file and a symlink as fast as it can.
    store.mkdir()
    (store / "target.txt").write_text("t")
    stop = threading.Event()

    def swap() -> None:
        link, plain = store / ".link", store / ".plain"
        while not stop.is_set():
            link.unlink(missing_ok=True)
            link.symlink_to("target.txt")
            os.replace(link, store / "flip")
            plain.write_text("p")
            os.replace(plain, store / "flip")

    thread = threading.Thread(target=swap)
    thread.start()
    try:
        codes = set()
        for _ in range(300):
            status, body = await api("fs/read", {"path": "flip"})
            assert status == 200 or set(body) == {"code", "message"}, body
            codes.add(status if status == 200 else body["code"])
    finally:
        stop.set()
        thread.join()
    assert 200 in codes


async def test_an_unexpected_exception_answers_e_internal(
    api: Api, store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(store_fs, "list_dir", boom)
    status, err = await api("fs/list", {"path": ""})
    assert (status, err["code"]) == (500, "E_INTERNAL")
    assert "a bug" in err["message"]


def test_real_path_retries_then_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def realpath(path: str) -> str:
        calls.append(path)
        if len(calls) < 3:
            raise OSError(errno.EINVAL, "Invalid argument")
        return "/resolved"

    monkeypatch.setattr(os.path, "realpath", realpath)
    assert paths.real_path("/x", "x") == Path("/resolved")
    calls.clear()
    monkeypatch.setattr(os.path, "realpath", lambda _: (_ for _ in ()).throw(OSError(22, "x")))
    with pytest.raises(MlopsError) as caught:
        paths.real_path("/x", "x")
    assert caught.value.code == "E_IO"
