"""POST /mlops/fs/read-many."""

from __future__ import annotations

from pathlib import Path

from .conftest import Api
from .helpers import unb64


async def test_read_many_answers_each_path_in_order(api: Api, store: Path) -> None:
    (store / "objects").mkdir(parents=True)
    (store / "HEAD").write_text("ref: refs/heads/main\n")
    (store / "objects" / "pack").write_bytes(b"\x00\x01\x02")
    paths = ["HEAD", "missing", "objects", "../escape", "objects/pack", "./HEAD"]
    status, body = await api("fs/read-many", {"paths": paths})
    assert status == 200
    files = body["files"]
    assert [entry["path"] for entry in files] == paths
    assert (unb64(files[0]["data"]), files[0]["size"]) == (b"ref: refs/heads/main\n", 21)
    assert files[1]["error"]["code"] == "E_NOT_FOUND"
    assert files[2]["error"]["code"] == "E_IS_A_DIRECTORY"
    assert files[3]["error"]["code"] == "E_PATH_INVALID"
    assert (unb64(files[4]["data"]), files[4]["size"]) == (b"\x00\x01\x02", 3)
    # Another spelling of a path is another path (`path` echoes the request).
    assert files[5] == {**files[0], "path": "./HEAD"}
    assert all(set(entry) in ({"path", "data", "size"}, {"path", "error"}) for entry in files)
    assert set(files[1]["error"]) == {"code", "message"}


async def test_read_many_of_nothing(api: Api) -> None:
    assert await api("fs/read-many", {"paths": []}) == (200, {"files": []})


async def test_read_many_takes_up_to_the_limit(api: Api, store: Path) -> None:
    store.mkdir()
    (store / "f").write_text("x")
    paths = ["f", *(f"missing-{i}" for i in range(999))]
    status, body = await api("fs/read-many", {"paths": paths})
    assert status == 200 and len(body["files"]) == 1000
    status, err = await api("fs/read-many", {"paths": [*paths, "one-more"]})
    assert (status, err["code"]) == (400, "E_BAD_REQUEST")
    assert "1000" in err["message"]


async def test_read_many_needs_an_array_of_strings(api: Api) -> None:
    for paths in ("HEAD", ["HEAD", 1], [None], {"0": "HEAD"}):
        status, err = await api("fs/read-many", {"paths": paths})
        assert (status, err["code"]) == (400, "E_BAD_REQUEST"), paths
