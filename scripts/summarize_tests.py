"""Print each test runner's closing summary line and one total line.

Reads the logs scripts/test.sh wrote. Exits 1 when a runner's summary is
missing, a runner ran no test, or any test failed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
COUNT = re.compile(r"(\d+) (passed|failed|errors?|flaky|skipped)")

# runner -> (log file, pattern of its summary line(s))
RUNNERS = {
    "vitest": ("vitest.log", re.compile(r"^\s*Tests\s+.*\d+ (passed|failed)")),
    "pytest": ("pytest.log", re.compile(r"^=+ .*\d+ (passed|failed|errors?).* in [\d.]+s")),
    "galata": ("galata.log", re.compile(r"^\s+\d+ (passed|failed|flaky|skipped)\b")),
    # The galata smoke test on the oldest supported JupyterLab.
    "compat": ("compat.log", re.compile(r"^\s+\d+ (passed|failed|flaky|skipped)\b")),
    # The galata spec of Notebook 7 (a `jupyter notebook` server).
    "notebook": ("notebook.log", re.compile(r"^\s+\d+ (passed|failed|flaky|skipped)\b")),
}


def summarize(logs: Path) -> int:
    passed = failed = 0
    problems: list[str] = []
    for runner, (name, pattern) in RUNNERS.items():
        path = logs / name
        text = ANSI.sub("", path.read_text(errors="replace")) if path.exists() else ""
        lines = [line.rstrip() for line in text.splitlines() if pattern.search(line)]
        if runner not in ("galata", "compat", "notebook"):
            lines = lines[-1:]
        if not lines:
            problems.append(f"{runner}: no summary line (did it run?)")
            continue
        runner_passed = runner_failed = 0
        for line in lines:
            print(f"{runner}: {line.strip()}")
            for number, kind in COUNT.findall(line):
                # A flaky test failed once, then passed on its retry.
                if kind in ("passed", "flaky"):
                    runner_passed += int(number)
                elif kind in ("failed", "error", "errors"):
                    runner_failed += int(number)
        if runner_passed + runner_failed == 0:
            problems.append(f"{runner}: ran no test")
        passed += runner_passed
        failed += runner_failed
    for problem in problems:
        print(problem)
    print(f"total: {passed} passed, {failed} failed")
    return 1 if problems or failed else 0


if __name__ == "__main__":
    sys.exit(summarize(Path(sys.argv[1])))
