"""Benchmark: no-op re-run of an unchanged 10-step pipeline, the local runner vs `dvc repro`.

Usage: .venv/bin/python bench/pipeline_noop_bench.py [--runs 9] [--steps 10]
(DVC from .venv-dvc, which `npx vitest run test/pipeline/exportDvc.spec.ts`
makes; or `python3 -m venv .venv-dvc && .venv-dvc/bin/pip install -r
test/pipeline/dvc/requirements.txt`).

bench/pipeline_noop_exports.ts (compiled with the repository's tsc, run with
node) writes a synthetic notebook of N chained steps, each reading the list
the step before made and a parameter of its own, and its `local` and `dvc`
exports as the frontend writes them. Each is run once in full; then, in
turns, a no-op re-run of each is timed: `python -m jupyterlab_mlops.run DIR`
(every step replayed from its cache) and `dvc repro` in the dvc export
(DVC 3, analytics and update check off, a project without git and one in a
git repository). The steps run with this Python. The issue's target: ours at
most 0.5x `dvc repro`. To say where our time goes, the same turns time
Python's start, the imports of the runner and its run from inside. The
table replaces the section `## Pipeline no-op re-run (10 steps)` of
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "RESULTS.md"
SECTION = "## Pipeline no-op re-run (10 steps)"
DVC = REPO / ".venv-dvc" / "bin" / "dvc"
TSC = REPO / "node_modules" / ".bin" / "tsc"
UP_TO_DATE = "Data and pipelines are up to date."
# The runner's no-op again, its imports and its run timed from inside; its
# start as `python -m jupyterlab_mlops.run` has it (run.py keeps jsonschema
# from importing rfc3987_syntax, a second of grammar compiling).
BREAKDOWN = """
import contextlib, io, json, sys, time
t0 = time.perf_counter()
sys.modules.setdefault("rfc3987_syntax", None)
import jsonschema
t1 = time.perf_counter()
from jupyterlab_mlops.run import main
t2 = time.perf_counter()
out = io.StringIO()
with contextlib.redirect_stdout(out):
    main(sys.argv[1:])
t3 = time.perf_counter()
spans = {"jsonschema": t1 - t0, "runner": t2 - t1, "run": t3 - t2}
print(json.dumps({"status": json.loads(out.getvalue()), **{k: v * 1000 for k, v in spans.items()}}))
"""

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hash_bench import replace_section  # noqa: E402


def timed(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return (time.perf_counter() - start) * 1000, done.stdout + done.stderr


def write_exports(work: Path, steps: int) -> Path:
    """The notebook's folder, with pipelines/noop/{local,dvc}/."""
    build = work / "js"
    subprocess.run(
        [
            str(TSC),
            "--outDir",
            str(build),
            "--rootDir",
            str(REPO),
            "--module",
            "commonjs",
            "--moduleResolution",
            "node",
            "--target",
            "es2022",
            "--esModuleInterop",
            "--skipLibCheck",
            "--types",
            "node",
            str(REPO / "bench" / "pipeline_noop_exports.ts"),
        ],
        cwd=REPO,
        check=True,
    )
    project = work / "project"
    subprocess.run(
        ["node", str(build / "bench" / "pipeline_noop_exports.js"), str(project), str(steps)],
        env={**os.environ, "NODE_PATH": str(REPO / "node_modules")},
        check=True,
        capture_output=True,
    )
    return project


def dvc_project(source: Path, target: Path, env: dict[str, str], git: bool) -> Path:
    """A copy of the dvc export in a DVC project of its own: its export folder."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("local"))
    if git:
        subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(
        [str(DVC), "init", "-q", *([] if git else ["--no-scm"])], cwd=target, env=env, check=True
    )
    subprocess.run(
        [str(DVC), "config", "core.check_update", "false"], cwd=target, env=env, check=True
    )
    return target / "pipelines" / "noop" / "dvc"


def run(runs: int, steps: int) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp(prefix="mlops-noop-bench-"))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "DVC_GLOBAL_CONFIG_DIR": str(work / "dvc-config"),
        "DVC_SYSTEM_CONFIG_DIR": str(work / "dvc-config"),
        "DVC_SITE_CACHE_DIR": str(work / "dvc-site-cache"),
    }
    try:
        project = write_exports(work, steps)
        local = project / "pipelines" / "noop" / "local"
        plain = dvc_project(project, work / "dvc-plain", env, git=False)
        in_git = dvc_project(project, work / "dvc-git", env, git=True)
        ours = [sys.executable, "-m", "jupyterlab_mlops.run", str(local), "--json"]
        # The full runs, then a warm-up of each no-op (page cache, byte code).
        timed([*ours, "--force"], REPO, env)
        for folder in (plain, in_git):
            timed([str(DVC), "repro"], folder, env)
        times: dict[str, list[float]] = {}
        commands = {
            "ours": (ours, REPO),
            "dvc": ([str(DVC), "repro"], plain),
            "dvc_git": ([str(DVC), "repro"], in_git),
            "breakdown": ([sys.executable, "-c", BREAKDOWN, str(local), "--json"], REPO),
        }
        for argv, cwd in commands.values():
            timed(argv, cwd, env)
        for _ in range(runs):
            for name, (argv, cwd) in commands.items():
                ms, out = timed(argv, cwd, env)
                if name.startswith("dvc"):
                    assert UP_TO_DATE in out and "Running stage" not in out, out
                    times.setdefault(name, []).append(ms)
                    continue
                result = json.loads(out)
                # The breakdown prints the status and its spans.
                spans = result if name == "breakdown" else {"status": result}
                status = spans.pop("status")
                assert {s["state"] for s in status["steps"].values()} == {"cached"}, out
                times.setdefault(name, []).append(ms)
                for span, value in spans.items():
                    times.setdefault(span, []).append(value)
        return times
    finally:
        shutil.rmtree(work, ignore_errors=True)


def dvc_version() -> str:
    return subprocess.run(
        [str(DVC), "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def render(times: dict[str, list[float]], runs: int, steps: int, command: str) -> str:
    med = {name: statistics.median(values) for name, values in times.items()}
    dvc = med["dvc"]

    def row(label: str, name: str) -> str:
        return f"| {label} | {med[name]:.0f} | {med[name] / dvc:.2f}x |"

    ratio = med["ours"] / dvc
    verdict = "met" if ratio <= 0.5 else "not met"
    setup = (
        f"Command: `{command}` ({runs} alternating runs after a full run and a warm-up"
        f" of each; a synthetic notebook of {steps} chained steps, exported by"
        " `bench/pipeline_noop_exports.ts` as the frontend exports it; neither no-op"
        f" runs a step. DVC {dvc_version()}, analytics and update check off; Python"
        f" {sys.version.split()[0]}.)"
    )
    inside = med["jsonschema"] + med["runner"] + med["run"]
    where = (
        f"Where our time goes (the same no-op timed from inside, medians): Python's"
        f" start and exit about {med['breakdown'] - inside:.0f} ms; importing the runner"
        f" {med['jsonschema'] + med['runner']:.0f} ms, of which"
        f" `import jsonschema` {med['jsonschema']:.0f} ms (pipeline_ir.py"
        " validates pipeline.json with it; the runner keeps it from importing"
        " `rfc3987_syntax`, whose grammars took a second)"
    )
    where += (
        f"; the run itself (validating the IR, hashing the inputs, status.json)"
        f" {med['run']:.0f} ms."
    )
    lines = [
        SECTION,
        "",
        textwrap.fill(setup, 80),
        "",
        "| no-op re-run | median ms | vs `dvc repro` |",
        "|---|---|---|",
        row(f"ours: `python -m jupyterlab_mlops.run DIR` ({steps} replayed)", "ours"),
        row("peer: `dvc repro` (`dvc init --no-scm`)", "dvc"),
        row("peer: `dvc repro` in a git repository", "dvc_git"),
        "",
        f"Target (at most 0.50x `dvc repro`): **{verdict}** ({ratio:.2f}x).",
        "",
        textwrap.fill(where, 80),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--no-write", action="store_true", help="print only, keep RESULTS.md")
    args = parser.parse_args()
    if not DVC.exists():
        sys.exit(f"no {DVC}: see the usage in {__file__}")
    command = f".venv/bin/python bench/pipeline_noop_bench.py --runs {args.runs}"
    if args.steps != 10:
        command += f" --steps {args.steps}"
    section = render(run(args.runs, args.steps), args.runs, args.steps, command)
    print(section)
    if not args.no_write:
        RESULTS.write_text(replace_section(RESULTS.read_text(), section))


if __name__ == "__main__":
    main()
