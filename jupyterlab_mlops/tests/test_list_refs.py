"""POST /mlops/fs/list of ref folders git has not made yet: an empty listing.

A notebook with no experiments has no `refs/exps/<slug>` folder, and a
project with no store has no store folder at all. Both are normal states:
the answer is 200 with no entries and `missing: true`, so the browser logs
no failed request. Everything else that is missing stays `E_NOT_FOUND`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Api
from .helpers import snapshot

SLUG_FOLDER = "experiments.git/refs/exps/wine-classifier-0123abcd"


async def test_a_missing_store_lists_its_ref_folders_as_empty_and_creates_nothing(
    api: Api, store: Path, jp_root_dir: Path
) -> None:
    before = snapshot(jp_root_dir)
    for path in (SLUG_FOLDER, "experiments.git/refs/exps", "experiments.git/refs"):
        status, body = await api("fs/list", {"path": path})
        assert (status, body) == (200, {"path": path, "entries": [], "missing": True})
    assert not store.exists()
    assert snapshot(jp_root_dir) == before


async def test_a_notebook_without_experiments_lists_as_empty(api: Api, store: Path) -> None:
    (store / "experiments.git" / "refs" / "exps" / "other-00000000").mkdir(parents=True)
    (store / "experiments.git" / "refs" / "exps" / "other-00000000" / "01J").write_text("x")
    status, body = await api("fs/list", {"path": SLUG_FOLDER})
    assert (status, body["entries"], body["missing"]) == (200, [], True)
    # An existing folder answers as before, without `missing`.
    status, body = await api("fs/list", {"path": "experiments.git/refs/exps"})
    assert (status, body) == (
        200,
        {
            "path": "experiments.git/refs/exps",
            "entries": [{"name": "other-00000000", "type": "dir"}],
        },
    )


async def test_a_path_spelled_with_dots_is_judged_normalized(api: Api, store: Path) -> None:
    status, body = await api("fs/list", {"path": f"./{SLUG_FOLDER}/."})
    assert (status, body["entries"], body["missing"]) == (200, [], True)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "experiments.git",
        "experiments.git/objects/ab",
        "experiments.git/refsx",
        "experiments.git/refs/exps/a.lock",
        "experiments.git/refs/exps/HEAD",
        "experiments.git/refs/exps/-option",
        "other.git/refs/exps/x",
        "refs/exps/x",
        "cache/refs",
    ],
)
async def test_other_missing_folders_are_still_not_found(api: Api, store: Path, path: str) -> None:
    status, err = await api("fs/list", {"path": path})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")
    assert not store.exists()


async def test_a_ref_path_that_is_a_file_is_not_a_folder(api: Api, store: Path) -> None:
    exps = store / "experiments.git" / "refs" / "exps"
    exps.mkdir(parents=True)
    (exps / "slug-00000000").write_text("0" * 40)
    status, err = await api("fs/list", {"path": "experiments.git/refs/exps/slug-00000000"})
    assert (status, err["code"]) == (409, "E_NOT_A_DIRECTORY")
    status, err = await api("fs/list", {"path": "experiments.git/refs/exps/slug-00000000/x"})
    assert status == 409


async def test_a_ref_folder_outside_the_store_is_refused(
    api: Api, store: Path, outside: Path
) -> None:
    (store / "experiments.git").mkdir(parents=True)
    (store / "experiments.git" / "refs").symlink_to(outside)
    status, err = await api("fs/list", {"path": SLUG_FOLDER})
    assert (status, err["code"]) == (403, "E_PATH_OUTSIDE_ROOT")
    status, err = await api("fs/list", {"path": "experiments.git/refs/../../../x"})
    assert status >= 400 and "entries" not in err
