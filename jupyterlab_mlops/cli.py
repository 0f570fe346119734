"""`jupyter mlops …`: the pipeline commands for CI and the terminal.

- `jupyter mlops run DIR [--param k=v] [--force] [--jobs N] [--json] …` runs
  an export headless (the same as `python -m jupyterlab_mlops.run`);
- `jupyter mlops check NOTEBOOK DIR` exits 1 when DIR's `pipeline.json` was
  exported from other content than NOTEBOOK has now (its
  `notebook.contentHash`, computed as the lab computes it), 0 when fresh,
  2 when an input cannot be read. It trusts the hash the export recorded:
  a staleness check, not an integrity check of the scripts (those are code,
  reviewed as code).

`jupyter mlops` finds the `jupyter-mlops` console script (pyproject.toml).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# The command's own process: no second of grammar compiling (see run.py).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

from . import run  # noqa: E402
from .errors import MlopsError  # noqa: E402
from .pipeline_hash import notebook_content_hash  # noqa: E402
from .pipeline_ir import load_pipeline  # noqa: E402
from .version import __version__  # noqa: E402

#: Largest notebook `check` reads.
MAX_NOTEBOOK_BYTES = 256 * 1024 * 1024


class _Unreadable(Exception):
    """An input of `check` that cannot be read: exit 2 with its message."""


def _notebook_hash(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as err:
        raise _Unreadable(f"cannot read the notebook {str(path)!r}: {err.strerror}") from None
    if len(raw) > MAX_NOTEBOOK_BYTES:
        raise _Unreadable(f"{str(path)!r} is over {MAX_NOTEBOOK_BYTES} bytes")
    try:
        notebook = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise _Unreadable(f"{str(path)!r} is not a notebook (not JSON: {err})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise _Unreadable(f"{str(path)!r} is not a notebook (no cells list)")
    return notebook_content_hash(notebook)


def check(notebook: Path, folder: Path) -> int:
    """0 when `folder` was exported from `notebook` as it is now, 1 when stale, 2 on bad input."""
    try:
        if not folder.is_dir():
            raise _Unreadable(f"{str(folder)!r} is not an export folder")
        try:
            ir = load_pipeline(folder)
        except MlopsError as err:
            raise _Unreadable(f"[{err.code}] {folder}: {err.message}") from None
        current = _notebook_hash(notebook)
    except _Unreadable as err:
        print(f"jupyter mlops check: {err}", file=sys.stderr)
        return 2
    exported = ir["notebook"]["contentHash"]
    named = ir["notebook"]["path"]
    if notebook.as_posix() != named and not notebook.as_posix().endswith("/" + named):
        print(f"note: {folder} was exported from {named!r}", file=sys.stderr)
    if exported != current:
        print(
            f"stale: {folder} was exported from other content than {notebook} has now "
            f"(exported {exported[:12]}, now {current[:12]}); export the pipeline again",
            file=sys.stderr,
        )
        return 1
    print(f"fresh: {folder} matches {notebook} ({current[:12]})")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `jupyter-mlops`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "run":
        return run.main(args[1:])
    parser = argparse.ArgumentParser(
        prog="jupyter mlops", description="Pipelines of jupyterlab-mlops, headless."
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="run an export (see: jupyter mlops run --help)", add_help=False)
    checking = commands.add_parser(
        "check", help="fail when an export is older than its notebook's content"
    )
    checking.add_argument("notebook", type=Path, help="the notebook (.ipynb)")
    checking.add_argument("folder", type=Path, help="the export folder (holds pipeline.json)")
    parsed = parser.parse_args(args)
    return check(parsed.notebook, parsed.folder)


if __name__ == "__main__":
    sys.exit(main())
