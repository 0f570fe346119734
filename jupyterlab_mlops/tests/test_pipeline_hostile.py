"""Bad input to the pipeline routes: the exact code, and nothing written or started.

Each case snapshots the Jupyter root and a folder outside it (mtimes
included) before and after the request.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import Api
from .helpers import snapshot
from .pipeline_support import NB, demo_notebook, export_files, installed_demo, sealed, status_of

MAX_BODY = 20 * 1024 * 1024


@pytest.fixture
def jp_server_config() -> dict[str, Any]:
    """A body cap between the export's own caps and the default."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyterlab_mlops": True}},
        "MlopsExtension": {"max_body_bytes": MAX_BODY},
    }


XSRF = {"Cookie": "_xsrf=c0ffee", "X-XSRFToken": "c0ffee"}
RUN = "20250101-000000-abcdef"
PIPELINE_ROUTES = [
    ("GET", "pipeline/export"),
    ("POST", "pipeline/export"),
    ("GET", "pipeline/runs"),
    ("POST", "pipeline/runs"),
    ("GET", f"pipeline/runs/{RUN}"),
    ("GET", f"pipeline/runs/{RUN}/log"),
    ("POST", f"pipeline/runs/{RUN}/cancel"),
]


@pytest.mark.parametrize(("method", "route"), PIPELINE_ROUTES)
async def test_every_pipeline_route_needs_authentication(
    jp_fetch: Callable[..., Any], jp_root_dir: Path, method: str, route: str
) -> None:
    installed_demo(jp_root_dir)
    before = snapshot(jp_root_dir)
    body = {"notebook": NB, "target": "local", "files": export_files()}
    response = await jp_fetch(
        "mlops",
        *route.split("/"),
        method=method,
        body=json.dumps(body) if method == "POST" else None,
        params={"notebook": NB, "step": "load"},
        headers={"Authorization": "", **XSRF},
        raise_error=False,
    )
    assert response.code == 403
    assert b"wine" not in response.body
    assert snapshot(jp_root_dir) == before


def export_body(**changes: Any) -> dict[str, Any]:
    return {"notebook": NB, "target": "local", "files": export_files(), **changes}


def with_file(rel: str, text: str = "x") -> dict[str, Any]:
    return export_body(files={**export_files(), rel: text})


def with_ir(**changes: Any) -> dict[str, Any]:
    ir = {**json.loads(export_files()["pipeline.json"]), **changes}
    return export_body(files={**export_files(), "pipeline.json": json.dumps(ir)})


BAD_EXPORTS = [
    # The notebook.
    ({"notebook": "examples/ghost.ipynb"}, 404, "E_NOT_FOUND"),
    ({"notebook": "../outside/x.ipynb"}, 400, "E_PATH_INVALID"),
    ({"notebook": "/etc/x.ipynb"}, 400, "E_PATH_INVALID"),
    ({"notebook": "examples\\wine_classifier.ipynb"}, 400, "E_PATH_INVALID"),
    ({"notebook": "examples/wine\x00.ipynb"}, 400, "E_PATH_INVALID"),
    ({"notebook": "examples/wine_classifier.py"}, 400, "E_BAD_REQUEST"),
    ({"notebook": "examples"}, 400, "E_BAD_REQUEST"),
    ({"notebook": "escape.ipynb"}, 403, "E_PATH_OUTSIDE_ROOT"),
    ({"notebook": 7}, 400, "E_BAD_REQUEST"),
    # The request.
    ({"target": "docker"}, 400, "E_BAD_REQUEST"),
    ({"files": []}, 400, "E_BAD_REQUEST"),
    ({"files": {}}, 400, "E_BAD_REQUEST"),
    ({"files": {"pipeline.json": 7}}, 400, "E_BAD_REQUEST"),
    ({"extra": 1}, 400, "E_BAD_REQUEST"),
    # File paths.
    (with_file("../escape.py"), 400, "E_PATH_INVALID"),
    (with_file("steps/../../escape.py"), 400, "E_PATH_INVALID"),
    (with_file("/tmp/escape.py"), 400, "E_PATH_INVALID"),
    (with_file("C:/escape.py"), 400, "E_PATH_INVALID"),
    (with_file("steps\\..\\..\\escape.py"), 400, "E_PATH_INVALID"),
    (with_file("a\x00b"), 400, "E_PATH_INVALID"),
    (with_file("a//b"), 400, "E_PATH_INVALID"),
    (with_file("./a"), 400, "E_PATH_INVALID"),
    (with_file(""), 400, "E_PATH_INVALID"),
    (with_file(".mlops-cache/load/x"), 400, "E_PATH_INVALID"),
    (with_file(".mlops-runs/r/status.json"), 400, "E_PATH_INVALID"),
    (with_file(".MLOPS-export.json"), 400, "E_PATH_INVALID"),
    (with_file(".git/hooks/pre-commit"), 400, "E_PATH_INVALID"),
    (with_file("/".join("d" * 9)), 400, "E_PATH_INVALID"),
    (with_file("d/" * 600 + "x"), 400, "E_PATH_TOO_LONG"),
    (with_file("x" * 256), 400, "E_PATH_TOO_LONG"),
    (with_file("steps", "a file where a folder is"), 400, "E_BAD_REQUEST"),
    (with_file("bad.py", "\ud800"), 400, "E_BAD_REQUEST"),
    # Caps.
    (export_body(files={f"f{i}": "" for i in range(501)}), 413, "E_TOO_MANY_FILES"),
    (with_file("big.txt", "x" * (8 * 1024 * 1024 + 1)), 413, "E_BODY_TOO_LARGE"),
    # pipeline.json.
    (export_body(files={"a.py": "x"}), 400, "E_PIPELINE_INVALID"),
    (with_file("pipeline.json", "{not json"), 400, "E_PIPELINE_INVALID"),
    (with_ir(edges=[["evaluate", "load"]]), 400, "E_PIPELINE_INVALID"),
    (with_ir(name="../../x"), 400, "E_PIPELINE_INVALID"),
    (with_ir(name="wine\n"), 400, "E_PIPELINE_INVALID"),
    (
        with_ir(notebook={"path": "examples/other.ipynb", "contentHash": "b" * 64}),
        400,
        "E_PIPELINE_INVALID",
    ),  # noqa: E501
]


@pytest.mark.parametrize(("body", "status", "code"), BAD_EXPORTS)
async def test_a_bad_export_is_refused_before_anything_is_written(
    api: Api, jp_root_dir: Path, outside: Path, body: dict[str, Any], status: int, code: str
) -> None:
    demo_notebook(jp_root_dir)
    (outside / "x.ipynb").write_text("{}")
    (jp_root_dir / "escape.ipynb").symlink_to(outside / "x.ipynb")
    before = snapshot(jp_root_dir, outside)
    answer = await api("pipeline/export", {**export_body(), **body})
    assert answer == (status, answer[1]) and answer[1]["code"] == code, answer[1]
    assert snapshot(jp_root_dir, outside) == before


def _link(where: str) -> Callable[[Path, Path], None]:
    def plant(root: Path, outside: Path) -> None:
        link = root / "examples" / where
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(outside)

    return plant


def _steps_link(root: Path, outside: Path) -> None:
    folder = root / "examples" / "pipelines" / "wine_classifier" / "local"
    folder.mkdir(parents=True)
    (folder / "steps").symlink_to(outside)


def _file_link(root: Path, outside: Path) -> None:
    folder = root / "examples" / "pipelines" / "wine_classifier" / "local"
    folder.mkdir(parents=True)
    (folder / "README.md").symlink_to(outside / "sentinel.txt")


@pytest.mark.parametrize(
    "plant",
    [
        _link("pipelines"),
        _link("pipelines/wine_classifier"),
        _link("pipelines/wine_classifier/local"),
        _steps_link,
        _file_link,
    ],
    ids=["pipelines", "name", "target", "steps", "file"],
)
async def test_a_symlink_out_of_the_root_is_refused(
    api: Api, jp_root_dir: Path, outside: Path, plant: Callable[[Path, Path], None]
) -> None:
    demo_notebook(jp_root_dir)
    plant(jp_root_dir, outside)
    before = snapshot(jp_root_dir, outside)
    status, err = await api("pipeline/export", export_body())
    assert (status, err["code"]) == (403, "E_PATH_OUTSIDE_ROOT"), err
    assert snapshot(jp_root_dir, outside) == before
    # Nor is an export found through it.
    status, listed = await api("pipeline/export", method="GET", params={"notebook": NB})
    assert status == 200 and listed["targets"]["local"] is None


async def test_a_body_over_the_cap_is_refused(api: Api, jp_root_dir: Path) -> None:
    demo_notebook(jp_root_dir)
    before = snapshot(jp_root_dir)
    files = {**export_files(), **{f"f{i}.txt": "x" * (7 * 1024 * 1024) for i in range(3)}}
    status, err = await api("pipeline/export", export_body(files=files))
    assert (status, err["code"]) == (413, "E_BODY_TOO_LARGE")
    assert snapshot(jp_root_dir) == before


BAD_PARAMS = [
    ({"n_estimators": "__import__('os').system('touch PWNED')"}, "E_PARAM_INVALID"),
    ({"ghost": 1}, "E_PARAM_INVALID"),
    ({"n_estimators": True}, "E_PARAM_INVALID"),
    ({"n_estimators": 1.5}, "E_PARAM_INVALID"),
    ({"n_estimators": "1.5"}, "E_PARAM_INVALID"),
    ({"n_estimators": None}, "E_PARAM_INVALID"),
    ({"n_estimators": [1]}, "E_PARAM_INVALID"),
    ({"test_size": "nan"}, "E_PARAM_INVALID"),
    ({"test_size": "inf"}, "E_PARAM_INVALID"),
    ({"data_path": 5}, "E_PARAM_INVALID"),
    ({"data_path": None}, "E_PARAM_INVALID"),
    ({"data_path": "a\x00b"}, "E_PARAM_INVALID"),
    ({"data_path": "x" * 10_001}, "E_PARAM_INVALID"),
    ([1], "E_BAD_REQUEST"),
]


@pytest.mark.parametrize(("params", "code"), BAD_PARAMS)
async def test_a_bad_parameter_starts_nothing(
    api: Api, jp_root_dir: Path, params: Any, code: str
) -> None:
    folder = installed_demo(jp_root_dir)
    before = snapshot(jp_root_dir)
    status, err = await api("pipeline/runs", {"notebook": NB, "params": params})
    assert (status, err["code"]) == (400, code), err
    assert snapshot(jp_root_dir) == before
    assert not (folder / ".mlops-runs").exists()
    assert not list(jp_root_dir.rglob("PWNED")) and not Path("PWNED").exists()


async def test_nan_in_a_body_is_bad_json(api: Api, jp_root_dir: Path) -> None:
    installed_demo(jp_root_dir)
    raw = b'{"notebook": "' + NB.encode() + b'", "params": {"test_size": NaN}}'
    status, err = await api("pipeline/runs", raw=raw)
    assert (status, err["code"]) == (400, "E_BAD_JSON")


async def test_only_the_notebooks_own_export_runs(api: Api, jp_root_dir: Path) -> None:
    installed_demo(jp_root_dir)
    (jp_root_dir / "examples" / "other.ipynb").write_text('{"cells": []}')
    (jp_root_dir / "lonely.ipynb").write_text('{"cells": []}')
    before = snapshot(jp_root_dir)
    for notebook in ("examples/other.ipynb", "lonely.ipynb"):
        status, err = await api("pipeline/runs", {"notebook": notebook})
        assert (status, err["code"]) == (404, "E_EXPORT_NOT_FOUND"), err
        status, listed = await api("pipeline/runs", method="GET", params={"notebook": notebook})
        assert (status, listed) == (200, {"runs": []})
    status, err = await api("pipeline/runs", {"notebook": "examples/ghost.ipynb"})
    assert (status, err["code"]) == (404, "E_NOT_FOUND")
    status, err = await api("pipeline/runs", {"notebook": "../x.ipynb"})
    assert (status, err["code"]) == (400, "E_PATH_INVALID")
    assert snapshot(jp_root_dir) == before


async def test_an_invalid_local_export_is_not_run(api: Api, jp_root_dir: Path) -> None:
    folder = installed_demo(jp_root_dir)
    ir = json.loads((folder / "pipeline.json").read_text())
    (folder / "pipeline.json").write_text(json.dumps({**ir, "order": ["train", "load"]}))
    before = snapshot(jp_root_dir)
    status, err = await api("pipeline/runs", {"notebook": NB})
    assert (status, err["code"]) == (404, "E_EXPORT_NOT_FOUND"), err
    assert snapshot(jp_root_dir) == before


@pytest.fixture
def raw_get(
    http_server_client: Any, jp_auth_header: dict[str, str], jp_base_url: str
) -> Callable[..., Any]:
    """GET/POST a path as given (no escaping), to send `..%2F` in one segment."""

    async def fetch(path: str, method: str = "GET") -> tuple[int, Any]:
        response = await http_server_client.fetch(
            jp_base_url + path,
            method=method,
            body=b"{}" if method == "POST" else None,
            headers=dict(jp_auth_header),
            raise_error=False,
        )
        return response.code, json.loads(response.body) if response.body else None

    return fetch


@pytest.mark.parametrize(
    "run",
    ["..%2Fx", "..", "x" * 300, "20250101-000000-ABCDEF", "20250101-000000-abcdef%0A", "%00"],
)
@pytest.mark.parametrize("suffix", ["", "/log", "/cancel"])
async def test_a_bad_run_id_is_refused(
    raw_get: Callable[..., Any], jp_root_dir: Path, run: str, suffix: str
) -> None:
    installed_demo(jp_root_dir)
    before = snapshot(jp_root_dir)
    method = "POST" if suffix == "/cancel" else "GET"
    query = f"?notebook={NB}&step=load&offset=0"
    status, err = await raw_get(f"mlops/pipeline/runs/{run}{suffix}{query}", method)
    assert (status, err["code"]) == (400, "E_BAD_REQUEST"), (run, err)
    assert snapshot(jp_root_dir) == before


async def test_an_unknown_run_is_not_found(api: Api, jp_root_dir: Path) -> None:
    installed_demo(jp_root_dir)
    for route, method in ((RUN, "GET"), (f"{RUN}/cancel", "POST")):
        body = {} if method == "POST" else None
        status, err = await api(
            f"pipeline/runs/{route}", body, method=method, params={"notebook": NB}
        )
        assert (status, err["code"]) == (404, "E_RUN_NOT_FOUND"), err


#: A runner long gone (pid 2 is kthreadd, never our runner).
GONE = {"pid": 2, "startTicks": 1}


def plant_run(folder: Path, state: str, runner: dict[str, Any] | None, log: bytes) -> None:
    """A run's folder as the runner leaves it, written by hand (`runner` None: one long gone)."""
    run = folder / ".mlops-runs" / RUN
    (run / "logs").mkdir(parents=True)
    step = {"state": "done", "started": 1.0, "finished": 2.0, "log": "logs/load.log"}
    status = {
        "run": RUN,
        "pipeline": "wine_classifier",
        "state": state,
        "started": 1.0,
        "finished": None if state == "running" else 2.0,
        "params": {},
        "steps": {"load": step},
        "runner": runner or GONE,
    }
    (run / "status.json").write_text(json.dumps(sealed(status)))
    (run / "logs" / "load.log").write_bytes(log)


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"step": "../x"}, 400, "E_BAD_REQUEST"),
        ({"step": "a b"}, 400, "E_BAD_REQUEST"),
        ({"step": ""}, 400, "E_BAD_REQUEST"),
        ({"step": "s" * 64}, 400, "E_BAD_REQUEST"),
        ({"step": "load\n"}, 400, "E_BAD_REQUEST"),
        ({"step": "train"}, 404, "E_NOT_FOUND"),
        ({"offset": "-1"}, 400, "E_BAD_REQUEST"),
        ({"offset": "1e3"}, 400, "E_BAD_REQUEST"),
        ({"offset": " 1"}, 400, "E_BAD_REQUEST"),
        ({"offset": "99999999999999999"}, 400, "E_BAD_REQUEST"),
        ({"offset": str(2**53)}, 400, "E_BAD_REQUEST"),
        ({"offset": "6"}, 400, "E_BAD_REQUEST"),
        ({"notebook": "examples/ghost.ipynb"}, 404, "E_NOT_FOUND"),
    ],
)
async def test_a_bad_log_request_is_refused(
    api: Api, jp_root_dir: Path, query: dict[str, str], status: int, code: str
) -> None:
    plant_run(installed_demo(jp_root_dir), "done", None, b"hello")
    before = snapshot(jp_root_dir)
    params = {"notebook": NB, "step": "load", "offset": "0", **query}
    answer = await api(f"pipeline/runs/{RUN}/log", method="GET", params=params)
    assert (answer[0], answer[1]["code"]) == (status, code), answer
    assert snapshot(jp_root_dir) == before
    # The same request, well formed, works.
    status, log = await api(
        f"pipeline/runs/{RUN}/log", method="GET", params={"notebook": NB, "step": "load"}
    )
    assert (status, log) == (200, {"text": "hello", "offset": 5, "eof": True})


async def test_cancelling_a_finished_run_is_a_conflict(api: Api, jp_root_dir: Path) -> None:
    plant_run(installed_demo(jp_root_dir), "done", None, b"")
    status, err = await api(f"pipeline/runs/{RUN}/cancel", {}, params={"notebook": NB})
    assert (status, err["code"]) == (409, "E_RUN_FINISHED")


async def test_a_status_naming_another_process_never_gets_it_signalled(
    api: Api, jp_root_dir: Path
) -> None:
    # This very process (pytest, holding the server): alive, but no runner.
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    folder = installed_demo(jp_root_dir)
    plant_run(folder, "running", {"pid": os.getpid(), "startTicks": ticks}, b"")
    status = await status_of(api, NB, RUN)
    assert status["state"] == "interrupted"
    status, err = await api(f"pipeline/runs/{RUN}/cancel", {}, params={"notebook": NB})
    assert (status, err["code"]) == (409, "E_RUN_FINISHED")
    # Still here, and the file was never rewritten.
    on_disk = json.loads((folder / ".mlops-runs" / RUN / "status.json").read_text())
    assert on_disk["state"] == "running"


@pytest.mark.parametrize(
    "spoil",
    [
        lambda s: {**s, "run": "20250101-000000-ffffff"},
        lambda s: {**s, "state": "exploded"},
        lambda s: {**s, "started": "yesterday"},
        lambda s: {**s, "steps": {"load": {"state": "odd"}}},
        lambda s: {**s, "metrics": {"acc": "high"}},
        # No runner named: it would poll as running for ever.
        lambda s: {k: v for k, v in s.items() if k != "runner"},
        lambda s: {**s, "runner": 1234},
        lambda s: [s],
    ],
)
async def test_a_status_that_is_not_the_runners_is_no_run(
    api: Api, jp_root_dir: Path, spoil: Callable[[Any], Any]
) -> None:
    folder = installed_demo(jp_root_dir)
    plant_run(folder, "done", None, b"")
    path = folder / ".mlops-runs" / RUN / "status.json"
    spoiled = spoil({k: v for k, v in json.loads(path.read_text()).items() if k != "seal"})
    # Sealed again, as a runner would: the shape alone refuses it.
    path.write_text(json.dumps(sealed(spoiled) if isinstance(spoiled, dict) else spoiled))
    status, err = await api(f"pipeline/runs/{RUN}", method="GET", params={"notebook": NB})
    assert (status, err["code"]) == (404, "E_RUN_NOT_FOUND")
    status, listed = await api("pipeline/runs", method="GET", params={"notebook": NB})
    assert (status, listed) == (200, {"runs": []})
