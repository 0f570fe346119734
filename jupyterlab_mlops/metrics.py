"""``log_metrics``: show metrics in a notebook so a snapshot records them.

Runs in the kernel, not in the server. The output carries the MIME type
``application/vnd.mlops.metrics+json`` (read by the snapshot) and a plain
text line (read by people). A step, when given, rides in the output's
metadata under the same MIME type, so the data stays metric names only.
"""

from __future__ import annotations

import math
import numbers

METRICS_MIME = "application/vnd.mlops.metrics+json"
MAX_KEY_LENGTH = 200
# The largest step JavaScript reads exactly (Number.MAX_SAFE_INTEGER).
MAX_STEP = 2**53 - 1


def metrics_bundle(**values: float) -> dict[str, object]:
    """Return the display bundle for ``values``; raise ``ValueError`` on bad input.

    Keys are metric names (at most 200 characters); values are finite real
    numbers. Booleans are refused: ``True`` is not a metric.
    """
    if not values:
        raise ValueError("log_metrics needs at least one metric, e.g. log_metrics(accuracy=0.93)")
    clean: dict[str, float | int] = {}
    for key, value in values.items():
        if len(key) > MAX_KEY_LENGTH:
            raise ValueError(f"metric name longer than {MAX_KEY_LENGTH} characters: {key[:40]}…")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"metric {key!r} must be a number, not {type(value).__name__}")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"metric {key!r} must be finite, not {number}")
        clean[key] = int(value) if isinstance(value, numbers.Integral) else number
    text = "metrics: " + ", ".join(f"{key}={value:.6g}" for key, value in clean.items())
    return {METRICS_MIME: clean, "text/plain": text}


def checked_step(step: object) -> int:
    """Return ``step`` as an ``int``, or raise.

    ``TypeError`` when it is not an integer (booleans and floats such as
    ``3.0`` are refused); ``ValueError`` when it is negative or above
    2**53 - 1 (the largest integer the lab reads exactly).
    """
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        raise TypeError(f"log_metrics step must be an int, not {type(step).__name__}")
    number = int(step)
    if number < 0:
        raise ValueError(f"log_metrics step must be 0 or more, not {number}")
    if number > MAX_STEP:
        raise ValueError(f"log_metrics step must be at most {MAX_STEP}, not {number}")
    return number


def metrics_output(
    step: int | None = None, **values: float
) -> tuple[dict[str, object], dict[str, object]]:
    """Return the display bundle and metadata of ``log_metrics(step=…, **values)``.

    Without a step the metadata is empty and the bundle is
    ``metrics_bundle(**values)``; with one, the metadata is
    ``{METRICS_MIME: {"step": step}}`` and the text line names the step.
    """
    if step is None:
        return metrics_bundle(**values), {}
    number = checked_step(step)
    bundle = metrics_bundle(**values)
    bundle["text/plain"] = f"step {number} {bundle['text/plain']}"
    return bundle, {METRICS_MIME: {"step": number}}


def log_metrics(step: int | None = None, **values: float) -> None:
    """Display metrics in the current cell's output so a snapshot records them.

    ``log_metrics(accuracy=0.93)`` records a metric. ``log_metrics(step=3,
    loss=0.4)`` also records a point of the metric's series (a learning
    curve over epochs or iterations): call it once per step, e.g. in the
    training loop. ``step`` is a non-negative ``int`` (``TypeError`` for
    another type, ``ValueError`` when negative); it is stored in the
    output's metadata as ``{"application/vnd.mlops.metrics+json": {"step":
    n}}``, next to the values in the output's data, so ``step`` cannot be
    a metric's name. The snapshot keeps each metric's last logged value as
    its value and every step's value as its series (a later call for the
    same step wins). Metric values are finite numbers (``ValueError``
    otherwise).
    """
    from IPython.display import display  # the kernel has IPython; the server need not

    bundle, metadata = metrics_output(step, **values)
    display(bundle, raw=True, metadata=metadata)
