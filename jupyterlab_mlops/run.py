"""The local pipeline runner: `python -m jupyterlab_mlops.run DIR [--param k=v] [--force] [--json]`.

DIR is a `local` export (src/pipeline/export/local.ts). Steps run in
topological order, each as its own process (its own process group, so a
cancel reaches what it started), independent ones in parallel up to
`--jobs`. A step's outputs are cached under `DIR/.mlops-cache/STEP/KEY`,
KEY the hash of what decides them: its script, the marshal helper, the
requirements, the parameter values it (or the shared code) reads, and the
hashes of its input files. An unchanged step is replayed, if its entry's
seal holds (run_cache.py: nobody else made or changed it); a changed one runs
again, and so does what depends on it (its inputs' hashes change). Each run
has `DIR/.mlops-runs/RUN/` with one log per step and `status.json`, written
atomically after every change; it names the runner's own process
(`runner: {pid, startTicks}`) so a reader can tell a run whose runner died
(`--run-id` lets the caller, the bridge, choose the run's id). SIGTERM or
SIGINT cancels: SIGTERM to each running step's group, SIGKILL after a grace
period; so does a `cancel` file in the run's folder (run_files.py).

Parameter overrides are parsed by the IR's types; a value is data handed to
the steps as JSON, never code. This process never unpickles anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time

if __name__ == "__main__":
    # jsonschema imports rfc3987_syntax when installed (jupyter_events wants
    # it), which compiles ~38 grammars: a second of every run's start. The
    # IR's schema checks no `format`; the runner's own process goes without.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
from pathlib import Path
from typing import Any

from .errors import MlopsError
from .pipeline_ir import load_pipeline
from .pipeline_reproduce import reproduction
from .run_cache import cache_secret, file_sha, seal, seal_status, sealed
from .run_files import (
    cancel_asked,
    check_own_folders,
    default_cwd,
    expectation,
    hold_active,
    hold_lock,
    own_dir,
    read_request,
)
from .run_fork import ForkedStep, preload, shared_modules, shared_reads

#: Seconds between SIGTERM and SIGKILL when a run is cancelled.
GRACE_S = 5.0
#: What a step writes its metrics to, in its outputs folder (see mlops_marshal.py).
METRICS_FILE = "mlops-metrics.json"
MAX_METRICS_BYTES = 1024 * 1024
#: A run's id, as `new_run_id` makes them (sorting by id sorts by start time).
RUN_ID = re.compile(r"[0-9]{8}-[0-9]{6}-[0-9a-f]{6}")
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def parse_param(text: str, parameters: dict[str, dict[str, Any]]) -> tuple[str, Any]:
    """`name=value` as the IR's type of `name` says; never evaluated."""
    name, sep, raw = text.partition("=")
    if not sep or name not in parameters:
        known = ", ".join(sorted(parameters)) or "none"
        raise MlopsError("E_BAD_REQUEST", f"--param {name!r}: not a parameter (known: {known})")
    kind = parameters[name]["type"]
    try:
        if kind == "int":
            return name, int(raw, 10)
        if kind == "float":
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError(raw)
            return name, value
        if kind == "bool":
            if raw.lower() not in _TRUE | _FALSE:
                raise ValueError(raw)
            return name, raw.lower() in _TRUE
        if kind == "none" and raw.lower() in ("none", "null"):
            return name, None
    except ValueError:
        raise MlopsError("E_BAD_REQUEST", f"--param {name}: {raw!r} is not a {kind}") from None
    return name, raw


def new_run_id() -> str:
    """A fresh run id: the local start time and 6 random hex digits."""
    return time.strftime("%Y%m%d-%H%M%S-") + secrets.token_hex(3)


def process_start_ticks(pid: int | str = "self") -> int | None:
    """When a process started (clock ticks since boot, Linux `/proc`), or None.

    With its pid it names one process: a pid reused later starts later.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _write_json(path: Path, value: Any) -> None:
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    partial.write_text(json.dumps(value, indent=2))
    os.replace(partial, path)


class Runner:
    """One run of an export folder."""

    def __init__(
        self,
        folder: Path,
        *,
        params: list[str],
        force: bool,
        jobs: int,
        cwd: Path,
        run_id: str | None = None,
        expect: dict[str, Any] | None = None,
        fork: bool = True,
    ):
        self.folder = folder
        self.ir = load_pipeline(folder)
        check_own_folders(folder)
        self.expect = expect
        # Steps forked from a runner that imported their shared modules once
        # (run_fork.py), where the platform forks; else each a new Python.
        self.fork = fork and hasattr(os, "fork")
        self.secret = cache_secret()
        self.preloaded: list[str] | None = None
        self.force = force
        self.jobs = max(1, jobs)
        self.cwd = cwd
        declared = {p["name"]: p for p in self.ir["parameters"]}
        self.values = {name: p["default"] for name, p in declared.items()}
        for text in params:
            name, value = parse_param(text, declared)
            self.values[name] = value
        self.shared_params = shared_reads(self.ir["shared"], set(declared))
        self.steps = {step["name"]: step for step in self.ir["steps"]}
        self.parents = {name: set() for name in self.steps}
        for parent, child in self.ir["edges"]:
            self.parents[child].add(parent)
        if run_id is not None and not RUN_ID.fullmatch(run_id):
            raise MlopsError("E_BAD_REQUEST", f"--run-id {run_id!r}: not YYYYMMDD-HHMMSS-xxxxxx")
        self.run_id = run_id or new_run_id()
        self.run_dir = folder / ".mlops-runs" / self.run_id
        # One run at a time per export (run_files.hold_active).
        self.active = hold_active(folder / ".mlops-runs", self.run_id)
        # A chosen id's folder may exist already (the bridge keeps the
        # runner's own output there), but never with a run in it; what
        # it holds (parameters among them) is the user's alone.
        self.run_dir.mkdir(parents=True, exist_ok=run_id is not None, mode=0o700)
        os.chmod(self.run_dir, 0o700)
        try:
            (self.run_dir / "logs").mkdir()
            self.lock = hold_lock(self.run_dir)
        except FileExistsError:
            raise MlopsError("E_BAD_REQUEST", f"run {self.run_id} exists already") from None
        self.cache = folder / ".mlops-cache"
        self.outputs: dict[str, Path] = {}
        self.running: dict[str, tuple[subprocess.Popen[bytes] | ForkedStep, Path, Path]] = {}
        self.cancelled = False
        self.status: dict[str, Any] = {
            "run": self.run_id,
            "pipeline": self.ir["name"],
            "state": "running",
            "started": time.time(),
            "finished": None,
            "params": self.values,
            "runner": {"pid": os.getpid(), "startTicks": process_start_ticks()},
            "steps": {
                name: {
                    "state": "queued",
                    "started": None,
                    "finished": None,
                    "log": f"logs/{name}.log",
                }
                for name in self.ir["order"]
            },
        }
        self._save()

    def _save(self) -> None:
        _write_json(self.run_dir / "status.json", seal_status(self.status, self.secret))

    def _set(self, name: str, **fields: Any) -> None:
        self.status["steps"][name].update(fields)
        self._save()

    def key(self, name: str) -> str:
        step = self.steps[name]
        used = sorted(set(step["parameters"]) | self.shared_params)
        inputs = {
            var: file_sha(next(self.outputs[producer].glob(f"{var}.*")))
            for var, producer in sorted(step["inputs"].items())
        }
        return _sha(
            (self.folder / "steps" / f"{name}.py").read_bytes(),
            (self.folder / "mlops_marshal.py").read_bytes(),
            self.ir["requirements"].encode(),
            json.dumps({k: self.values[k] for k in used}, sort_keys=True).encode(),
            json.dumps(inputs, sort_keys=True).encode(),
        )

    def start(self, name: str) -> None:
        key = self.key(name)
        final = own_dir(self.cache / name) / key
        if not self.force and sealed(final, key, self.secret) is not None:
            self.outputs[name] = final
            now = time.time()
            self._set(name, state="cached", started=now, finished=now, key=key)
            return
        work = self.cache / name / f".{key}.{self.run_id}.partial"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        params_file = self.run_dir / "params.json"
        if not params_file.exists():
            _write_json(params_file, self.values)
        inputs = {var: str(self.outputs[p]) for var, p in self.steps[name]["inputs"].items()}
        env = {
            **os.environ,
            "MLOPS_PARAMS": str(params_file),
            "MLOPS_INPUTS": json.dumps(inputs),
            "MLOPS_OUTPUTS": str(work),
            # A new Python (--no-fork) does not put the script's folder first.
            "PYTHONSAFEPATH": "1",
        }
        script = self.folder / "steps" / f"{name}.py"
        log = (self.run_dir / "logs" / f"{name}.log").open("wb")
        process: subprocess.Popen[bytes] | ForkedStep
        if self.fork:
            if self.preloaded is None:
                self.preloaded = preload(shared_modules(self.ir["shared"]), self.cwd)
            process = ForkedStep(script, cwd=self.cwd, env=env, log=log.fileno())
        else:
            process = subprocess.Popen(  # noqa: S603 - the export's own step script
                [sys.executable, str(script)],
                cwd=self.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        log.close()
        self.running[name] = (process, work, final)
        self._set(name, state="running", started=time.time(), key=key, pid=process.pid)

    def finish(self, name: str, code: int) -> None:
        _, work, final = self.running.pop(name)
        state = "done" if code == 0 and not self.cancelled else "failed"
        if self.cancelled:
            state = "cancelled"
        if state == "done":
            seal(work, final.name, self.secret)
            try:
                # Whatever is in the entry's place goes (a link itself, never its target).
                if final.is_symlink() or final.is_file():
                    final.unlink()
                shutil.rmtree(final, ignore_errors=True)
                os.replace(work, final)
                self.outputs[name] = final
            except OSError as err:
                state = "failed"
                print(f"[E_IO] cannot keep the outputs of {name}: {err}", file=sys.stderr)
        if state != "done":
            shutil.rmtree(work, ignore_errors=True)
        self._set(name, state=state, finished=time.time(), exitCode=code)

    def cancel(self, *_: Any) -> None:
        self.cancelled = True
        for process, _, _ in self.running.values():
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def collect_metrics(self) -> dict[str, float]:
        """The steps' metrics merged in run order, a later step's winning."""
        metrics: dict[str, float] = {}
        wanted = set(self.ir["metrics"])
        for name in self.ir["order"]:
            path = self.outputs.get(name, Path("/nonexistent")) / METRICS_FILE
            try:
                if path.stat().st_size > MAX_METRICS_BYTES:
                    continue
                found = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
            except (OSError, ValueError):
                continue
            if not isinstance(found, dict):
                continue
            for key, value in found.items():
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                if key in wanted and number:
                    metrics[key] = value
        return metrics

    def _schedule(self) -> None:
        """Start the queued steps whose parents are done, up to `jobs` at once."""
        states = self.status["steps"]
        if self.cancelled or any(s["state"] == "failed" for s in states.values()):
            return
        for name in self.ir["order"]:
            if len(self.running) >= self.jobs:
                return
            ready = all(states[p]["state"] in ("done", "cached") for p in self.parents[name])
            if states[name]["state"] == "queued" and ready:
                self.start(name)

    def run(self) -> dict[str, Any]:
        states = self.status["steps"]
        deadline: float | None = None
        while True:
            self._schedule()
            for name, (process, _, _) in list(self.running.items()):
                code = process.poll()
                if code is not None:
                    self.finish(name, code)
            if not self.cancelled and cancel_asked(self.run_dir):
                self.cancel()
            if not self.running:
                # A step that finished may have made others ready.
                self._schedule()
                if not self.running:
                    break
            if self.cancelled:
                deadline = deadline or time.monotonic() + GRACE_S
                if time.monotonic() > deadline:
                    for process, _, _ in self.running.values():
                        try:
                            os.killpg(process.pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
            time.sleep(0.05)
        for step in states.values():
            if step["state"] == "queued":
                step["state"] = "cancelled" if self.cancelled else "skipped"
        failed = any(s["state"] == "failed" for s in states.values())
        self.status["state"] = "cancelled" if self.cancelled else "failed" if failed else "done"
        self.status["metrics"] = self.collect_metrics()
        if self.expect is not None and self.status["state"] == "done":
            self.status["reproduction"] = reproduction(self.status["metrics"], self.expect)
        self.status["finished"] = time.time()
        self._save()
        return self.status


def main(argv: list[str] | None = None) -> int:
    """Run an export; 0 when every step is done or cached."""
    parser = argparse.ArgumentParser(prog="python -m jupyterlab_mlops.run")
    parser.add_argument("folder", type=Path, help="the exported pipeline folder")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--force", action="store_true", help="run every step, cache or not")
    parser.add_argument("--jobs", type=int, default=2, help="steps at once (default 2)")
    parser.add_argument("--cwd", type=Path, help="where steps run (default: the notebook's folder)")
    parser.add_argument("--json", action="store_true", help="print the final status as JSON")
    parser.add_argument("--run-id", help="the run's id (default: time and random digits)")
    parser.add_argument(
        "--no-fork",
        action="store_true",
        help="start each step as a new Python (default: fork from a runner that imported"
        " the shared modules once)",
    )
    parser.add_argument(
        "--expect",
        metavar="JSON",
        help='check the metrics against {"experiment", "metrics", "tolerance"} when done',
    )
    parser.add_argument(
        "--request",
        type=Path,
        metavar="FILE",
        help='JSON {"params": ["name=value", ...], "expect": {...}}: more --param, and --expect',
    )
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    # A cancel that comes while the run is being set up (its status.json is
    # written before the constructor returns) is kept for it.
    early: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, _frame: early.append(signum))
    try:
        params, expect = read_request(args.request) if args.request else ([], None)
        runner = Runner(
            folder,
            params=[*args.param, *params],
            force=args.force,
            jobs=args.jobs,
            cwd=(args.cwd or default_cwd(folder)).resolve(),
            run_id=args.run_id,
            expect=expect if args.expect is None else expectation(args.expect),
            fork=not args.no_fork,
        )
    except MlopsError as err:
        print(f"[{err.code}] {err.message}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, runner.cancel)
    signal.signal(signal.SIGINT, runner.cancel)
    if early:
        runner.cancel()
    status = runner.run()
    if args.json:
        print(json.dumps(status))
    else:
        for name, step in status["steps"].items():
            print(f"{step['state']:>9}  {name}")
        for name, value in status["metrics"].items():
            print(f"   metric  {name} = {value}")
        print(f"{status['state']}: {status['run']} (logs in {runner.run_dir})")
    return 0 if status["state"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
