"""`POST/GET /mlops/pipeline/export`: the export lands next to the notebook, re-exports clean up."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

from .conftest import Api
from .helpers import snapshot, temp_files
from .pipeline_support import LOCAL, NB, demo_notebook, export_files, synthetic_ir


async def test_an_export_is_written_next_to_its_notebook(api: Api, jp_root_dir: Path) -> None:
    demo_notebook(jp_root_dir)
    files = export_files()
    status, answer = await api(
        "pipeline/export", {"notebook": NB, "target": "local", "files": files}
    )
    assert status == 200, answer
    assert answer == {"folder": LOCAL, "written": len(files), "removed": 0}
    folder = jp_root_dir / LOCAL
    for rel, text in files.items():
        assert (folder / rel).read_text() == text
    manifest = json.loads((folder / ".mlops-export.json").read_text())
    assert manifest["files"] == {
        rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in sorted(files.items())
    }
    assert manifest["notebook"] == NB and manifest["target"] == "local"
    assert not (folder / ".mlops-export.lock").exists()
    assert temp_files(jp_root_dir) == []

    status, listed = await api("pipeline/export", method="GET", params={"notebook": NB})
    assert status == 200
    local = listed["targets"]["local"]
    assert local["folder"] == LOCAL
    assert local["contentHash"] == json.loads(files["pipeline.json"])["notebook"]["contentHash"]
    assert local["exportedAt"] == manifest["exportedAt"] > 0
    assert local["pipeline"] == "wine_classifier"
    assert {k: v for k, v in listed["targets"].items() if k != "local"} == {
        "dvc": None,
        "kfp": None,
        "airflow": None,
    }


async def test_a_re_export_removes_what_it_dropped_and_nothing_else(
    api: Api, jp_root_dir: Path
) -> None:
    demo_notebook(jp_root_dir)
    files = export_files()
    assert (await api("pipeline/export", {"notebook": NB, "target": "local", "files": files}))[
        0
    ] == 200
    folder = jp_root_dir / LOCAL
    # What runs leave, what the user adds: none of it was exported.
    (folder / ".mlops-cache" / "load" / "k").mkdir(parents=True)
    (folder / ".mlops-cache" / "load" / "k" / "X.npy").write_text("cached")
    (folder / ".mlops-runs" / "r").mkdir(parents=True)
    (folder / ".mlops-runs" / "r" / "status.json").write_text("{}")
    (folder / ".mlops-dvc").mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "steps" / "mine.py").write_text("mine")
    kept = snapshot(folder / ".mlops-cache", folder / ".mlops-runs", folder / ".mlops-dvc")

    dropped = {k: v for k, v in files.items() if k != "steps/evaluate.py"}
    dropped["steps/extra/new.py"] = "print('new')\n"
    status, answer = await api(
        "pipeline/export", {"notebook": NB, "target": "local", "files": dropped}
    )
    assert status == 200, answer
    assert answer == {"folder": LOCAL, "written": len(dropped), "removed": 1}
    assert not (folder / "steps" / "evaluate.py").exists()
    assert (folder / "steps" / "extra" / "new.py").read_text() == "print('new')\n"
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "steps" / "mine.py").read_text() == "mine"
    assert snapshot(folder / ".mlops-cache", folder / ".mlops-runs", folder / ".mlops-dvc") == kept

    # Dropping a folder's last file removes the folder it emptied.
    status, answer = await api(
        "pipeline/export", {"notebook": NB, "target": "local", "files": files}
    )
    assert (status, answer["removed"]) == (200, 1)
    assert not (folder / "steps" / "extra").exists()
    assert (folder / "steps" / "evaluate.py").is_file()


async def test_a_planted_manifest_removes_nothing_it_should_not(
    api: Api, jp_root_dir: Path, outside: Path
) -> None:
    demo_notebook(jp_root_dir)
    folder = jp_root_dir / LOCAL
    (folder / ".mlops-cache").mkdir(parents=True)
    (folder / ".mlops-cache" / "keep").write_text("k")
    (folder / "dir").mkdir()
    (folder / "dir" / "f").write_text("f")
    (folder / "link").symlink_to(outside / "sentinel.txt")
    listed = [
        "../../../../../outside/sentinel.txt",
        str(outside / "sentinel.txt"),
        ".mlops-cache/keep",
        "dir",
        "link/../x",
        "./dir/f",
        7,
    ]
    (folder / ".mlops-export.json").write_text(json.dumps({"files": listed}))
    before = snapshot(outside, folder / ".mlops-cache", folder / "dir")
    status, answer = await api(
        "pipeline/export", {"notebook": NB, "target": "local", "files": export_files()}
    )
    assert (status, answer["removed"]) == (200, 0), answer
    assert snapshot(outside, folder / ".mlops-cache", folder / "dir") == before
    assert (folder / "link").is_symlink()


async def test_a_listed_symlink_is_neither_removed_nor_followed(
    api: Api, jp_root_dir: Path, outside: Path
) -> None:
    demo_notebook(jp_root_dir)
    folder = jp_root_dir / LOCAL
    folder.mkdir(parents=True)
    (folder / "old.txt").symlink_to(outside / "sentinel.txt")
    digest = hashlib.sha256(b"do not touch").hexdigest()
    (folder / ".mlops-export.json").write_text(json.dumps({"files": {"old.txt": digest}}))
    status, answer = await api(
        "pipeline/export", {"notebook": NB, "target": "local", "files": export_files()}
    )
    assert (status, answer["removed"]) == (200, 0)
    assert (folder / "old.txt").is_symlink()  # an export never writes one: not ours
    assert (outside / "sentinel.txt").read_text() == "do not touch"


async def test_a_planted_or_edited_listing_removes_none_of_the_users_files(
    api: Api, jp_root_dir: Path
) -> None:
    demo_notebook(jp_root_dir)
    folder = jp_root_dir / LOCAL
    folder.mkdir(parents=True)
    (folder / "notes.md").write_text("mine")
    (folder / "analysis.py").write_text("mine too")
    # A manifest of the old shape (no hashes) and one with a wrong hash.
    for listing in (["notes.md", "analysis.py"], {"notes.md": "0" * 64, "analysis.py": None}):
        (folder / ".mlops-export.json").write_text(json.dumps({"files": listing}))
        status, answer = await api(
            "pipeline/export", {"notebook": NB, "target": "local", "files": export_files()}
        )
        assert (status, answer["removed"]) == (200, 0), answer
        assert (folder / "notes.md").read_text() == "mine"
        assert (folder / "analysis.py").read_text() == "mine too"
    # A file the export wrote, then edited by the user, is the user's now.
    files = {**export_files(), "steps/extra.py": "x = 1\n"}
    assert (await api("pipeline/export", {"notebook": NB, "target": "local", "files": files}))[
        0
    ] == 200
    (folder / "steps" / "extra.py").write_text("x = 2  # mine\n")
    status, answer = await api(
        "pipeline/export", {"notebook": NB, "target": "local", "files": export_files()}
    )
    assert (status, answer["removed"]) == (200, 0)
    assert (folder / "steps" / "extra.py").read_text() == "x = 2  # mine\n"
    manifest = json.loads((folder / ".mlops-export.json").read_text())
    assert "steps/extra.py" not in manifest["files"]


async def test_each_target_has_its_folder_and_is_listed(api: Api, jp_root_dir: Path) -> None:
    demo_notebook(jp_root_dir)
    ir = json.loads(export_files()["pipeline.json"])
    for target in ("dvc", "airflow"):
        files = {"pipeline.json": json.dumps(ir), "dvc.yaml": "stages: {}\n"}
        status, answer = await api(
            "pipeline/export", {"notebook": NB, "target": target, "files": files}
        )
        assert status == 200, answer
        assert answer["folder"] == f"examples/pipelines/wine_classifier/{target}"
    status, listed = await api("pipeline/export", method="GET", params={"notebook": NB})
    assert status == 200
    targets = listed["targets"]
    assert targets["local"] is None and targets["kfp"] is None
    assert targets["dvc"]["folder"].endswith("/dvc")
    assert targets["airflow"]["contentHash"] == ir["notebook"]["contentHash"]


async def test_a_notebook_at_the_root_exports_to_the_roots_pipelines(
    api: Api, jp_root_dir: Path
) -> None:
    (jp_root_dir / "nb.ipynb").write_text('{"cells": []}')
    files = {"pipeline.json": json.dumps(synthetic_ir("nb", "nb.ipynb", ["a"]))}
    status, answer = await api(
        "pipeline/export", {"notebook": "nb.ipynb", "target": "kfp", "files": files}
    )
    assert (status, answer["folder"]) == (200, "pipelines/nb/kfp"), answer
    assert (jp_root_dir / "pipelines" / "nb" / "kfp" / "pipeline.json").is_file()


async def test_the_export_of_another_notebook_is_never_overwritten(
    api: Api, jp_root_dir: Path
) -> None:
    demo_notebook(jp_root_dir)
    (jp_root_dir / "examples" / "wine-classifier.ipynb").write_text('{"cells": []}')
    assert (
        await api("pipeline/export", {"notebook": NB, "target": "local", "files": export_files()})
    )[0] == 200
    before = snapshot(jp_root_dir)
    # Same folder, same pipeline name (wine-classifier → wine_classifier), another notebook.
    ir = synthetic_ir("wine_classifier", "examples/wine-classifier.ipynb", ["a"])
    status, err = await api(
        "pipeline/export",
        {
            "notebook": "examples/wine-classifier.ipynb",
            "target": "local",
            "files": {"pipeline.json": json.dumps(ir)},
        },
    )
    assert (status, err["code"]) == (409, "E_EXPORT_MISMATCH"), err
    assert snapshot(jp_root_dir) == before


async def test_concurrent_exports_of_one_folder_take_turns(api: Api, jp_root_dir: Path) -> None:
    demo_notebook(jp_root_dir)
    files = export_files()
    other = {**files, "steps/extra.py": "x = 1\n"}
    answers = await asyncio.gather(
        *[
            api("pipeline/export", {"notebook": NB, "target": "local", "files": f})
            for f in (files, other, files, other)
        ]
    )
    assert [status for status, _ in answers] == [200] * 4, answers
    folder = jp_root_dir / LOCAL
    manifest = json.loads((folder / ".mlops-export.json").read_text())
    on_disk = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".mlops")
    )
    assert on_disk == sorted(manifest["files"])
    assert not (folder / ".mlops-export.lock").exists()
    assert temp_files(jp_root_dir) == []
