"""The reproducibility check of a pipeline run, recorded in its status.json.

The lab sends the notebook's latest snapshot's metrics and the tolerance
from its settings when it starts a run (`expect`); the runner compares the
run's metrics when it is done, as `src/pipeline/reproduce.ts` does in the
lab, and writes the result as `status["reproduction"]`.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import MlopsError

#: The most metrics an expectation (the reproducibility check) may hold.
MAX_EXPECTED_METRICS = 200


def check_expectation(value: object) -> dict[str, Any]:
    """What a run is checked against when it ends: `{experiment, metrics, tolerance}`.

    `metrics` are the notebook snapshot's numbers, `tolerance` how far a
    run's may be from each (absolutely or relative to it), `experiment` the
    snapshot's ref, recorded with the result. Data, never code.
    """
    if not isinstance(value, dict) or set(value) - {"experiment", "metrics", "tolerance"}:
        raise MlopsError("E_BAD_REQUEST", "expect is {experiment, metrics, tolerance}")
    experiment = value.get("experiment")
    metrics = value.get("metrics")
    tolerance = value.get("tolerance")
    if experiment is not None and (not isinstance(experiment, str) or len(experiment) > 300):
        raise MlopsError("E_BAD_REQUEST", "expect.experiment is a ref of at most 300 characters")
    if not isinstance(metrics, dict) or len(metrics) > MAX_EXPECTED_METRICS:
        raise MlopsError(
            "E_BAD_REQUEST", f"expect.metrics is an object of at most {MAX_EXPECTED_METRICS}"
        )
    for name, number in metrics.items():
        finite = isinstance(number, (int, float)) and not isinstance(number, bool)
        if len(name) > 200 or not finite or not math.isfinite(number):
            raise MlopsError("E_BAD_REQUEST", f"expect.metrics[{name[:80]!r}] is not a number")
    if (
        not isinstance(tolerance, (int, float))
        or isinstance(tolerance, bool)
        or not 0 <= tolerance <= 1
    ):
        raise MlopsError("E_BAD_REQUEST", "expect.tolerance is a number from 0 to 1")
    return {"experiment": experiment, "metrics": metrics, "tolerance": tolerance}


def reproduction(metrics: dict[str, float], expect: dict[str, Any]) -> dict[str, Any]:
    """The run's metrics against the expectation, as the lab's check (reproduce.ts) says it."""
    tolerance = expect["tolerance"]
    checks: list[dict[str, Any]] = []
    missing: list[str] = []
    for name in sorted(expect["metrics"]):
        expected = expect["metrics"][name]
        got = metrics.get(name)
        if got is None:
            missing.append(name)
            continue
        difference = abs(got - expected)
        ok = difference <= tolerance or difference <= tolerance * abs(expected)
        checks.append({"name": name, "expected": expected, "got": got, "ok": ok})
    state = (
        "unknown"
        if not checks
        else "reproduced"
        if all(check["ok"] for check in checks)
        else "drifted"
    )
    return {
        "state": state,
        "checks": checks,
        "missing": missing,
        "tolerance": tolerance,
        "experiment": expect["experiment"],
    }
