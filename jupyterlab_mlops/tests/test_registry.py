"""`/mlops/registry/…`: the local model registry against a real jupyter_server.

Versions from staged MLflow-format folders, aliases, the hash-chained audit
log (who is the server's identity), hostile names and files, concurrent
writers, and a server that never loads what it registers.
"""

from __future__ import annotations

import asyncio
import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .helpers import snapshot

MLMODEL = """\
flavors:
  python_function:
    loader_module: mlflow.sklearn
    model_path: model.pkl
    env:
      virtualenv: python_env.yaml
  sklearn:
    pickled_model: model.pkl
    serialization_format: cloudpickle
signature:
  inputs: '[{"type": "double", "name": "alcohol", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
"""


class Bomb:
    """Unpickling this writes `marker`: the server must never do it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (eval, (f"open({self.marker!r}, 'w').write('unpickled')",))


async def staged(api: Api, files: dict[str, bytes] | None = None) -> str:
    """A staging folder holding a small MLflow model (or `files`); its id."""
    status, answer = await api("registry/staging", {})
    assert status == 200, answer
    folder = Path(answer["path"])
    for rel, data in (files or {"MLmodel": MLMODEL.encode(), "model.pkl": b"\x80\x04N."}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return answer["id"]


async def register(api: Api, model: str, **fields: Any) -> tuple[int, Any]:
    staging = fields.pop("staging", None) or await staged(api)
    return await api("registry/versions", {"model": model, "staging": staging, **fields})


async def model_of(api: Api, name: str) -> tuple[int, Any]:
    # jp_fetch escapes the segment, as the lab's encodeURIComponent does.
    return await api(f"registry/models/{name}", method="GET")


async def audit(api: Api) -> dict[str, Any]:
    status, answer = await api("registry/audit", method="GET")
    assert status == 200, answer
    return answer


LINEAGE = {
    "experiment": {"id": "01JABCDEF", "ref": "refs/exps/wine/01JABCDEF"},
    "notebookHash": "a" * 64,
    "dataHashes": {"data/wine.csv": "b" * 64},
    "params": {"max_depth": 5},
    "metrics": {"accuracy": 0.97},
    "requirements": "scikit-learn==1.9.1\n",
}


async def test_a_version_is_registered_with_its_lineage_and_audited(api: Api, store: Path) -> None:
    status, version = await register(
        api, "Wine classifier", source="experiment", lineage=LINEAGE, description="first"
    )
    assert status == 200, version
    assert (version["model"], version["version"], version["state"]) == ("Wine classifier", 1, "ok")
    assert version["flavors"] == ["python_function", "sklearn"]
    assert version["signature"]["inputs"].startswith('[{"type": "double"')
    assert set(version["files"]) == {"MLmodel", "model.pkl"}
    assert version["lineage"] == LINEAGE
    assert version["createdBy"]["username"]  # the server's identity of the request
    # The staged folder moved into place; nothing left in staging.
    assert list((store / "registry" / "staging").iterdir()) == []

    status, listed = await api("registry/models", method="GET")
    assert status == 200
    assert [(m["name"], m["versions"], m["latest"]) for m in listed["models"]] == [
        ("Wine classifier", 1, 1)
    ]
    status, model = await model_of(api, "Wine classifier")
    assert status == 200, model
    assert [v["version"] for v in model["versions"]] == [1]

    log = await audit(api)
    assert log["verification"] == {"ok": True, "count": 1, "problems": []}
    (entry,) = log["entries"]
    assert (entry["seq"], entry["action"], entry["model"], entry["version"]) == (
        1,
        "register",
        "Wine classifier",
        1,
    )
    assert entry["details"]["experiment"] == "01JABCDEF"
    assert entry["who"] == version["createdBy"]


async def test_aliases_move_between_versions_and_each_move_is_audited(api: Api) -> None:
    for _ in range(2):
        assert (await register(api, "wine"))[0] == 200
    moves = [("champion", 1), ("staging", 2), ("champion", 2), ("staging", None)]
    for guarded in ("production", "Production"):
        status, err = await api(
            "registry/aliases", {"model": "wine", "alias": guarded, "version": 1}
        )
        assert (status, err["code"]) == (400, "E_BAD_REQUEST"), err
        assert "Deploy" in err["message"]
    for alias, to in moves:
        status, answer = await api(
            "registry/aliases", {"model": "wine", "alias": alias, "version": to}
        )
        assert status == 200, answer
    status, model = await model_of(api, "wine")
    assert model["aliases"] == {"champion": 2}
    log = await audit(api)
    assert log["verification"]["ok"] and log["verification"]["count"] == 6
    details = [e["details"] for e in reversed(log["entries"]) if e["action"] == "alias"]
    assert [(d["alias"], d["from"], d["to"]) for d in details] == [
        ("champion", None, 1),
        ("staging", None, 2),
        ("champion", 1, 2),
        ("staging", 2, None),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "..",
        ".",
        "../../etc/passwd",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "nul\x00byte",
        "\u202eevil",  # right-to-left override
        "zero\u200bwidth",
        "line\nbreak",
        " padded",
        "",
        "x" * 129,
        42,
        None,
    ],
)
async def test_a_bad_model_name_is_refused_and_nothing_is_written(
    api: Api, store: Path, jp_root_dir: Path, name: Any
) -> None:
    staging = await staged(api)
    before = snapshot(jp_root_dir)
    status, err = await api("registry/versions", {"model": name, "staging": staging})
    assert (status, err["code"]) == (400, "E_BAD_REQUEST"), err
    assert snapshot(jp_root_dir) == before
    assert not (store / "registry" / "models").exists()


async def test_names_that_fold_alike_are_one_model_look_alikes_are_two(
    api: Api, store: Path
) -> None:
    assert (await register(api, "Wine"))[0] == 200
    for same in ("wine", "ＷＩＮＥ", "WINE"):  # case, fullwidth forms
        status, err = await register(api, same)
        assert (status, err["code"]) == (409, "E_NAME_COLLISION"), err
        assert "'Wine'" in err["message"]
    # Cyrillic і (U+0456) looks like Latin i: another model, shown as written.
    status, other = await register(api, "Wіne")
    assert status == 200, other
    names = [m["name"] for m in (await api("registry/models", method="GET"))[1]["models"]]
    assert sorted(names) == sorted(["Wine", "Wіne"])
    # Path-like and markup names stay names: every folder is a slug and a hash.
    for name, stored in (
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
        ("50% off %41", "50% off %41"),
        ("…", "..."),  # NFKC: the ellipsis is three dots, a name (never a path)
        ("🚀 model", "🚀 model"),
    ):
        status, version = await register(api, name)
        assert (status, version["model"]) == (200, stored), version
        for asked in {name, stored}:
            status, model = await model_of(api, asked)
            assert (status, model["name"]) == (200, stored), model
    for folder in (store / "registry" / "models").iterdir():
        assert folder.name.replace("-", "").isalnum() and folder.name.isascii()


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({"model.pkl": b"x"}, "no MLmodel"),
        ({"MLmodel": b"flavors: [", "model.pkl": b"x"}, "not YAML"),
        ({"MLmodel": b"just: text\n"}, "no flavors"),
        ({"MLmodel": b"!!python/object/apply:os.system ['touch PWNED']\n"}, "not YAML"),
        ({"MLmodel": b"\xff\xfe"}, "not YAML"),
    ],
)
async def test_a_staged_folder_that_is_no_model_is_refused(
    api: Api, store: Path, jp_root_dir: Path, files: dict[str, bytes], why: str
) -> None:
    staging = await staged(api, files)
    status, err = await api("registry/versions", {"model": "m", "staging": staging})
    assert (status, err["code"]) == (400, "E_MODEL_INVALID"), err
    assert why in err["message"]
    assert not (store / "registry" / "models").exists()
    assert not list(jp_root_dir.rglob("PWNED"))
    assert (await audit(api))["entries"] == []


async def test_a_symlink_in_a_staged_model_is_refused(api: Api, store: Path, outside: Path) -> None:
    staging = await staged(api)
    (store / "registry" / "staging" / staging / "secret.txt").symlink_to(outside / "sentinel.txt")
    status, err = await api("registry/versions", {"model": "m", "staging": staging})
    assert (status, err["code"]) == (400, "E_MODEL_INVALID"), err
    for bad in ("../../x", "0" * 31, "G" * 32, "a" * 32):
        status, err = await api("registry/versions", {"model": "m", "staging": bad})
        assert err["code"] in ("E_BAD_REQUEST", "E_NOT_FOUND"), err


async def test_the_server_never_unpickles_what_it_registers(api: Api, jp_root_dir: Path) -> None:
    marker = jp_root_dir / "unpickled.txt"
    bomb = pickle.dumps(Bomb(str(marker)))
    staging = await staged(api, {"MLmodel": MLMODEL.encode(), "model.pkl": bomb})
    assert (await api("registry/versions", {"model": "m", "staging": staging}))[0] == 200
    assert (await model_of(api, "m"))[0] == 200
    assert (await api("registry/aliases", {"model": "m", "alias": "prod", "version": 1}))[0] == 200
    assert not marker.exists()


@pytest.mark.parametrize(
    ("alias", "version", "status", "code"),
    [
        ("latest", 1, 400, "E_BAD_REQUEST"),
        ("v3", 1, 400, "E_BAD_REQUEST"),
        ("-x", 1, 400, "E_BAD_REQUEST"),
        ("a b", 1, 400, "E_BAD_REQUEST"),
        ("a" * 64, 1, 400, "E_BAD_REQUEST"),
        ("prod", 0, 400, "E_BAD_REQUEST"),
        ("prod", 99, 404, "E_NOT_FOUND"),
        ("prod", True, 400, "E_BAD_REQUEST"),
        ("prod", "1", 400, "E_BAD_REQUEST"),
    ],
)
async def test_a_bad_alias_move_is_refused_and_not_audited(
    api: Api, alias: str, version: Any, status: int, code: str
) -> None:
    assert (await register(api, "m"))[0] == 200
    answer = await api("registry/aliases", {"model": "m", "alias": alias, "version": version})
    assert (answer[0], answer[1]["code"]) == (status, code), answer
    assert (await audit(api))["verification"]["count"] == 1


async def test_a_corrupt_version_is_shown_and_never_gets_an_alias(api: Api, store: Path) -> None:
    assert (await register(api, "m"))[0] == 200
    assert (await register(api, "m"))[0] == 200
    (folder,) = (store / "registry" / "models").iterdir()
    (folder / "versions" / "1" / "model" / "model.pkl").unlink()
    (folder / "versions" / "2" / "model" / "MLmodel").write_text("flavors: {}\n# changed\n")
    status, model = await model_of(api, "m")
    assert status == 200
    states = {v["version"]: (v["state"], v["problem"]) for v in model["versions"]}
    assert states == {
        1: ("corrupt", "model.pkl is missing"),
        2: ("corrupt", "MLmodel changed (size)"),
    }
    for version in (1, 2):
        status, err = await api(
            "registry/aliases", {"model": "m", "alias": "champion", "version": version}
        )
        assert (status, err["code"]) == (409, "E_REGISTRY_CORRUPT"), err


async def test_the_file_routes_cannot_touch_the_registry(api: Api, store: Path) -> None:
    assert (await register(api, "m"))[0] == 200
    before = snapshot(store / "registry")
    for route, body in (
        ("fs/write", {"path": "registry/audit.jsonl", "data": ""}),
        ("fs/rm", {"path": "registry/audit.jsonl"}),
        ("fs/mkdir", {"path": "registry/models/x"}),
        ("fs/rm", {"path": "registry", "recursive": True}),
    ):
        status, err = await api(route, body)
        assert (status, err["code"]) == (403, "E_PATH_NOT_WRITABLE"), (route, err)
    assert snapshot(store / "registry") == before


def _lines(store: Path) -> list[str]:
    return (store / "registry" / "audit.jsonl").read_text().splitlines(keepends=True)


@pytest.mark.parametrize(
    ("tamper", "line", "kind"),
    [
        (lambda ls: [ls[0], ls[1].replace('"champion"', '"prod"'), *ls[2:]], 2, "edited"),
        (lambda ls: [ls[0], *ls[2:]], 2, "removed"),
        (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], 2, "reordered"),
        (lambda ls: ls[:-1], 4, "removed"),  # the last line cut: the head tells
        (lambda ls: [*ls, "not json\n"], 5, "broken"),
        (lambda ls: [*ls[:-1], ls[-1].rstrip("\n")], 4, "broken"),
    ],
)
async def test_the_audit_chain_names_the_line_that_was_tampered_with(
    api: Api, store: Path, tamper: Any, line: int, kind: str
) -> None:
    assert (await register(api, "m"))[0] == 200
    for alias in ("champion", "staging", "canary"):
        assert (await api("registry/aliases", {"model": "m", "alias": alias, "version": 1}))[
            0
        ] == 200
    assert (await audit(api))["verification"]["ok"]
    (store / "registry" / "audit.jsonl").write_text("".join(tamper(_lines(store))))
    verification = (await audit(api))["verification"]
    assert not verification["ok"]
    assert (verification["problems"][0]["line"], verification["problems"][0]["kind"]) == (
        line,
        kind,
    ), verification


async def test_concurrent_writers_never_lose_an_entry_nor_fork_the_chain(api: Api) -> None:
    stagings = [await staged(api) for _ in range(8)]
    calls = [api("registry/versions", {"model": "m", "staging": s}) for s in stagings]
    answers = await asyncio.gather(*calls)
    assert [status for status, _ in answers] == [200] * 8, answers
    assert sorted(a["version"] for _, a in answers) == list(range(1, 9))
    moves = [
        api("registry/aliases", {"model": "m", "alias": f"a{i % 3}", "version": 1 + i % 8})
        for i in range(12)
    ]
    assert [status for status, _ in await asyncio.gather(*moves)] == [200] * 12
    log = await audit(api)
    assert log["verification"] == {"ok": True, "count": 20, "problems": []}
    assert [e["seq"] for e in log["entries"]] == list(range(20, 0, -1))


async def test_a_bad_request_body_is_refused(api: Api) -> None:
    staging = await staged(api)
    for body in (
        {"model": "m"},
        {"model": "m", "staging": staging, "lineage": "x"},
        {"model": "m", "staging": staging, "lineage": {"evil": 1}},
        {"model": "m", "staging": staging, "lineage": {"experiment": "x"}},
        {"model": "m", "staging": staging, "tags": {"k": 1}},
        {"model": "m", "staging": staging, "source": "elsewhere"},
        {"model": "m", "staging": staging, "extra": 1},
        {"model": "m", "staging": staging, "description": "x" * 70_000},
    ):
        status, err = await api("registry/versions", body)
        assert (status, err["code"]) == (400, "E_BAD_REQUEST"), (body, err)
    status, err = await model_of(api, "nobody")
    assert (status, err["code"]) == (404, "E_NOT_FOUND")
    assert json.dumps(await audit(api)).count('"seq"') == 0
