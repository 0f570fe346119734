"""Benchmark: a 500 MiB model artifact pushed to MLflow through the bridge vs `curl`.

Usage: .venv/bin/python bench/mlflow_upload_bench.py [--runs 3] [--mib 500]
(needs `.venv-mlflow`; made here when missing, as the tests make it)

One real `mlflow server` (SQLite, local artifact root, 127.0.0.1) and one
real `jupyter server` with the extension pointed at it. Ours: a model
whose staged folder holds an `MLmodel` and a `--mib` MiB file is
registered with `push: true`; the time is from the registration's answer
to its outbox entry being done (the run, its params, the streamed upload of
every file through the proxied artifact API, the
registered model and its version), read by polling the outbox every 20 ms.
Peer: `curl -T` of the same file to the same server's artifact API (a PUT
of the bytes, nothing else). Runs alternate who goes first, after an
`os.sync()`; medians. The bridge's RSS is
sampled every 20 ms during our uploads: growth = peak − before. The table
replaces the section `## MLflow artifact upload` of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from hash_bench import RESULTS, replace_section  # noqa: E402

from jupyterlab_mlops.tests.mlflow_support import start_mlflow  # noqa: E402
from jupyterlab_mlops.tests.server_support import Server  # noqa: E402

SECTION = "## MLflow artifact upload"
MLMODEL = (
    "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: big.bin\n"
)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def ours(server: Server, payload: Path) -> tuple[float, int]:
    """Seconds from the registration's answer to its entry done; RSS growth (KiB)."""
    status, staging = server.call("POST", "registry/staging", {})
    assert status == 200, staging
    folder = Path(staging["path"])
    (folder / "MLmodel").write_text(MLMODEL)
    os.link(payload, folder / "big.bin")  # the same bytes, no copy
    key = str(uuid.uuid4())
    before = rss_kib(server.process.pid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(server.process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    body = {"model": "big", "staging": staging["id"], "idempotencyKey": key, "push": True}
    status, answer = server.call("POST", "registry/versions", body)
    assert status == 200, answer
    start = time.perf_counter()
    while True:
        _, outbox = server.call("GET", "registry/outbox")
        entry = next(e for e in outbox["entries"] if e["key"] == key)
        if entry["state"] == "done":
            break
        assert entry["state"] == "pending", entry
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return seconds, peak[0] - before


def peer(uri: str, payload: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [
            "curl",
            "-sS",
            "--fail",
            "-o",
            "/dev/null",
            "-T",
            str(payload),
            f"{uri}/api/2.0/mlflow-artifacts/artifacts/curl/{uuid.uuid4().hex}/big.bin",
        ],
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--mib", type=int, default=500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mlops-upload-bench-"))
    mlflow = start_mlflow(work / "mlflow")
    root = work / "root"
    root.mkdir()
    server = Server(root, work / "home", mlops={"mlflow_tracking_uri": mlflow.uri})
    payload = root / "payload.bin"
    with payload.open("wb") as out:
        for _ in range(args.mib):
            out.write(os.urandom(1 << 20))
    try:
        ours_s, peer_s, growth = [], [], []
        for run in range(args.runs):
            # Alternate who goes first; the page cache's dirty pages are written first.
            for who in ("ours", "peer") if run % 2 == 0 else ("peer", "ours"):
                os.sync()
                if who == "ours":
                    seconds, grown = ours(server, payload)
                    ours_s.append(seconds)
                    growth.append(grown)
                else:
                    peer_s.append(peer(mlflow.uri, payload))
    finally:
        server.stop()
        mlflow.process.terminate()
        mlflow.process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    mib = args.mib
    ours_tp = mib / statistics.median(ours_s)
    peer_tp = mib / statistics.median(peer_s)
    lines = [
        SECTION,
        "",
        f"`.venv/bin/python bench/mlflow_upload_bench.py --runs {args.runs} --mib {mib}`: "
        f"a {mib} MiB artifact to a real `mlflow server` (SQLite, local artifact root) on the "
        "same machine, medians.",
        "",
        "| | median s | MiB/s | throughput vs curl | bridge RSS growth (max) |",
        "|---|---|---|---|---|",
        f"| ours: register with push, until the outbox entry is done | "
        f"{statistics.median(ours_s):.2f} | {ours_tp:.0f} | {ours_tp / peer_tp:.2f}x | "
        f"{max(growth) / 1024:.1f} MiB |",
        f"| curl -T to the artifact API | {statistics.median(peer_s):.2f} | {peer_tp:.0f} | 1x | |",
        "",
        "Targets: ≥ 0.8x curl's throughput, RSS growth < 64 MiB. Ours also makes the run, "
        "logs its lineage, registers the model and its version, and hashes every byte it "
        "sends (a thread reads and hashes ahead; the last block goes only once the hash is "
        "the registry's); curl only sends the bytes.",
        "",
    ]
    RESULTS.write_text(replace_section(RESULTS.read_text(), "\n".join(lines)))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
