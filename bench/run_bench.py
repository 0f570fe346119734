"""Benchmark: the local runner on the demo pipeline vs papermill on the demo notebook.

Usage: .venv/bin/python bench/run_bench.py [--runs 5]
(papermill from `bash bench/setup_peers.sh`, in .bench-venv).

In one run, alternately: a cold full run of the demo's `local` export
(`python -m jupyterlab_mlops.run DIR --force`: every step a process of its
own, forked from the runner, variables through the marshal helper), the
same with each step a new Python (`--no-fork`), a no-op re-run (every step
replayed from its cache), and papermill executing the same notebook top to
bottom in one kernel. Both use this repository's .venv Python (papermill
through a kernel of that Python). Per-step times come from the runner's
status.json, to say where the time goes. The table replaces the section
`## Pipeline runs (demo)` of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"
SECTION = "## Pipeline runs (demo)"
EXPORT = REPO / "jupyterlab_mlops" / "tests" / "data" / "wine_export"
NOTEBOOK = REPO / "examples" / "wine_classifier.ipynb"
PAPERMILL = REPO / ".bench-venv" / "bin" / "papermill"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hash_bench import replace_section  # noqa: E402


def timed(argv: list[str], cwd: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=True)
    return (time.perf_counter() - start) * 1000, done.stdout


def run(runs: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="mlops-run-bench-"))
    try:
        folder = work / "proj" / "pipelines" / "wine_classifier" / "local"
        shutil.copytree(EXPORT, folder)
        shutil.copy(NOTEBOOK, work / "proj" / "wine_classifier.ipynb")
        runner = [sys.executable, "-m", "jupyterlab_mlops.run", str(folder), "--json"]
        # papermill starts a kernel of this Python.
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--user", "--name", "mlops-bench"],
            check=True,
            capture_output=True,
        )
        papermill = [
            str(PAPERMILL),
            "-k",
            "mlops-bench",
            "--log-level",
            "ERROR",
            str(work / "proj" / "wine_classifier.ipynb"),
            str(work / "out.ipynb"),
        ]
        # Warm-up of each: page cache, byte code.
        timed([*runner, "--force"], work)
        timed(papermill, work / "proj")
        cold: list[float] = []
        spawned: list[float] = []
        noop: list[float] = []
        peer: list[float] = []
        steps: dict[str, list[float]] = {}
        for _ in range(runs):
            ms, out = timed([*runner, "--force"], work)
            cold.append(ms)
            for name, step in json.loads(out)["steps"].items():
                steps.setdefault(name, []).append((step["finished"] - step["started"]) * 1000)
            spawned.append(timed([*runner, "--force", "--no-fork"], work)[0])
            ms, out = timed(runner, work)
            assert {s["state"] for s in json.loads(out)["steps"].values()} == {"cached"}
            noop.append(ms)
            peer.append(timed(papermill, work / "proj")[0])
        return {
            "cold": cold,
            "spawned": spawned,
            "noop": noop,
            "papermill": peer,
            "steps": steps,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def render(result: dict[str, object], runs: int, command: str) -> str:
    med = statistics.median
    cold: list[float] = result["cold"]  # type: ignore[assignment]
    noop: list[float] = result["noop"]  # type: ignore[assignment]
    spawned: list[float] = result["spawned"]  # type: ignore[assignment]
    peer: list[float] = result["papermill"]  # type: ignore[assignment]
    steps: dict[str, list[float]] = result["steps"]  # type: ignore[assignment]
    c, n, p, sp = med(cold), med(noop), med(peer), med(spawned)
    step_total = sum(med(v) for v in steps.values())
    per_step = ", ".join(f"{name} {med(v):.0f} ms" for name, v in steps.items())
    lines = [
        SECTION,
        "",
        f"Command: `{command}` ({runs} alternating runs after a warm-up of each; the demo's",
        "`local` export as the frontend writes it, in the notebook's folder; papermill",
        "runs the same notebook top to bottom in one kernel of the same Python.)",
        "",
        "| how | median ms | vs papermill |",
        "|---|---|---|",
        f"| ours: cold full run (`--force`, 3 steps) | {c:.0f} | {c / p:.2f}x |",
        f"| ours: cold, each step a new Python (`--no-fork`) | {sp:.0f} | {sp / p:.2f}x |",
        f"| ours: no-op re-run (all 3 replayed) | {n:.0f} | {n / p:.2f}x |",
        f"| peer: papermill | {p:.0f} | 1.00x |",
        "",
        "Where the cold run's time goes: each step is its own process, forked from the",
        "runner once it has imported the modules the shared cells import (pandas,",
        "scikit-learn: what a new Python per step imports again, the `--no-fork` row);",
        f"the steps, fork to exit, median: {per_step};",
        "the runner's own work (its start, those imports, hashing inputs, the cache)",
        f"is the rest, about {c - step_total:.0f} ms.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    command = f".venv/bin/python bench/run_bench.py --runs {args.runs}"
    section = render(run(args.runs), args.runs, command)
    print(section)
    if not args.no_write:
        RESULTS.write_text(replace_section(RESULTS.read_text(), section))


if __name__ == "__main__":
    main()
