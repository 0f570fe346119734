"""Benchmark: Deploy to a healthy endpoint, and rollback, vs `mlflow models serve` started by hand.

Usage: .venv/bin/python bench/deploy_bench.py [--runs 9]
(needs `.venv-mlflow`, which `npx vitest run test/registry/kernelModels.spec.ts` makes)

A real `jupyter server` with the extension; the demo's model (random forest,
50 trees) saved by the lab's saver (src/registry/flavors/sklearn.ts) as two
versions of one registered model. Ours, timed from the click (the preflight
request) to the answer of `POST registry/deploy`, which comes once the new
endpoint answers `/ping`: deploys alternate between the two versions, then
rollbacks. Peer: `mlflow models serve -m <the same model folder>
--env-manager local` (MLflow 3.17), from process start to the first 200 on
`/ping`. The table replaces the section `## Deploy` of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

from hash_bench import RESULTS, Server, free_port, replace_section

REPO = Path(__file__).resolve().parent.parent
SECTION = "## Deploy"
MLFLOW = REPO / ".venv-mlflow" / "bin" / "mlflow"
LINEAGE = {
    "experiment": {"id": "01JBENCH", "ref": "refs/exps/wine/01JBENCH"},
    "notebookHash": "a" * 64,
    "dataHashes": {"data/wine.csv": "b" * 64},
    "metrics": {"accuracy": 0.96},
    "requirements": "scikit-learn==1.9.1\n",
}


def saver() -> Any:
    source = re.search(
        r"const SKLEARN_SAVER = String\.raw`(.*?)`;",
        (REPO / "src/registry/flavors/sklearn.ts").read_text(),
        re.DOTALL,
    ).group(1)  # type: ignore[union-attr]
    namespace: dict[str, Any] = {"__name__": "saver"}
    exec(compile(source, "sklearn.ts", "exec"), namespace)  # noqa: S102 - our own saver
    return namespace["save"]


def fitted() -> tuple[Any, Any]:
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier

    frame, target = load_wine(return_X_y=True, as_frame=True)
    model = RandomForestClassifier(n_estimators=50, max_depth=2, random_state=42)
    return model.fit(frame, target), frame


def ping(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as answer:  # noqa: S310
            return answer.status == 200
    except OSError:
        return False


def change(server: Server, version: int | None, action: str) -> float:
    start = time.perf_counter()
    status, check = server.call(
        "POST", "registry/preflight", {"model": "wine", "version": version, "action": action}
    )
    assert status == 200 and check["ok"], check
    status, done = server.call(
        "POST", f"registry/{action}", {"model": "wine", "token": check["token"]}
    )
    assert status == 200, done
    assert ping(done["endpoint"]["port"])
    return (time.perf_counter() - start) * 1000


def ours(root: Path, runtime: Path, runs: int) -> tuple[list[float], list[float], Path]:
    server = Server(root, runtime)
    try:
        server.wait_ready()
        save = saver()
        model, frame = fitted()
        for _ in range(2):
            status, staging = server.call("POST", "registry/staging", {})
            save(model, frame, staging["path"], "")
            status, version = server.call(
                "POST",
                "registry/versions",
                {"model": "wine", "staging": staging["id"], "lineage": LINEAGE},
            )
            assert status == 200, version
        deploys = [change(server, 1 + i % 2, "deploy") for i in range(runs + 1)][1:]
        rollbacks = [change(server, None, "rollback") for _ in range(runs)]
        server.call("POST", "registry/serving/stop", {"model": "wine"})
        folder = next((root / ".mlops" / "registry" / "models").glob("*/versions/1/model"))
        return deploys, rollbacks, folder
    finally:
        server.stop()


def peer(folder: Path, runs: int) -> list[float]:
    times = []
    env = {
        **os.environ,
        "PATH": f"{MLFLOW.parent}:{os.environ.get('PATH', '')}",
        "MLFLOW_TRACKING_URI": "file:///nonexistent-mlflow-tracking",
    }
    for _ in range(runs):
        port = free_port()
        start = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            [
                str(MLFLOW),
                "models",
                "serve",
                "-m",
                str(folder),
                "--env-manager",
                "local",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while not ping(port):
                if process.poll() is not None:
                    raise RuntimeError("mlflow models serve exited")
                time.sleep(0.02)
            times.append((time.perf_counter() - start) * 1000)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait()
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as top:
        root, runtime = Path(top) / "root", Path(top) / "runtime"
        root.mkdir()
        runtime.mkdir()
        deploys, rollbacks, folder = ours(root, runtime, args.runs)
        theirs = peer(folder, args.runs)
    d, r, t = statistics.median(deploys), statistics.median(rollbacks), statistics.median(theirs)
    rows = [
        f"| ours: Deploy (preflight + confirm + endpoint healthy) | {d:.0f} | {p95(deploys):.0f}"
        f" | {d / t:.2f}x |",
        f"| ours: Rollback to the previous version | {r:.0f} | {p95(rollbacks):.0f}"
        f" | {r / t:.2f}x |",
        f"| peer: `mlflow models serve --env-manager local`, start to /ping | {t:.0f}"
        f" | {p95(theirs):.0f} | 1.00x |",
    ]
    section = textwrap.dedent(
        f"""\
        {SECTION}

        Command: `.venv/bin/python bench/deploy_bench.py --runs {args.runs}`
        ({args.runs} runs each; the demo's random forest as two versions of one model. Ours
        from the preflight request to the deploy's answer, which comes once the new endpoint
        answers `/ping` (the old one serves until then; no warm spare is kept, so a rollback is
        one process start too). Peer: MLflow 3.17's scoring server on the same model folder,
        from process start to the first 200 on `/ping`.)

        | how | median ms | p95 ms | median vs MLflow |
        |---|---|---|---|
        ROWS

        Targets (issue 12): Deploy at most 1.2x `mlflow models serve` started by hand; rollback
        under 2 s.
        """
    ).replace("ROWS\n", "\n".join(rows) + "\n")
    RESULTS.write_text(replace_section(RESULTS.read_text(), section))
    print(section)
    print(json.dumps({"deploys": deploys, "rollbacks": rollbacks, "mlflow": theirs}))


if __name__ == "__main__":
    main()
