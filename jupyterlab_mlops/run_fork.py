"""Steps as forked processes: the runner imports what the steps' shared code imports once.

Each step of a `local` export is its own process; started fresh, each one
starts Python and imports pandas, scikit-learn … again (a second and more
per step, where papermill imports them once). With `fork`, the runner
imports the modules the shared code (the `imports` and `functions` cells)
names — only imports, none of the notebook's code runs in the runner —
then forks one child per step. The child makes its own session (cancel is
a signal to its group), goes to the notebook's folder, sends its output to
the step's log, takes the step's environment and runs the step script as
`__main__`, as `python steps/NAME.py` would. `--no-fork` (or a platform
without `fork`) starts each step as a new Python instead.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import os
import pkgutil  # noqa: F401 - runpy imports it as a step starts: never from the export
import runpy
import signal
import sys
from pathlib import Path


def shared_modules(shared: str) -> list[str]:
    """The modules the shared code imports at its top level, in order."""
    try:
        tree = ast.parse(shared)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return list(dict.fromkeys(names))


def shared_reads(shared: str, names: set[str]) -> set[str]:
    """The parameter names the shared code (imports, functions) reads."""
    try:
        tree = ast.parse(shared)
    except SyntaxError:
        return set(names)  # unknown: every parameter counts
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} & names


def preload(modules: list[str], cwd: Path) -> list[str]:
    """Import `modules` (those that fail are left to the steps); answer those imported.

    From the notebook's folder, as a step would; whatever they print is
    dropped (a step prints its own).
    """
    loaded: list[str] = []
    here = os.getcwd()
    sys.path.insert(0, str(cwd))
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for name in modules:
                try:
                    importlib.import_module(name)
                except BaseException:  # noqa: BLE001, S112 - the step will say why
                    continue
                loaded.append(name)
    finally:
        os.chdir(here)
        sys.path.remove(str(cwd))
    return loaded


class ForkedStep:
    """A step run in a forked child: what the runner uses of a `Popen`."""

    def __init__(self, script: Path, *, cwd: Path, env: dict[str, str], log: int):
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, measured by the step's own results
            _child(script, cwd=cwd, env=env, log=log)
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The step's exit code once it has ended (negative: killed by that signal)."""
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid != 0:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


def _child(script: Path, *, cwd: Path, env: dict[str, str], log: int) -> None:
    """Run the step script as `python script` would, then leave without the runner's cleanup."""
    code = 1
    try:
        os.setsid()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 1 << 16)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - fd 0, kept
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        # Nothing of the export on the path (the bridge's runner runs with
        # -P; one started by hand from the export folder has it first): a
        # module planted there would run before the script starts.
        export = {str(script.parent), str(script.parent.parent)}
        sys.path[:] = [
            p for p in sys.path if p not in ("", ".") and os.path.abspath(p) not in export
        ]
        sys.argv = [str(script)]
        try:
            runpy.run_path(str(script), run_name="__main__")
            code = 0
        except SystemExit as leaving:
            code = (
                leaving.code
                if isinstance(leaving.code, int)
                else (0 if leaving.code is None else 1)
            )
            if not isinstance(leaving.code, (int, type(None))):
                print(leaving.code, file=sys.stderr)
        except BaseException:  # noqa: BLE001 - reported as Python would
            import traceback

            traceback.print_exc()
            code = 1
        # What Python does at its exit: the step's atexit functions, flushed output.
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)
