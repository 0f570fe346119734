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


# runner -> pattern of the lines that name a failed test
FAILURES = {
    "vitest": re.compile(r"^\s*FAIL\s+\S"),
    "pytest": re.compile(r"^(FAILED|ERROR) \S"),
    "galata": re.compile(r"^\s*✘"),
    "compat": re.compile(r"^\s*✘"),
    "notebook": re.compile(r"^\s*✘"),
}


def read_log(logs: Path, runner: str) -> str:
    path = logs / RUNNERS[runner][0]
    return ANSI.sub("", path.read_text(errors="replace")) if path.exists() else ""


def failures(logs: Path) -> int:
    """Print the lines that name a failed test, at most 20 per runner."""
    print("=== failed tests")
    found = 0
    for runner, pattern in FAILURES.items():
        seen: list[str] = []
        for line in read_log(logs, runner).splitlines():
            line = line.strip()
            if pattern.search(line) and line not in seen:
                seen.append(line)
        for line in seen[:20]:
            print(f"{runner}: {line[:300]}")
        found += len(seen)
    if found == 0:
        print("none")
    return 0


def summarize(logs: Path) -> int:
    passed = failed = 0
    problems: list[str] = []
    for runner, (_, pattern) in RUNNERS.items():
        text = read_log(logs, runner)
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
    if sys.argv[1:2] == ["--failures"]:
        sys.exit(failures(Path(sys.argv[2])))
    sys.exit(summarize(Path(sys.argv[1])))
